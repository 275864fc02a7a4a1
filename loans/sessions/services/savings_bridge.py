"""The members' savings services (loans.savings) as a sheet uses them.

Until loans.savings is installed, a sheet with savings amounts is refused line by line.
"""

from django.utils.translation import gettext as _

from ...services import LoanError

try:  # pragma: no cover - depends on the savings app
    from ...savings import services as savings
except ImportError:  # pragma: no cover
    savings = None


def _unavailable():
    return LoanError(_("Chưa có tài khoản tiền gửi tiết kiệm của tổ viên."), field="savings")


def deposit(borrower, amount: int, on, by):
    if savings is None:
        raise _unavailable()
    return savings.deposit(borrower, amount, on, by)


def withdraw(borrower, amount: int, on, by):
    if savings is None:
        raise _unavailable()
    return savings.withdraw(borrower, amount, on, by)


def pay_principal_from_savings(loan, amount: int, on, by):
    if savings is None:
        raise _unavailable()
    return savings.pay_principal_from_savings(loan, amount, on, by)


def balances(borrower_ids, on) -> dict[int, int]:
    """Each member's savings balance at the end of `on` (0 without the savings app)."""
    if savings is None:
        return dict.fromkeys(borrower_ids, 0)
    from ...savings.selectors import balances_as_of

    return balances_as_of(borrower_ids, on)


def link(sheet, entries) -> None:
    """Link the savings entries a sheet created to it."""
    if entries:
        from ..models import SheetSavingsEntry

        SheetSavingsEntry.objects.bulk_create(
            SheetSavingsEntry(sheet=sheet, transaction=entry) for entry in entries
        )
