"""The savings part of the monthly reconciliation (DOMAIN.md §6–7): per account of an office,
the month's roll-forward (opening + deposits − withdrawals + interest + other = closing) from
the journal, and the cached balance against the journal's all-time total. One aggregate query
per office; the lines are replaced with the office's other results."""

from datetime import date

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from loans.reconciliation.models import Reconciliation
from loans.savings.models import MonthlySavingsLine, SavingsAccount, SavingsKind


def _sum(field: str, condition: Q | None = None):
    return Coalesce(Sum(f"transactions__{field}", filter=condition), 0)


def savings_figures(*, office_id: int, first: date, last: date):
    """Per account of the office's households: the month's figures (a values queryset)."""
    in_month = Q(transactions__value_date__gte=first, transactions__value_date__lte=last)
    kind = "transactions__kind"
    return (
        SavingsAccount.objects.filter(borrower__office_id=office_id)
        .values("id", "balance", "borrower__savings_group_id")
        .annotate(
            opening=_sum("delta", Q(transactions__value_date__lt=first)),
            deposits=_sum("amount", in_month & Q(**{kind: SavingsKind.DEPOSIT})),
            withdrawals=_sum("amount", in_month & Q(**{kind: SavingsKind.WITHDRAWAL})),
            interest=_sum("amount", in_month & Q(**{kind: SavingsKind.INTEREST_CREDIT})),
            other=_sum(
                "delta",
                in_month
                & Q(**{f"{kind}__in": [SavingsKind.REVERSAL, SavingsKind.OPENING_BALANCE]}),
            ),
            closing=_sum("delta", Q(transactions__value_date__lte=last)),
            journal_total=_sum("delta"),
        )
        .order_by("id")
    )


def write_savings_lines(recon: Reconciliation, *, office_id: int, first: date, last: date):
    """Write the office's savings lines (its old ones are deleted by the caller); the counts."""
    lines = [
        MonthlySavingsLine(
            reconciliation=recon,
            account_id=row["id"],
            office_id=office_id,
            savings_group_id=row["borrower__savings_group_id"],
            opening=row["opening"],
            deposits=row["deposits"],
            withdrawals=row["withdrawals"],
            interest=row["interest"],
            other=row["other"],
            closing=row["closing"],
            journal_total=row["journal_total"],
            cached_balance=row["balance"],
        )
        for row in savings_figures(office_id=office_id, first=first, last=last)
    ]
    MonthlySavingsLine.objects.bulk_create(lines, batch_size=2000)
    return {
        "savings_accounts": len(lines),
        "savings_closing": sum(line.closing for line in lines),
        "savings_discrepancies": sum(line.cache_differs for line in lines),
    }


def savings_counts(recon: Reconciliation) -> dict[str, int]:
    """The month's savings totals for the run: accounts, closing balance, cached ≠ journal."""
    lines = recon.savings_lines.all()
    closing = lines.aggregate(total=Coalesce(Sum("closing"), 0))["total"]
    return {
        "savings_accounts": lines.count(),
        "savings_closing": int(closing),
        "savings_discrepancies": lines.exclude(cached_balance=F("journal_total")).count(),
    }
