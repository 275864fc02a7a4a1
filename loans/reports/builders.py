"""The province reports of DOMAIN.md §6: portfolio, flows, arrears ageing and Decree 28.

Every figure comes from set-based queries (a GROUP BY in the database, or the position engine
over chunks of loans followed by a pandas groupby); nothing loops over loans in Python.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from core.db import read_connection, replica_lag_seconds, report_reads
from programmes.models import Programme

from ..models import Loan, LoanTransaction
from .dimensions import JOURNAL_COLUMNS, Dimension, add_keys, dimensions, group_exprs
from .flow_aggregates import rolled_flows, rollup_marks
from .flow_states import disbursements, kept_closings, touched_loans
from .household_figures import with_household_figures
from .measures import (
    DECREE_28_MEASURES,
    FLOW_KINDS,
    FLOW_MEASURES,
    KINH,
    PORTFOLIO_MEASURES,
    TITLES,
)
from .params import ReportRequest
from .result import Measure, Report, merge_groups
from .source import grouped, position_totals


def _keys(dims: list[Dimension]) -> list[str]:
    return [dim.key for dim in dims]


# --- portfolio ---------------------------------------------------------------------------


def portfolio(request: ReportRequest) -> Report:
    """Loans, households, outstanding, overdue (amount and ratio), frozen and interest arrears
    at the end of `as_of`, per group."""
    dims = dimensions(request.group_by)
    totals = position_totals(
        as_of=request.as_of, filters=request.filters, dims=dims, source=request.source
    )
    frame, added = with_household_figures(
        totals.frame, as_of=request.as_of, filters=request.filters, dims=dims
    )
    return Report.build(
        kind="portfolio",
        title=TITLES["portfolio"],
        request=request,
        dims=dims,
        measures=[*PORTFOLIO_MEASURES, *added],
        frame=frame,
        distinct={"borrowers": totals.borrowers},
        source=totals.source,
        source_date=totals.source_date,
    )


# --- arrears ageing ----------------------------------------------------------------------


def bucket_labels() -> list[str]:
    """The ageing buckets as the engine labels them: current, 1-30, ..., >360."""
    bounds = list(settings.AGEING_BUCKET_BOUNDS)
    lows = [0, *bounds[:-1]]
    ranges = [f"{lo + 1}-{hi}" for lo, hi in zip(lows, bounds, strict=True)]
    return ["current", *ranges, f">{bounds[-1]}"]


def bucket_slug(label: str) -> str:
    return label.replace("-", "_").replace(">", "over_")


def bucket_title(label: str) -> str:
    if label == "current":
        return "Trong hạn"
    if label.startswith(">"):
        return f"Quá hạn trên {label[1:]} ngày"
    return f"Quá hạn {label.replace('-', '–')} ngày"


def ageing_measures() -> list[Measure]:
    measures = [
        Measure("loans", gettext_noop("Số món vay"), "count"),
        Measure("outstanding_principal", gettext_noop("Dư nợ")),
        Measure("overdue_principal", gettext_noop("Nợ quá hạn")),
    ]
    for label in bucket_labels():
        slug, title = bucket_slug(label), bucket_title(label)
        measures += [
            Measure(f"loans_{slug}", f"{title}: số món", "count"),
            Measure(f"outstanding_principal_{slug}", f"{title}: dư nợ"),
            Measure(f"overdue_principal_{slug}", f"{title}: nợ quá hạn"),
        ]
    return measures


def arrears_ageing(request: ReportRequest) -> Report:
    """Loans, outstanding and overdue principal per ageing bucket (days past due) at the end of
    `as_of`, per group; buckets from settings.AGEING_BUCKET_BOUNDS."""
    dims = dimensions(request.group_by)
    keys = _keys(dims)
    totals = position_totals(
        as_of=request.as_of,
        filters=request.filters,
        dims=dims,
        by_bucket=True,
        households=False,
        source=request.source,
    )
    long = totals.frame
    figures = ["loans", "outstanding_principal", "overdue_principal"]
    if keys:
        parts = [long.groupby(keys, sort=False)[figures].sum().reset_index()]
    else:
        parts = [pd.DataFrame([{f: long[f].sum() for f in figures}])]
    for label in bucket_labels():
        slug = bucket_slug(label)
        part = long.loc[long["bucket"] == label, [*keys, *figures]]
        parts.append(part.rename(columns={f: f"{f}_{slug}" for f in figures}))
    return Report.build(
        kind="arrears_ageing",
        title=TITLES["arrears_ageing"],
        request=request,
        dims=dims,
        measures=ageing_measures(),
        frame=merge_groups(parts, keys),
        distinct={},
        source=totals.source,
        source_date=totals.source_date,
    )


# --- flows -------------------------------------------------------------------------------


def _not_reversed() -> Exists:
    # NOT EXISTS plans as an anti-join on the unique index of `reverses` (a LEFT JOIN ... IS
    # NULL misleads PostgreSQL's row estimates into nested loops).
    return ~Exists(LoanTransaction.objects.filter(reverses=OuterRef("pk")))


def _entries(request: ReportRequest):
    """Journal entries of the filtered loans value-dated in the period."""
    return LoanTransaction.objects.filter(
        request.filters.q("loan__", own_office=True),
        value_date__gte=request.start,
        value_date__lte=request.end,
    )


def _journal(request: ReportRequest):
    """Entries value-dated in the period that were not reversed. A reversal carries the
    original's value date, so dropping both is the same as netting them."""
    return _entries(request).filter(_not_reversed())


