"""The reconciliation's sums per level and office (`ReconciliationTotal`), written by the job in
the transaction that writes an office's lines, from those lines; the report per level reads
them instead of summing every line of the month (`loans.reports.reconciliation`)."""

from django.db.models import Count, QuerySet, Sum

from borrowers.selectors import User, scope

from .models import AMOUNT_FIELDS, Reconciliation, ReconciliationLine, ReconciliationTotal
from .selectors import ASSOCIATION_FIELDS, Filters

# Per level, the lines' columns a total is kept for (the report's keys of the level are these
# columns or read through them); association levels keep the association of that level.
LEVEL_COLUMNS = {
    "office": ("office_id",),
    "transaction_point": ("office_id", "transaction_point_id"),
    "savings_group": ("office_id", "transaction_point_id", "savings_group_id", "association_id"),
    "programme": ("office_id", "programme_id"),
    **{
        f"association_{level}": ("office_id", f"{field}_id")
        for level, field in ASSOCIATION_FIELDS.items()
    },
}


def write_level_totals(recon: Reconciliation, *, office_id: int) -> int:
    """Replace the office's totals of the month by sums of its lines (just written); the number
    of total rows."""
    ReconciliationTotal.objects.filter(reconciliation=recon, office_id=office_id).delete()
    lines = ReconciliationLine.objects.filter(reconciliation=recon, office_id=office_id)
    sums = {name: Sum(name) for name in AMOUNT_FIELDS}
    totals = []
    for level, columns in LEVEL_COLUMNS.items():
        rows = lines
        if level.startswith("association_"):
            rows = rows.exclude(**{columns[-1]: None})
        for row in rows.order_by().values(*columns).annotate(loans=Count("id"), **sums):
            keys = {column: row[column] for column in columns}
            if level.startswith("association_"):
                keys["association_id"] = keys.pop(columns[-1])
            amounts = {name: int(row[name] or 0) for name in AMOUNT_FIELDS}
            totals.append(
                ReconciliationTotal(
                    reconciliation=recon, level=level, loans=row["loans"], **keys, **amounts
                )
            )
    ReconciliationTotal.objects.bulk_create(totals, batch_size=2000)
    return len(totals)


def level_totals_for(
    recon: Reconciliation, user: User, filters: Filters
) -> QuerySet[ReconciliationTotal] | None:
    """The month's stored totals the user may see, narrowed to the office filter; None when they
    cannot answer (a group or association filter, which narrows to lines, or a month whose
    totals are missing for some office: reconciled before they were kept)."""
    if filters.association is not None or filters.savings_group is not None:
        return None
    totals = ReconciliationTotal.objects.filter(reconciliation=recon)
    counted = totals.filter(level="office").aggregate(n=Sum("loans"))["n"] or 0
    if counted != recon.loan_count:
        return None
    totals = scope(totals, user)
    if filters.office is not None:
        totals = totals.filter(office=filters.office)
    return totals
