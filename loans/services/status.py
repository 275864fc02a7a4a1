"""The one place a loan's status changes: every move is checked against `Loan.TRANSITIONS`."""

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from ..models import Loan, LoanStatus
from .errors import LoanError


def change_status(loan: Loan, to: str, *, reason: str, by: User | None = None) -> None:
    """Move `loan` (locked by the caller's transaction) to status `to`, if the table of allowed
    moves (`Loan.TRANSITIONS`, DOMAIN.md §3) has it; staying in the same status is no move.

    The change is saved with its reason and author in the loan's history (an audit row);
    a move the table does not allow is refused with code "loan_state" (409 in the API)."""
    if loan.status == to:
        return
    if to not in Loan.TRANSITIONS.get(LoanStatus(loan.status), set()):
        raise LoanError(
            _("Khoản vay đang ở trạng thái “%(current)s”, không thể chuyển sang “%(to)s”.")
            % {"current": LoanStatus(loan.status).label, "to": LoanStatus(to).label},
            code="loan_state",
        )
    loan.status = to
    loan._change_reason = reason  # type: ignore[attr-defined]  # simple_history's hook
    if by is not None and getattr(by, "is_authenticated", False):
        loan._history_user = by  # type: ignore[attr-defined]
    loan.save(update_fields=["status"])