def _flow_sums(request: ReportRequest, dims: list[Dimension]) -> pd.DataFrame:
    """FLOW_KINDS summed per group, net of reversals: the entries of each kind, less the
    reversals of entries of that kind (few rows; cheaper than testing every entry)."""
    exprs = group_exprs(dims, "loan__", own=JOURNAL_COLUMNS)
    entries = _entries(request)
    posted = grouped(
        entries.filter(kind__in=FLOW_KINDS.values()),
        exprs,
        {name: Sum("amount", filter=Q(kind=kind)) for name, kind in FLOW_KINDS.items()},
    )
    undone = grouped(
        entries.filter(kind="reversal"),
        exprs,
        {f"{n}_undone": Sum("amount", filter=Q(reverses__kind=k)) for n, k in FLOW_KINDS.items()},
    )
    frame = merge_groups([_keyed(posted, dims), _keyed(undone, dims)], _keys(dims))
    for name in FLOW_KINDS:
        frame[name] -= frame.pop(f"{name}_undone")
    return frame


def closed_loan_ids(request: ReportRequest):
    """Loans whose outstanding principal reached 0 by a repayment or a write-off in the period.

    Outstanding at the end of the period = the cached outstanding now minus the principal moved
    by entries value-dated after it (the cache is written with the journal, in one transaction,
    and the monthly reconciliation proves them equal); reading only the entries after the period
    keeps this cheap, where summing each candidate's whole history would scan the journal."""
    reduced = _journal(request).filter(kind__in=["principal_repayment", "write_off"])
    effect = Case(When(kind="disbursement", then=F("amount")), default=-F("amount"))
    moved_after = (
        LoanTransaction.objects.filter(
            _not_reversed(),
            loan=OuterRef("pk"),
            value_date__gt=request.end,
            kind__in=["disbursement", "principal_repayment", "write_off"],
        )
        .order_by()
        .values("loan")
        .annotate(total=Sum(effect))
        .values("total")
    )
    return (
        Loan.objects.filter(id__in=reduced.values("loan_id"))
        .annotate(moved_after=Coalesce(Subquery(moved_after), 0))
        .filter(outstanding_principal=F("moved_after"))
        .values("id")
    )


def flows(request: ReportRequest) -> Report:
    """Disbursed, principal and interest collected, written off, new and closed loans in the
    period [from, to] (value dates), per group; the sums from the nightly roll-ups and the
    journal after them when they cover the grouping ("aggregate"), else the journal."""
    dims = dimensions(request.group_by)
    loans = Loan.objects.filter(request.filters.q())
    new = grouped(
        loans.filter(first_disbursed_on__gte=request.start, first_disbursed_on__lte=request.end),
        group_exprs(dims, ""),
        {"new_loans": Count("id")},
    )
    kept = request.source in ("auto", "aggregate")
    marks = rollup_marks(request.filters) if kept else None
    closed = _closed(request, dims, marks)
    rolled = rolled_flows(request, dims) if kept else None
    sums = _flow_sums(request, dims) if rolled is None else rolled
    frames = [sums, _keyed(new, dims), closed if marks is not None else _keyed(closed, dims)]
    return Report.build(
        kind="flows",
        title=TITLES["flows"],
        request=request,
        dims=dims,
        measures=FLOW_MEASURES,
        frame=_drop_empty(merge_groups(frames, _keys(dims)), FLOW_MEASURES),
        distinct={},
        source="journal" if rolled is None else "aggregate",
    )


