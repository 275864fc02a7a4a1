"""The monthly reconciliation as a report: rows per level, totals and discrepancies, read from
the stored results (`loans.reconciliation.selectors`). Every level is a grouped sum of the loan
lines, so the levels always add up to the same totals.

Ratios are fractions of 1 with 6 places (`core.money.ratio`), as in the province reports; a
ratio without a base (no interest due, nothing outstanding) is None."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from borrowers.selectors import User
from core.money import ratio
from loans.reconciliation.models import (
    AMOUNT_FIELDS,
    Reconciliation,
    ReconciliationLine,
    ReconciliationTotal,
)
from loans.reconciliation.selectors import (
    ASSOCIATION_FIELDS,
    Filters,
    discrepancies_for,
    lines_for,
    run_status,
)
from loans.reconciliation.totals import level_totals_for

LEVELS = ("loan", "savings_group", "association", "transaction_point", "office", "programme")
FEE_LEVELS = tuple(ASSOCIATION_FIELDS)
# Per level: output key -> the lines' field it is grouped by (the first is the row's id).
LEVEL_KEYS = {
    "loan": {
        "loan": "loan_id",
        "contract_number": "loan__contract_number",
        "borrower_name": "loan__borrower__full_name",
        "savings_group": "savings_group_id",
        "programme": "programme_id",
        "programme_code": "programme__code",
        "transaction_point": "transaction_point_id",
        "office": "office_id",
    },
    "savings_group": {
        "savings_group": "savings_group_id",
        "savings_group_code": "savings_group__code",
        "savings_group_name": "savings_group__name",
        "leader": "savings_group__leader",
        "association": "association_id",
        "association_name": "association__name",
        "transaction_point": "transaction_point_id",
        "office": "office_id",
    },
    "transaction_point": {
        "transaction_point": "transaction_point_id",
        "transaction_point_name": "transaction_point__name",
        "office": "office_id",
    },
    "office": {"office": "office_id", "office_name": "office__name"},
    "programme": {
        "programme": "programme_id",
        "programme_code": "programme__code",
        "programme_name": "programme__name",
    },
}


# Levels whose keys hold the office: the job keeps one total per key (`LEVEL_COLUMNS`), read as
# it is; the others (programme, association) add up the offices' totals.
PER_OFFICE_LEVELS = ("savings_group", "transaction_point", "office")


def ratio_or_none(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction of 1 (6 places), None without a base."""
    return ratio(part, whole) if whole else None


def _sums(fields=AMOUNT_FIELDS) -> dict:
    return {field: Sum(field) for field in fields}


def _finish_row(row: dict) -> dict:
    """Amounts as ints, the association fee as the sum of its levels, and the two ratios."""
    for field in AMOUNT_FIELDS:
        row[field] = int(row.get(field) or 0)
    row["association_fee"] = sum(row[f"fee_{level}"] for level in FEE_LEVELS)
    row["collection_rate"] = ratio_or_none(row["interest_collected"], row["interest_due"])
    row["overdue_ratio"] = ratio_or_none(row["overdue_principal"], row["closing_outstanding"])
    return row


def _amounts(row: dict) -> dict:
    return {field: row[field] for field in AMOUNT_FIELDS}


def rows(lines: QuerySet[Any], level: str) -> list[dict]:
    """One row per key of the level, with the summed figures."""
    if level == "association":
        return association_rows(lines)
    keys = LEVEL_KEYS[level]
    grouped = lines.order_by().values(*keys.values()).annotate(**_sums()).order_by(*keys.values())
    return [
        _finish_row({**{out: row[src] for out, src in keys.items()}, **_amounts(row)})
        for row in grouped
    ]


def association_rows(lines: QuerySet[ReconciliationLine]) -> list[dict]:
    """A row per association at each level (commune, district, province, central), covering
    the groups under it; `fee_earned` is the part of the fee paid to that association."""
    result = []
    for level, field in ASSOCIATION_FIELDS.items():
        grouped = (
            lines.exclude(**{f"{field}__isnull": True})
            .order_by()
            .values(f"{field}_id", f"{field}__name", f"{field}__kind")
            .annotate(**_sums())
            .order_by(f"{field}__name")
        )
        for row in grouped:
            finished = _finish_row(_amounts(row))
            result.append(
                {
                    "association": row[f"{field}_id"],
                    "association_name": row[f"{field}__name"],
                    "association_kind": row[f"{field}__kind"],
                    "association_level": level,
                    **finished,
                    "fee_earned": finished[f"fee_{level}"],
                }
            )
    return result


