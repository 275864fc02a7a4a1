"""Reading the savings journal: balances as of a date for many households in one query."""

from datetime import date

from django.db.models import Q, Sum

from .models import SavingsAccount, SavingsKind, SavingsTransaction


def balances_as_of(borrower_ids, on: date) -> dict[int, int]:
    """Per household the end-of-day savings balance on `on` (0 without an account), one query."""
    ids = list(borrower_ids)
    rows = (
        SavingsTransaction.objects.filter(account__borrower_id__in=ids, value_date__lte=on)
        .values("account__borrower_id")
        .annotate(balance=Sum("delta"))
        .values_list("account__borrower_id", "balance")
    )
    balances = dict.fromkeys(ids, 0)
    balances.update({borrower: int(balance) for borrower, balance in rows})
    return balances


def interest_credited(account: SavingsAccount, on: date) -> int:
    """The interest credited to the account through `on`, net of reversed credits."""
    credits = Q(kind=SavingsKind.INTEREST_CREDIT) | Q(
        kind=SavingsKind.REVERSAL, reverses__kind=SavingsKind.INTEREST_CREDIT
    )
    total = account.transactions.filter(credits, value_date__lte=on).aggregate(t=Sum("delta"))
    return int(total["t"] or 0)


def is_credited(account_id: int, period_end: date) -> bool:
    return SavingsTransaction.objects.filter(
        account_id=account_id, kind=SavingsKind.INTEREST_CREDIT, value_date=period_end
    ).exists()
