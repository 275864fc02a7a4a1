"""Reading the savings journal: balances as of a date for many households in one query."""

from datetime import date

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from .interest import half_year, interest_between
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


def statement(borrower, on: date) -> dict:
    """A household's savings as of `on`: the balance, the interest credited through `on`, the
    open half-year's interest from its start through `on` (rounded once; 0 on its last day
    once credited) and the entries through `on`."""
    account = SavingsAccount.objects.filter(borrower=borrower).first()
    if account is None:
        return {
            "balance": 0,
            "interest_credited": 0,
            "interest_accrued_not_credited": 0,
            "transactions": [],
        }
    start, end = half_year(on)
    accrued = 0
    if not (on == end and is_credited(account.pk, end)):
        accrued = interest_between(start, on, [account.pk]).get(account.pk, 0)
    entries = account.transactions.filter(value_date__lte=on).order_by("value_date", "id")
    return {
        "balance": balances_as_of([borrower.pk], on)[borrower.pk],
        "interest_credited": interest_credited(account, on),
        "interest_accrued_not_credited": accrued,
        "transactions": list(entries),
    }


def last_credited_period_end() -> date | None:
    """The latest half-year end with interest credited (its rates are settled)."""
    latest = SavingsTransaction.objects.filter(kind=SavingsKind.INTEREST_CREDIT).order_by(
        "-value_date"
    )
    return latest.values_list("value_date", flat=True).first()


def accounts_as_of(on: date) -> QuerySet:
    """Every account with its end-of-day balance on `on` from the journal (`balance_on`), for
    the portfolio report's figures (one correlated sum on the account's date index)."""
    journal = (
        SavingsTransaction.objects.filter(account=OuterRef("pk"), value_date__lte=on)
        .order_by()
        .values("account")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    return SavingsAccount.objects.annotate(balance_on=Coalesce(Subquery(journal), 0))


def portfolio_aggregates() -> dict:
    """The members' savings per group of the portfolio: the balance, and the accounts that
    hold a balance at the end of the day."""
    return {
        "savings_balance": Sum("balance_on"),
        "savings_accounts": Count("pk", filter=Q(balance_on__gt=0)),
    }
