"""The checks every posting shares: the business date, the loan's state, amounts, reasons."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Loan, LoanStatus
from ..selectors import position_of
from .errors import LoanError


def today() -> date:
    """The business date: today in the branch's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate()


def check_value_date(loan: Loan, on: date) -> None:
    """A value date is not in the future, nor before the loan's first disbursement."""
    if on > today():
        raise LoanError(_("Ngày giá trị không được sau ngày hôm nay."), field="value_date")
    if loan.first_disbursed_on and on < loan.first_disbursed_on:
        raise LoanError(
            _("Ngày giá trị không được trước ngày giải ngân đầu tiên (%(d)s).")
            % {"d": f"{loan.first_disbursed_on:%d/%m/%Y}"},
            field="value_date",
        )


def check_open_for_postings(loan: Loan) -> None:
    """Only an active loan takes postings (DOMAIN.md §4 "Repayments")."""
    messages: dict[str, str] = {
        LoanStatus.APPROVED: _("Khoản vay chưa giải ngân."),
        LoanStatus.FROZEN: _("Khoản vay đang được khoanh nợ, không được ghi giao dịch."),
        LoanStatus.CLOSED: _("Khoản vay đã tất toán, không được ghi giao dịch."),
        LoanStatus.WRITTEN_OFF: _("Khoản vay đã được xóa nợ, không được ghi giao dịch."),
    }
    if loan.status in messages:
        raise LoanError(messages[loan.status], code="loan_state")


def positive(amount: int | None, field: str) -> int:
    """A whole number of đồng above zero."""
    if amount is None or isinstance(amount, bool) or not isinstance(amount, int):
        raise LoanError(_("Số tiền phải là số nguyên đồng."), field=field)
    if amount <= 0:
        raise LoanError(_("Số tiền phải lớn hơn 0."), field=field)
    return amount


def check_given(text: str | None, *, field: str, message: str) -> str:
    """A reason or decision reference that must be written down; returned stripped."""
    if not (text or "").strip():
        raise LoanError(message, field=field)
    return (text or "").strip()


def amounts_owed(loan: Loan, on: date, position: dict | None = None) -> dict[str, int]:
    """What the borrower owes on `on`: principal outstanding, interest in arrears (due, unpaid),
    and interest owed including the open period's accrual. `position`: the loan's position as
    of `on`, when a batch computed it already (with the loan locked and nothing posted since)."""
    if position is None:
        position = position_of(loan, as_of=on)
    settled = loan.interest_paid_total + loan.interest_written_off_total
    return {
        "principal": min(position["outstanding_principal"], loan.outstanding_principal),
        "interest_arrears": max(0, position["interest_due"] - settled),
        "interest": max(
            0, position["interest_due"] + position["interest_accrued_not_due"] - settled
        ),
    }