def _closed(request: ReportRequest, dims: list[Dimension], marks) -> pd.DataFrame:
    """Loans closed in the period per group: from the night's closing days for the loans with
    nothing entered since (`flow_states`), from the journal for the others (all of them
    without `marks`)."""
    loans = Loan.objects.filter(request.filters.q())
    count = {"closed_loans": Count("id")}
    if marks is None:
        return grouped(loans.filter(id__in=closed_loan_ids(request)), group_exprs(dims, ""), count)
    kept = grouped(kept_closings(request, marks), group_exprs(dims, "loan__"), count)
    parts = [_keyed(kept, dims)]
    touched = list(touched_loans(marks).distinct().values_list("loan_id", flat=True))
    if touched:  # usually none right after the night
        recent = loans.filter(id__in=touched).filter(id__in=closed_loan_ids(request))
        parts.append(_keyed(grouped(recent, group_exprs(dims, ""), count), dims))
    both = pd.concat(parts, ignore_index=True)
    keys = _keys(dims)
    if not keys:
        return pd.DataFrame([{"closed_loans": int(both["closed_loans"].sum())}])
    return both.groupby(keys, sort=False)["closed_loans"].sum().reset_index()


def _keyed(frame: pd.DataFrame, dims: list[Dimension]) -> pd.DataFrame:
    return add_keys(frame, dims)


def _drop_empty(frame: pd.DataFrame, measures: list[Measure]) -> pd.DataFrame:
    """Groups with nothing to show (a SQL SUM over no matching rows) are left out."""
    figures = [m.key for m in measures if m.kind != "ratio"]
    if frame.empty:
        return frame
    return frame[(frame[figures] != 0).any(axis=1)]


# --- Decree 28 ---------------------------------------------------------------------------


def decree_28(request: ReportRequest) -> Report:
    """Decree 28/2022 lines: households reached in the period (by ethnicity), disbursed in the
    period, and loans, households, outstanding and overdue at its end, per line and group."""
    request = replace(
        request,
        group_by=decree_28_group_by(request.group_by),
        filters=replace(request.filters, decree_28_only=True),
    )
    dims = dimensions(request.group_by)
    positions = position_totals(
        as_of=request.end, filters=request.filters, dims=dims, source=request.source
    )
    reach, distinct = _households_reached(request, dims)
    position_frame = positions.frame[
        [*_keys(dims), "loans", "borrowers", "outstanding_principal", "overdue_principal"]
    ]
    frame = merge_groups([reach, position_frame], _keys(dims))
    frame = _with_kinh(_with_every_line(frame, request, dims))
    if request.group_by != ("programme",):
        frame = _drop_empty(frame, DECREE_28_MEASURES)
    return Report.build(
        kind="decree_28",
        title=TITLES["decree_28"],
        request=request,
        dims=dims,
        measures=DECREE_28_MEASURES,
        frame=frame,
        distinct={**distinct, "borrowers": positions.borrowers},
        source=positions.source,
        source_date=positions.source_date,
    )


