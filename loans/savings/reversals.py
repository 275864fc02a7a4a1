"""A member's savings reversal (hủy bút toán tiền gửi) through four eyes: a user who may not
reverse alone stores a request (core.four_eyes, the approvals app decides who), and the
reversal runs only when a checker approves it, every rule checked again then."""

from datetime import date

from django.utils.translation import gettext as _

from core import four_eyes

from . import services
from .errors import SavingsError
from .models import SavingsAccount, SavingsTransaction

OPERATION = "savings-reversals"
PERMISSION = "savings.add_savingstransaction"


def reverse_or_hold(entry: SavingsTransaction, *, value_date: date, reason: str, by):
    """(the reversal, None) when `by` may reverse alone, else (None, the approval request's id):
    the request is stored only when the reversal would be accepted now."""
    services.check_reversal(entry, by, value_date, reason)
    parameters = {"entry": entry.pk, "value_date": value_date.isoformat(), "reason": reason}
    held = four_eyes.hold(
        by, OPERATION, office_id=entry.account.borrower.office_id, parameters=parameters
    )
    if held is not None:
        return None, held
    return services.reverse_savings(entry, by, value_date, reason), None


def run_reversal(parameters: dict, maker) -> dict:
    """The approved request's reversal, posted as its maker; refused (SavingsError) when the
    entry was reversed meanwhile or the balance no longer allows it."""
    from .api import SavingsTransactionSerializer

    entry = SavingsTransaction.objects.filter(pk=parameters["entry"]).first()
    if entry is None:
        raise SavingsError(_("Không tìm thấy bút toán tiền gửi."), code="savings_state")
    on = date.fromisoformat(parameters["value_date"])
    reversal = services.reverse_savings(entry, maker, on, parameters["reason"])
    balance = SavingsAccount.objects.values_list("balance", flat=True).get(pk=entry.account_id)
    return {
        "savings_transactions": [dict(SavingsTransactionSerializer(reversal).data)],
        "balance": balance,
    }


def register() -> None:
    four_eyes.register(four_eyes.HeldOperation(OPERATION, PERMISSION, run_reversal))
