"""Disbursing a tranche (giải ngân) and the schedule it fixes (DOMAIN.md §3, §4 "Schedule")."""

from datetime import date

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core.money import group_digits

from .. import positions as engine
from ..models import Loan, LoanStatus, LoanTransaction, PostingRequest, TransactionKind
from .checks import check_open_for_postings, positive, today
from .errors import LoanError
from .idempotency import idempotent
from .journal import current_rows, post_money, write_schedule
from .status import change_status


@idempotent("disbursement")
def disburse(
    loan: Loan,
    *,
    amount: int,
    on: date,
    by: User,
    request: PostingRequest | None = None,
    receipt_number: str = "",
) -> LoanTransaction:
    """Disburse a tranche (giải ngân) at or below the approved amount; the first one fixes the
    contract rate (the programme's rate in force that day) and the schedule (DOMAIN.md §4)."""
    amount = positive(amount, "amount")
    _check_disbursement(loan, amount=amount, on=on)
    if loan.first_disbursed_on is None:
        _first_disbursement(loan, amount=amount, on=on, by=by)
    else:
        _later_tranche(loan, amount=amount, on=on, by=by)
    entry = post_money(
        loan,
        TransactionKind.DISBURSEMENT,
        amount,
        on=on,
        by=by,
        request=request,
        receipt_number=receipt_number,
    )
    change_status(loan, LoanStatus.ACTIVE, reason="Giải ngân", by=by)
    return entry


def _check_disbursement(loan: Loan, *, amount: int, on: date) -> None:
    """An approved or active loan, a value date from the approval to today, within the amount
    still to disburse."""
    if loan.status not in (LoanStatus.APPROVED, LoanStatus.ACTIVE):
        check_open_for_postings(loan)
    if on > today():
        raise LoanError(_("Ngày giải ngân không được sau ngày hôm nay."), field="value_date")
    if on < loan.approved_on:
        raise LoanError(_("Ngày giải ngân không được trước ngày phê duyệt."), field="value_date")
    if loan.disbursed_total + amount > loan.approved_amount:
        remaining = loan.approved_amount - loan.disbursed_total
        raise LoanError(
            _("Số tiền giải ngân vượt số còn được giải ngân (%(left)s đồng).")
            % {"left": group_digits(remaining)},
            field="amount",
        )


def _first_disbursement(loan: Loan, *, amount: int, on: date, by: User) -> None:
    """The contract rate in force on the day, and the schedule built from the first tranche."""
    rate = loan.programme.rate_on(on, loan.borrower.household_category)
    if rate is None:
        raise LoanError(
            _("Chương trình chưa có lãi suất hiệu lực vào ngày giải ngân."), field="value_date"
        )
    loan.contract_rate = rate.annual_rate
    loan.first_disbursed_on = on
    loan.save(update_fields=["contract_rate", "first_disbursed_on"])
    rows = engine.build_schedule(
        principal=amount,
        first_disbursed_on=on,
        term_months=loan.term_months,
        grace_months=loan.grace_months,
        frequency_months=loan.principal_frequency_months,
        due_day=loan.due_day,
    )
    write_schedule(loan, rows, effective_from=on, reason="disbursement", by=by)


def _later_tranche(loan: Loan, *, amount: int, on: date, by: User) -> None:
    """A later tranche is spread over the instalments that fall after its date (DOMAIN.md §4)."""
    first = loan.first_disbursed_on
    if first is not None and on < first:
        raise LoanError(_("Đợt giải ngân sau không được trước đợt đầu."), field="value_date")
    try:
        rows = engine.spread_tranche(schedule=current_rows(loan), amount=amount, on=on)
    except ValueError as exc:
        raise LoanError(
            _("Không còn kỳ trả gốc nào sau ngày giải ngân; không thể giải ngân thêm."),
            field="value_date",
        ) from exc
    write_schedule(loan, rows, effective_from=on, reason="disbursement", by=by)
