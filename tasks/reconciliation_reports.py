"""Reads of a stored month's reconciliation: rows per level, totals, discrepancies and the fee
statement, scoped to the user's offices. Every level is a grouped sum of the loan lines, so the
levels always add up to the same totals."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from borrowers.models import Association, SavingsGroup, TransactionOffice
from borrowers.selectors import User, scope

from .models import AMOUNT_FIELDS, Discrepancy, FeePayment, Reconciliation, ReconciliationLine

LEVELS = ("loan", "savings_group", "association", "transaction_point", "office", "programme")
FEE_LEVELS = ("commune", "district", "province", "central")
# The association of each level on a line.
ASSOCIATION_FIELDS = {
    "commune": "association",
    "district": "district_association",
    "province": "province_association",
    "central": "central_association",
}
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
NOT_RECONCILED = gettext_noop("Chưa chạy đối chiếu tháng này (tháng %(m)s).")


class NotReconciled(Exception):
    """The month has no finished reconciliation."""


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to; each object already checked against the user's scope."""

    office: TransactionOffice | None = None
    association: Association | None = None
    savings_group: SavingsGroup | None = None


def finished_reconciliation(month: date) -> Reconciliation:
    """The month's reconciliation once a run has finished; NotReconciled otherwise."""
    recon = Reconciliation.objects.select_related("run").filter(month=month).first()
    if recon is None or recon.finished_at is None:
        raise NotReconciled(_(NOT_RECONCILED) % {"m": f"{month:%m/%Y}"})
    return recon


def _association_q(association: Association, prefix: str = "") -> Q:
    q = Q()
    for field in ASSOCIATION_FIELDS.values():
        q |= Q(**{f"{prefix}{field}": association})
    return q


def lines_for(recon: Reconciliation, user: User, filters: Filters) -> QuerySet[ReconciliationLine]:
    """The month's loan lines the user may see, narrowed by the filters."""
    lines = scope(ReconciliationLine.objects.filter(reconciliation=recon), user)
    if filters.office is not None:
        lines = lines.filter(office=filters.office)
    if filters.savings_group is not None:
        lines = lines.filter(savings_group=filters.savings_group)
    if filters.association is not None:
        lines = lines.filter(_association_q(filters.association))
    return lines


def _sums(fields=AMOUNT_FIELDS) -> dict:
    return {field: Sum(field) for field in fields}


def _percent(part: int, whole: int) -> str | None:
    """part / whole as a percentage with two decimals (a string, as DRF renders decimals)."""
    if not whole:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return str(value)


def _finish_row(row: dict) -> dict:
    """Amounts as ints, the association fee as the sum of its levels, and the two ratios."""
    for field in AMOUNT_FIELDS:
        row[field] = int(row.get(field) or 0)
    row["association_fee"] = sum(row[f"fee_{level}"] for level in FEE_LEVELS)
    row["collection_rate"] = _percent(row["interest_collected"], row["interest_due"])
    row["overdue_ratio"] = _percent(row["overdue_principal"], row["closing_outstanding"])
    return row


def rows(lines: QuerySet[ReconciliationLine], level: str) -> list[dict]:
    """One row per key of the level, with the summed figures."""
    if level == "association":
        return association_rows(lines)
    keys = LEVEL_KEYS[level]
    grouped = lines.order_by().values(*keys.values()).annotate(**_sums()).order_by(*keys.values())
    return [
        _finish_row({**{out: row[src] for out, src in keys.items()}, **_amounts(row)})
        for row in grouped
    ]


def _amounts(row: dict) -> dict:
    return {field: row[field] for field in AMOUNT_FIELDS}


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


def discrepancies_for(recon: Reconciliation, user: User, filters: Filters) -> list[dict]:
    """The month's discrepancies in scope, with the loan behind each."""
    found = scope(Discrepancy.objects.filter(reconciliation=recon).select_related("loan"), user)
    if filters.office is not None:
        found = found.filter(office=filters.office)
    if filters.savings_group is not None:
        found = found.filter(loan__savings_group=filters.savings_group)
    if filters.association is not None:
        chain = Q(loan__savings_group__association=filters.association)
        for depth in range(1, 4):
            chain |= Q(
                **{f"loan__savings_group__association{'__parent' * depth}": filters.association}
            )
        found = found.filter(chain)
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
        for item in found.order_by("loan_id", "kind", "field")
    ]


def reconciliation_report(
    recon: Reconciliation, user: User, *, level: str, filters: Filters
) -> dict:
    """The documented answer: month, level, rows, totals, discrepancies."""
    lines = lines_for(recon, user, filters)
    return {
        "month": recon.period,
        "level": level,
        "status": recon.run.status if recon.run else None,
        "finished_at": recon.finished_at,
        "rows": rows(lines, level),
        "totals": totals(lines),
        "discrepancies": discrepancies_for(recon, user, filters),
    }


# --- the fee statement -----------------------------------------------------------------------


def fee_statement(recon: Reconciliation, user: User, filters: Filters) -> dict:
    """The month's fee statement: the commission per group leader and the entrustment fee per
    association (each level), as paid at the sessions."""
    fees = scope(FeePayment.objects.filter(reconciliation=recon), user)
    if filters.office is not None:
        fees = fees.filter(office=filters.office)
    if filters.savings_group is not None:
        fees = fees.filter(savings_group=filters.savings_group)
    if filters.association is not None:
        groups = lines_for(recon, user, filters).values("savings_group")
        fees = fees.filter(savings_group__in=groups)
    leaders = [
        {
            "savings_group": fee.savings_group_id,
            "savings_group_code": fee.savings_group.code,
            "savings_group_name": fee.savings_group.name,
            "leader": fee.savings_group.leader,
            "transaction_point_name": fee.savings_group.transaction_point.name,
            "office": fee.office_id,
            "base_amount": fee.base_amount,
            "group_outstanding": fee.group_outstanding,
            "group_overdue": fee.group_overdue,
            "overdue_ratio": _percent(fee.group_overdue, fee.group_outstanding),
            "rate": f"{fee.rate.normalize():f}",
            "reduced": fee.reduced,
            "amount": fee.amount,
        }
        for fee in fees.filter(payee=FeePayment.Payee.GROUP_LEADER)
        .select_related("savings_group__transaction_point")
        .order_by("savings_group__code")
    ]
    associations = sorted(
        (
            {
                "association": row["association"],
                "association_name": row["association__name"],
                "association_level": row["payee"],
                "groups": row["groups"],
                "base_amount": int(row["base_amount"] or 0),
                "amount": int(row["amount"] or 0),
            }
            for row in fees.exclude(payee=FeePayment.Payee.GROUP_LEADER)
            .order_by()
            .values("payee", "association", "association__name")
            .annotate(
                groups=Count("savings_group"), base_amount=Sum("base_amount"), amount=Sum("amount")
            )
            .order_by("payee", "association__name")
        ),
        key=lambda row: FEE_LEVELS.index(row["association_level"]),
    )
    return {
        "month": recon.period,
        "leaders": leaders,
        "associations": associations,
        "totals": {
            "leader_commission": sum(row["amount"] for row in leaders),
            "association_fee": sum(row["amount"] for row in associations),
        },
    }
