"""The members' savings services (loans.savings) as a sheet uses them: each posting value-dated
on the session date with the member's receipt number."""

from ...savings import services as savings
from ...savings.errors import SavingsError

__all__ = [
    "SavingsError",
    "balances",
    "link",
    "lock_accounts",
    "pay_principal_from_savings",
    "post_many",
]
from ...savings.selectors import balances_as_of


def post_many(lines, on, by):
    """Deposits or withdrawals [(borrower id, kind, amount, receipt number)] in one batch."""
    return savings.post_many(lines, on, by)


def pay_principal_from_savings(loan, amount: int, on, by, receipt: str = ""):
    return savings.pay_principal_from_savings(loan, amount, on, by, receipt_number=receipt)


def lock_accounts(borrower_ids) -> None:
    """The members' accounts locked (created if missing) in one query, in id order."""
    if borrower_ids:
        savings.lock_accounts(sorted(borrower_ids))


def balances(borrower_ids, on) -> dict[int, int]:
    """Each member's savings balance at the end of `on`, in one query."""
    return balances_as_of(borrower_ids, on)


def link(sheet, entries) -> None:
    """Link the savings entries a sheet created to it."""
    from ..models import SheetSavingsEntry

    SheetSavingsEntry.objects.bulk_create(
        SheetSavingsEntry(sheet=sheet, transaction=entry) for entry in entries
    )