def _households_reached(request: ReportRequest, dims: list[Dimension]) -> tuple:
    """Per group: disbursed in the period and the households reached (all, ethnic minority);
    and over everything, the households counted once (Kinh = all − minority)."""
    marks = rollup_marks(request.filters) if request.source in ("auto", "aggregate") else None
    if marks is not None:
        return _households_reached_kept(request, dims, marks)
    minority = ~Q(loan__borrower__ethnicity=KINH)
    households = Count("loan__borrower_id", distinct=True)
    minority_households = Count("loan__borrower_id", distinct=True, filter=minority)
    journal = _journal(request).filter(kind="disbursement")
    measures = {
        "disbursed": Sum("amount"),
        "households_reached": households,
        "households_reached_minority": minority_households,
    }
    exprs = group_exprs(dims, "loan__", own=JOURNAL_COLUMNS)
    reach = _keyed(grouped(journal, exprs, measures), dims)
    distinct = journal.aggregate(
        households_reached=households, households_reached_minority=minority_households
    )
    distinct["households_reached_kinh"] = (
        distinct["households_reached"] - distinct["households_reached_minority"]
    )
    return reach, distinct


def _households_reached_kept(request: ReportRequest, dims: list[Dimension], marks) -> tuple:
    """`_households_reached` from the night's kept disbursements and those entered since: the
    same rows the journal gives, each household counted once per group and once overall."""
    exprs = group_exprs(dims, "loan__")
    rows = disbursements(request, marks, exprs)
    ethnicity = rows["c_ethnicity"]
    minority = rows["c_borrower"].where(ethnicity.notna() & (ethnicity != KINH))
    rows = rows.assign(c_minority=minority)
    keys = list(exprs)
    summed = rows.astype({k: object for k in keys}).groupby(keys, dropna=False, sort=False)
    reach = summed.agg(
        disbursed=("c_amount", "sum"),
        households_reached=("c_borrower", "nunique"),
        households_reached_minority=("c_minority", "nunique"),
    ).reset_index()
    figures = ["disbursed", "households_reached", "households_reached_minority"]
    reach = reach.astype(dict.fromkeys(figures, "int64"))
    distinct = {
        "households_reached": int(rows["c_borrower"].nunique()),
        "households_reached_minority": int(rows["c_minority"].nunique()),
    }
    distinct["households_reached_kinh"] = (
        distinct["households_reached"] - distinct["households_reached_minority"]
    )
    return _keyed(reach, dims), distinct


def _with_kinh(frame: pd.DataFrame) -> pd.DataFrame:
    # A household has one ethnicity, so the two parts add up to the households reached.
    kinh = frame["households_reached"] - frame["households_reached_minority"]
    return frame.assign(households_reached_kinh=kinh.astype("int64"))


def _with_every_line(frame: pd.DataFrame, request: ReportRequest, dims) -> pd.DataFrame:
    """Grouped by line alone, the report lists every Decree 28 line, with zeros where none."""
    if request.group_by != ("programme",):
        return frame
    lines = Programme.objects.filter(is_decree_28=True)
    if request.filters.programme is not None:
        lines = lines.filter(pk=request.filters.programme.pk)
    # dtype str: a programme filter outside the lines leaves none (an empty column is float).
    codes = pd.Series(list(lines.values_list("code", flat=True)), dtype=str)
    every = pd.DataFrame({"programme": codes})
    return merge_groups([every, frame], ["programme"])


def decree_28_group_by(group_by: tuple[str, ...]) -> tuple[str, ...]:
    """The Decree 28 report is always per line: by programme unless a loan line is asked for."""
    if "programme" in group_by or "loan_line" in group_by:
        return group_by
    return ("programme", *group_by)


REPORTS = {
    "portfolio": portfolio,
    "flows": flows,
    "arrears_ageing": arrears_ageing,
    "decree_28": decree_28,
}


def build_report(kind: str, request: ReportRequest) -> Report:
    """The report of `kind` ("portfolio", "flows", "arrears_ageing", "decree_28"), read from the
    reports replica when there is one (saying how far behind it was)."""
    with report_session() as alias:
        report = REPORTS[kind](request)
        report.replica_lag_seconds = replica_lag_seconds(alias)
        return report


@contextmanager
def report_session() -> Iterator[str]:
    """One read-only transaction for a report's queries, on the reports replica if configured
    (yields the alias). On PostgreSQL, without JIT: compiling these aggregates costs ~100 ms,
    more than running them (measured at 100,000 loans)."""
    with report_reads() as alias, transaction.atomic(using=alias):
        connection = read_connection()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield alias


def default_as_of(today: date) -> date:
    """Reports default to the end of yesterday: the last day the nightly job has closed."""
    return today - timedelta(days=1)
