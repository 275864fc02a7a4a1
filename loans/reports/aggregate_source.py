"""Positions read from the nightly aggregates (`loans.reports.aggregates`) instead of the
snapshot rows, when they answer the request exactly (`plan` says when; else None and the report
reads the rows, saying so in its `source`).

Covered: grouped by office and/or programme and at most one of the kept groupings (or a loan
line), filtered by the user's offices, an office, a programme or the Decree 28 lines; the day's
aggregates complete for every office; no loan, household or group edited since the night
began (the aggregates hold the attributes as they were then, the rows are joined with them as
they are now). Households add up across offices only where every office's households are its
own (`AggregateDay.households_local`); otherwise a report needing them reads the rows.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db.models import Count, Min, OuterRef, Q, Subquery, Sum

from borrowers.models import Borrower, SavingsGroup
from programmes.models import Programme

from ..models import Loan
from .aggregates import AGGREGATE_DIMS, SUMS
from .dimensions import Dimension
from .models import AggregateDay, PositionAggregate
from .params import ReportFilters

DEFAULT_MARGIN = timedelta(minutes=1)  # as source.DEFAULT_MARGIN (which imports this module)

OWN_KEYS = ("office", "programme")


@dataclass(frozen=True)
class Plan:
    """Which aggregate rows answer a request: the programme span, the grouping kept in `dim`."""

    span: str
    dim: str
    total_span: str


def plan(
    *, as_of: date, filters: ReportFilters, dims: list[Dimension], households: bool, cutoff
) -> Plan | None:
    """How to read the request from the aggregates of `as_of`, or None if they cannot answer it
    exactly. `cutoff`: when the night's run began reading (less the margin)."""
    keys = [dim.key for dim in dims]
    others = [key for key in keys if key not in OWN_KEYS]
    covered_filters = not any(
        (filters.transaction_point, filters.association, filters.commune, filters.savings_group)
    )
    if not covered_filters or len(others) > 1:
        return None
    dim = others[0] if others else ""
    if dim and dim not in (*AGGREGATE_DIMS, "loan_line"):
        return None
    total_span = "one" if filters.programme else ("d28" if filters.decree_28_only else "all")
    by_programme = "programme" in keys or "loan_line" in keys or filters.programme is not None
    span = "one" if by_programme else total_span
    if not _complete(as_of, filters, households=households and "office" not in keys):
        return None
    if _attributes_changed_since(cutoff, filters.journal_office_ids()):
        return None
    return Plan(span=span, dim=dim, total_span=total_span)


def _complete(as_of: date, filters: ReportFilters, *, households: bool) -> bool:
    """Every office of the day has its aggregates (their loans add up to the snapshot's) and,
    when households are summed across offices, each office's households are its own."""
    from ..models import SnapshotDay

    day = SnapshotDay.objects.filter(as_of=as_of).first()
    written = AggregateDay.objects.filter(as_of=as_of).aggregate(
        loans=Sum("loans"), mixed=Count("id", filter=Q(households_local=False))
    )
    if day is None or (written["loans"] or 0) != day.loans:
        return False
    return not (households and written["mixed"])


def _attributes_changed_since(cutoff, office_ids: list[int] | None) -> bool:
    """Whether a loan, household or savings group edited after `cutoff` changed what a loan is
    grouped by (the aggregates hold it as it was at the night, the rows join it as it is now)."""
    offices = Q() if office_ids is None else Q(office_id__in=office_ids)
    return (
        _moved(Loan.history, LOAN_KEYS, cutoff, offices)
        or _moved(Borrower.history, BORROWER_KEYS, cutoff, offices)
        or _moved(SavingsGroup.history, GROUP_KEYS, cutoff, Q())
    )


# What the aggregates group by, on the loan, the household and the group.
LOAN_KEYS = ("borrower_id", "transaction_point_id", "savings_group_id", "purpose_id")
BORROWER_KEYS = ("ethnicity", "household_category", "office_id")
GROUP_KEYS = ("association_id",)


def _moved(history, fields: tuple[str, ...], cutoff, scope: Q) -> bool:
    """An edit after `cutoff` whose `fields` differ from the object's version before it (few
    rows: only what was edited since the night); an edit without an earlier version counts."""
    earlier = history.filter(id=OuterRef("id"), history_date__lte=cutoff).order_by("-history_date")
    edits = history.filter(scope, history_date__gt=cutoff, history_type="~")
    before = {f"before_{name}": Subquery(earlier.values(name)[:1]) for name in fields}
    width = len(fields)
    return any(
        row[:width] != row[width:]
        for row in edits.annotate(**before).values_list(*fields, *before).iterator()
    )