def totals(lines: QuerySet[ReconciliationLine]) -> dict:
    """The sums over all the lines in scope (independent of the level)."""
    summed = lines.aggregate(**_sums(), loans=Count("id"))
    return {"loans": summed.pop("loans"), **_finish_row(summed)}


def discrepancy_rows(recon: Reconciliation, user: User, filters: Filters) -> list[dict]:
    """The month's discrepancies in scope, with the loan behind each."""
    return [
        {
            "loan": item.loan_id,
            "contract_number": item.loan.contract_number,
            "office": item.office_id,
            "kind": item.kind,
            "field": item.field,
            "expected": item.expected,
            "actual": item.actual,
            "difference": item.difference,
        }
        for item in discrepancies_for(recon, user, filters)
    ]


def reconciliation_report(
    recon: Reconciliation, user: User, *, level: str, filters: Filters
) -> dict:
    """The documented answer: month, level, the latest run's status, rows, totals,
    discrepancies, and `source`: "aggregate" (the job's totals per level) or "lines"."""
    stored = level_totals_for(recon, user, filters) if level != "loan" else None
    status = run_status(recon)
    if stored is None:
        lines = lines_for(recon, user, filters)
        figures = {"rows": rows(lines, level), "totals": totals(lines), "source": "lines"}
    else:
        figures = {
            "rows": stored_rows(stored, level),
            "totals": stored_totals(stored),
            "source": "aggregate",
        }
    return {
        "month": recon.period,
        "level": level,
        "status": status[0] if status else None,
        "finished_at": recon.finished_at,
        **figures,
        "discrepancies": discrepancy_rows(recon, user, filters),
    }


def stored_rows(stored: QuerySet[ReconciliationTotal], level: str) -> list[dict]:
    """`rows` read from the job's totals of the level (the same groups, the same sums)."""
    if level in PER_OFFICE_LEVELS:
        return _per_key_rows(stored.filter(level=level), level)
    if level != "association":
        return rows(stored.filter(level=level), level)
    result = []
    for each in ASSOCIATION_FIELDS:
        grouped = (
            stored.filter(level=f"association_{each}")
            .order_by()
            .values("association_id", "association__name", "association__kind")
            .annotate(**_sums())
            .order_by("association__name")
        )
        for row in grouped:
            finished = _finish_row(_amounts(dict(row)))
            result.append(
                {
                    "association": row["association_id"],
                    "association_name": row["association__name"],
                    "association_kind": row["association__kind"],
                    "association_level": each,
                    **finished,
                    "fee_earned": finished[f"fee_{each}"],
                }
            )
    return result


def _per_key_rows(stored: QuerySet[ReconciliationTotal], level: str) -> list[dict]:
    """The rows of a level with one stored total per key: `_finish_row` of each as it is (its
    amounts are never null), built from tuples (17,857 savings groups at a million loans)."""
    keys = LEVEL_KEYS[level]
    names = (*keys, *AMOUNT_FIELDS)
    fees = [AMOUNT_FIELDS.index(f"fee_{each}") + len(keys) for each in FEE_LEVELS]
    at = {name: i for i, name in enumerate(names)}
    ratios = (
        ("collection_rate", at["interest_collected"], at["interest_due"]),
        ("overdue_ratio", at["overdue_principal"], at["closing_outstanding"]),
    )
    result = []
    for values in stored.order_by(*keys.values()).values_list(*keys.values(), *AMOUNT_FIELDS):
        row = dict(zip(names, values, strict=True))
        row["association_fee"] = sum(values[i] for i in fees)
        for name, part, whole in ratios:
            row[name] = ratio_or_none(values[part], values[whole])
        result.append(row)
    return result


def stored_totals(stored: QuerySet[ReconciliationTotal]) -> dict:
    """`totals` from the office totals (every figure adds up across offices)."""
    summed = stored.filter(level="office").aggregate(**_sums(), loans=Sum("loans"))
    return {"loans": int(summed.pop("loans") or 0), **_finish_row(summed)}
