"""Recording a repayment (thu nợ) as on the receipt, and closing a loan paid in full."""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core.money import group_digits

from ..models import Loan, LoanStatus, LoanTransaction, PostingRequest, TransactionKind
from .checks import amounts_owed, check_open_for_postings, check_value_date, positive
from .errors import LoanError
from .idempotency import idempotent
from .journal import post_money
from .status import change_status


@idempotent("repayment", many=True)
def record_repayment(
    loan: Loan,
    *,
    on: date,
    by: User,
    principal: int | None = None,
    interest: int | None = None,
    amount: int | None = None,
    request: PostingRequest | None = None,
    receipt_number: str = "",
    position: dict | None = None,
) -> list[LoanTransaction]:
    """Record a repayment (thu nợ) as on the receipt: principal and interest separately, or a
    total allocated to interest due first, then principal oldest instalment first (DOMAIN.md §4).
    Paying all principal and all interest owed closes the loan (tất toán). `position`: the
    loan's position as of `on` if a batch (a session's sheet) computed it for its loans at once."""
    check_total_or_parts(amount=amount, principal=principal, interest=interest)
    check_open_for_postings(loan)
    check_value_date(loan, on)
    owed = amounts_owed(loan, on, position)
    if amount is not None:
        principal, interest = _split_total(amount, owed)
    else:
        principal, interest = _checked_parts(principal, interest, owed)
    posting = {"on": on, "by": by, "request": request, "receipt_number": receipt_number}
    entries = []
    if principal:
        entries.append(post_money(loan, TransactionKind.PRINCIPAL_REPAYMENT, principal, **posting))
        if interest or loan.outstanding_principal == 0:
            # Principal repaid on `on` earns nothing that day (the balance at the end of a day
            # earns its interest, DOMAIN.md §4), so interest is owed as of after the repayment.
            owed = amounts_owed(loan, on)
    entries += _pay_interest(loan, interest, owed=owed, posting=posting)
    if loan.outstanding_principal == 0 and interest >= owed["interest"]:
        change_status(loan, LoanStatus.CLOSED, reason="Tất toán: trả hết gốc và lãi", by=by)
    return entries


def check_total_or_parts(
    *, amount: int | None, principal: int | None, interest: int | None
) -> None:
    """A receipt gives a total or principal and interest, never both: the one home of this
    rule (the admin form and the API show this error as it is)."""
    if amount is not None and (principal is not None or interest is not None):
        raise LoanError(
            _("Nhập tổng số tiền hoặc tách gốc và lãi, không nhập cả hai."), field="amount"
        )


def _pay_interest(
    loan: Loan, interest: int, *, owed: dict[str, int], posting: dict[str, Any]
) -> list[LoanTransaction]:
    """The interest part, never above the interest owed through the value date."""
    check_interest(interest, owed)
    if not interest:
        return []
    return [post_money(loan, TransactionKind.INTEREST_PAYMENT, interest, **posting)]


def check_interest(interest: int, owed: dict[str, int]) -> None:
    """Interest paid is never above the interest owed through the value date."""
    if interest > owed["interest"]:
        raise LoanError(
            _("Số lãi trả lớn hơn số lãi phải trả đến ngày (%(owed)s đồng).")
            % {"owed": group_digits(owed["interest"])},
            field="interest",
        )


def _split_total(amount: int, owed: dict[str, int]) -> tuple[int, int]:
    """(principal, interest) of a total: interest in arrears first, the rest to principal."""
    amount = positive(amount, "amount")
    interest = min(amount, owed["interest_arrears"])
    if amount - interest > owed["principal"]:
        raise LoanError(
            _("Số tiền trả (%(paid)s đồng) lớn hơn số nợ phải trả (%(owed)s đồng).")
            % {
                "paid": group_digits(amount),
                "owed": group_digits(owed["interest_arrears"] + owed["principal"]),
            },
            field="amount",
        )
    return amount - interest, interest


def _checked_parts(
    principal: int | None, interest: int | None, owed: dict[str, int]
) -> tuple[int, int]:
    """(principal, interest) entered separately: whole đồng, not both zero, principal owed.
    Interest is checked by the caller, after the principal part is applied."""
    principal, interest = principal or 0, interest or 0
    for value, field in ((principal, "principal"), (interest, "interest")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise LoanError(_("Số tiền phải là số nguyên đồng không âm."), field=field)
    if principal == 0 and interest == 0:
        raise LoanError(_("Số tiền phải lớn hơn 0."), field="principal")
    if principal > owed["principal"]:
        raise LoanError(
            _("Số gốc trả lớn hơn dư nợ (%(owed)s đồng).")
            % {"owed": group_digits(owed["principal"])},
            field="principal",
        )
    return principal, interest