def from_aggregates(
    plan: Plan, *, as_of: date, filters: ReportFilters, dims: list[Dimension], by_bucket: bool
) -> tuple[pd.DataFrame, int]:
    """The frame `source._from_snapshot` gives (aliased key columns), and the households."""
    keys = [dim.key for dim in dims]
    rows = _rows(as_of, filters, plan.span, plan.dim, by_bucket)
    columns = [
        *(["office_id"] if "office" in keys else []),
        *(["programme_id"] if plan.span == "one" and _by_programme(keys) else []),
        *(["key_id", "key_code"] if plan.dim else []),
        *(["bucket"] if by_bucket else []),
    ]
    frame = _grouped(rows, columns)
    frame = _aliased(frame, dims, plan.dim)
    if by_bucket:
        frame = frame.rename(columns={"bucket": "g_bucket"})
    total = _rows(as_of, filters, plan.total_span, "", False).aggregate(n=Sum("borrowers"))["n"]
    return frame, int(total or 0)


def _by_programme(keys: list[str]) -> bool:
    return "programme" in keys or "loan_line" in keys


def _rows(as_of: date, filters: ReportFilters, span: str, dim: str, by_bucket: bool):
    rows = PositionAggregate.objects.filter(as_of=as_of, span=span, dim=dim)
    rows = rows.exclude(bucket="") if by_bucket else rows.filter(bucket="")
    if filters.office_ids is not None:
        rows = rows.filter(office_id__in=filters.office_ids)
    if filters.office is not None:
        rows = rows.filter(office_id=filters.office.pk)
    if span == "one" and filters.programme is not None:
        rows = rows.filter(programme_id=filters.programme.pk)
    if span == "one" and filters.decree_28_only:
        lines = Programme.objects.filter(is_decree_28=True).values_list("pk", flat=True)
        rows = rows.filter(programme_id__in=list(lines))
    return rows


def _grouped(rows, columns: list[str]) -> pd.DataFrame:
    measures = ["loans", "borrowers", *SUMS]
    sums = {f"m_{name}": Sum(name) for name in measures}
    if columns:
        records = list(rows.order_by().values(*columns).annotate(**sums))
    else:
        records = [rows.order_by().aggregate(**sums)]
    frame = pd.DataFrame.from_records(records, columns=[*columns, *sums])
    frame.columns = [*columns, *measures]
    for name in measures:
        frame[name] = frame[name].fillna(0).astype("int64")
    return frame


def _aliased(frame: pd.DataFrame, dims: list[Dimension], dim: str) -> pd.DataFrame:
    """The stored columns under the aliases `dimensions.add_keys` reads."""
    codes = dict(Programme.objects.values_list("pk", "code"))
    programme = frame["programme_id"].map(codes) if "programme_id" in frame else None
    aliased = {}
    for each in dims:
        if each.key == "office":
            aliased["g_office_0"] = frame["office_id"]
        elif each.key == "programme":
            aliased["g_programme_0"] = programme
        elif each.key == "loan_line":
            aliased["g_loan_line_0"], aliased["g_loan_line_1"] = programme, frame["key_code"]
        else:
            aliased[each.aliases()[0]] = frame["key_code" if each.key in CODE_KEYS else "key_id"]
    stored = ["office_id", "programme_id", "key_id", "key_code"]
    return frame.drop(columns=[c for c in stored if c in frame]).assign(**aliased)


CODE_KEYS = ("ethnicity", "household_category")


def due_in_week(*, as_of: date, week_start: date, office_ids: list[int] | None) -> dict | None:
    """The principal instalments due in the week from `week_start` (loans, principal) of the
    offices, as the night of `as_of` kept them; None when it cannot answer exactly: the day not
    complete, kept for another week, or a schedule written or a loan's standing changed since
    the night read them (the live query answers then)."""
    from ..models import ScheduleVersion, SnapshotDay

    day = SnapshotDay.objects.filter(as_of=as_of).first()
    rows = AggregateDay.objects.filter(as_of=as_of)
    counted = rows.aggregate(
        loans=Sum("loans"),
        other_weeks=Count("id", filter=~Q(due_week_start=week_start)),
        read_at=Min("due_read_at"),
    )
    if day is None or counted["other_weeks"] or (counted["loans"] or 0) != day.loans:
        return None
    if counted["read_at"] is None:
        return None
    margin = getattr(settings, "REPORT_SNAPSHOT_MARGIN", DEFAULT_MARGIN)
    cutoff = counted["read_at"] - margin
    offices = Q() if office_ids is None else Q(office_id__in=office_ids)
    loan_offices = Q() if office_ids is None else Q(loan__office_id__in=office_ids)
    last = ScheduleVersion.objects.filter(created_at__lte=cutoff).order_by("-pk")
    last_id = last.values_list("pk", flat=True).first() or 0
    if ScheduleVersion.objects.filter(loan_offices, pk__gt=last_id).exists():
        return None
    loans = Loan.history.filter(offices, history_date__gt=cutoff)
    if loans.filter(history_type="-").exists() or _moved(
        Loan.history, ("status",), cutoff, offices
    ):
        return None
    kept = rows.filter(offices).aggregate(loans=Sum("due_loans"), principal=Sum("due_principal"))
    return {"loans": int(kept["loans"] or 0), "principal": int(kept["principal"] or 0)}
