"""Positions as of a day, aggregated by groupings: from the nightly snapshot when it is still
true, else computed by the one position engine (DOMAIN.md §4). Both give the same numbers.

When is the snapshot of D still true? The nightly job computed it from what the journal held
when its run started. A posting entered later but value-dated on or before D (a back-dated
repayment, a reversal, which carries the original's value date), a schedule change or a freeze
in force by D makes it stale for that office; then the report computes instead. The check reads
only what was written since the run started, walking the primary keys backwards from the
newest row (ids grow with time), so it costs little for the usual report of yesterday. A minute
of margin before the run's start covers postings whose transaction was still open then.

Which run? The latest one that completed the day, as `loans.models.SnapshotDay` records it (the
job writes it when a run finishes; loans never reads the job's runs). A later run of the day
that is still going, or failed, replaces an office's rows in one transaction from a journal at
least as recent, so the check from the completed run's start still covers what it rewrote.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db.models import Count, F, Q, Sum

from ..models import (
    Loan,
    LoanFreeze,
    LoanTransaction,
    PositionSnapshot,
    ScheduleVersion,
    SnapshotDay,
)
from ..selectors import MONEY_KINDS, iter_positions, loans_open_on
from . import aggregate_source
from .dimensions import SNAPSHOT_COLUMNS, Dimension, add_keys, group_exprs
from .params import ReportFilters

SOURCES = ("auto", "aggregate", "snapshot", "engine")
# Postings entered this long before a run started may not have been committed when it read the
# journal; settings.REPORT_SNAPSHOT_MARGIN overrides it (tests set 0).
DEFAULT_MARGIN = timedelta(minutes=1)
POSITION_MEASURES = (
    "loans",
    "borrowers",
    "outstanding_principal",
    "overdue_principal",
    "frozen_principal",
    "interest_arrears",
)
# Positions the nightly job leaves out of the snapshot (nothing owed at the end of the day).
NOT_IN_PORTFOLIO = ("closed", "written_off", "not_disbursed")


@dataclass
class PositionTotals:
    """Sums of positions per group (`frame`), the distinct households overall, where the
    positions came from ("snapshot" or "engine") and, for a snapshot, the business date of the
    complete snapshot they were read from (the API's `source_date`)."""

    frame: pd.DataFrame
    borrowers: int
    source: str
    source_date: date | None = None


def position_totals(
    *,
    as_of: date,
    filters: ReportFilters,
    dims: list[Dimension],
    by_bucket: bool = False,
    households: bool = True,
    source: str = "auto",
) -> PositionTotals:
    """POSITION_MEASURES per group of `dims` (and ageing bucket) for the loans open at `as_of`;
    `households=False` leaves the households uncounted (0), which spares the snapshot a join.
    From the nightly aggregates when they answer exactly ("aggregate"), else the snapshot rows
    ("snapshot") while the snapshot holds, else the engine ("engine"); `source` forces one
    ("aggregate" falls back as "auto" does, and the result says which was read)."""
    if source in ("auto", "aggregate"):
        # The aggregates outlive a day's pruned rows: the rows are counted only to read them.
        cutoff = current_snapshot_cutoff(as_of=as_of, filters=filters, rows=False)
        chosen = None
        if cutoff is not None:
            chosen = aggregate_source.plan(
                as_of=as_of, filters=filters, dims=dims, households=households, cutoff=cutoff
            )
        if chosen is None and cutoff is not None and not _rows_kept(as_of):
            cutoff = None
        source = "engine" if cutoff is None else ("aggregate" if chosen else "snapshot")
        if chosen is not None:
            frame, borrowers = aggregate_source.from_aggregates(
                chosen, as_of=as_of, filters=filters, dims=dims, by_bucket=by_bucket
            )
            frame = frame if households else frame.assign(borrowers=0)
            return PositionTotals(
                _finish(frame, dims, by_bucket),
                borrowers if households else 0,
                source,
                source_date=as_of,
            )
    if source == "snapshot":
        frame, borrowers = _from_snapshot(as_of, filters, dims, by_bucket, households)
        return PositionTotals(frame, borrowers, source, source_date=as_of)
    frame, borrowers = _from_engine(as_of, filters, dims, by_bucket)
    return PositionTotals(frame, borrowers, source)


# --- is the snapshot current? ------------------------------------------------------------


def snapshot_is_current(*, as_of: date, filters: ReportFilters) -> bool:
    """Whether the nightly snapshot of `as_of` still holds for the offices of `filters`: the
    job completed the day (its `SnapshotDay`), the day's rows are still the ones it counted,
    and nothing that changes positions as of that day was written since the run started."""
    return current_snapshot_cutoff(as_of=as_of, filters=filters) is not None


def current_snapshot_cutoff(*, as_of: date, filters: ReportFilters, rows: bool = True):
    """When the run that completed `as_of` began reading (less the margin) if its snapshot
    still holds for the offices of `filters` (see `snapshot_is_current`), else None;
    `rows=False` leaves out whether the day's rows are still there (for the aggregates)."""
    day = SnapshotDay.objects.filter(as_of=as_of).first()
    if day is None:
        return None
    # Daily snapshots are pruned after a while; then the day's rows are gone.
    if rows and PositionSnapshot.objects.filter(as_of=as_of).count() != day.loans:
        return None
    margin = getattr(settings, "REPORT_SNAPSHOT_MARGIN", DEFAULT_MARGIN)
    cutoff = day.started_at - margin
    if _changed_since(cutoff, as_of=as_of, office_ids=filters.journal_office_ids()):
        return None
    return cutoff


def _rows_kept(as_of: date) -> bool:
    """Whether the day's snapshot rows are all still there (daily ones are pruned)."""
    day = SnapshotDay.objects.filter(as_of=as_of).first()
    return day is not None and PositionSnapshot.objects.filter(as_of=as_of).count() == day.loans


def _changed_since(cutoff, *, as_of: date, office_ids: list[int] | None) -> bool:
    """Whether anything written after `cutoff` changes positions as of `as_of`."""
    offices = Q() if office_ids is None else Q(loan__office_id__in=office_ids)
    postings = Q(kind__in=[*MONEY_KINDS, "reversal"], value_date__lte=as_of)
    if office_ids is not None:
        postings &= Q(office_id__in=office_ids)  # the journal's own copy of the loan's office
    if _written_after(LoanTransaction, "posted_at", cutoff).filter(postings).exists():
        return True
    schedules = Q(effective_from__lte=as_of) & offices
    if _written_after(ScheduleVersion, "created_at", cutoff).filter(schedules).exists():
        return True
    # A freeze and its end (set later by unfreeze) are both in the freeze's history.
    return (
        LoanFreeze.history.filter(history_date__gt=cutoff, start__lte=as_of)
        .filter(Q() if office_ids is None else Q(loan__office_id__in=office_ids))
        .exists()
    )


def _written_after(model, time_field: str, cutoff):
    """Rows written after `cutoff`, found from the newest id backwards (no index on the time)."""
    last_before = (
        model.objects.filter(**{f"{time_field}__lte": cutoff})
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return model.objects.filter(pk__gt=last_before or 0)


# --- the snapshot: one GROUP BY in the database --------------------------------------------


def _from_snapshot(as_of, filters, dims, by_bucket, households) -> tuple[pd.DataFrame, int]:
    rows = PositionSnapshot.objects.filter(filters.q("loan__", own_office=True), as_of=as_of)
    exprs = group_exprs(dims, "loan__", own=SNAPSHOT_COLUMNS)
    exprs |= {"g_bucket": F("bucket")} if by_bucket else {}
    measures = {
        "loans": Count("id"),
        "outstanding_principal": Sum("outstanding_principal"),
        "overdue_principal": Sum("overdue_principal"),
        "frozen_principal": Sum("outstanding_principal", filter=Q(status="frozen")),
        "interest_arrears": Sum("interest_arrears"),
    }
    # Counting households needs the loan (its borrower): a join the other figures do without.
    households_q = Count("loan__borrower_id", distinct=True)
    if households:
        measures["borrowers"] = households_q
    frame = grouped(rows, exprs, measures)
    if not households:
        frame["borrowers"] = 0
        total = 0
    elif exprs:
        total = rows.aggregate(n=households_q)["n"]
    else:
        total = int(frame["borrowers"].sum())  # one group: its count is the total
    return _finish(frame, dims, by_bucket), total


def grouped(queryset, exprs: dict, measures: dict) -> pd.DataFrame:
    """One GROUP BY: a row per distinct value of `exprs`, with `measures`; missing sums are 0.
    (Aggregates are aliased `m_*` in SQL so they never shadow a model field they sum.)"""
    aliased = {f"m_{name}": aggregate for name, aggregate in measures.items()}
    if exprs:
        records = list(queryset.order_by().values(**exprs).annotate(**aliased))
    else:
        records = [queryset.order_by().aggregate(**aliased)]
    frame = pd.DataFrame.from_records(records, columns=[*exprs, *aliased])
    frame.columns = [*exprs, *measures]
    for name in measures:
        frame[name] = frame[name].fillna(0).astype("int64")
    return frame


# --- the engine: positions per loan, then pandas ------------------------------------------


def _from_engine(as_of, filters, dims, by_bucket) -> tuple[pd.DataFrame, int]:
    loans = loans_open_on(Loan.objects.filter(filters.q()), as_of=as_of).order_by()
    exprs = group_exprs(dims, "")
    about = pd.DataFrame.from_records(
        list(loans.values("id", "borrower_id", **exprs)), columns=["id", "borrower_id", *exprs]
    ).rename(columns={"id": "loan_id"})
    frame = _engine_positions(loans, as_of).merge(about, on="loan_id", how="inner")
    frame["frozen_principal"] = frame["outstanding_principal"].where(frame["status"] == "frozen", 0)
    keys = [*exprs, *(["g_bucket"] if by_bucket else [])]
    result = _sum_by_group(frame.rename(columns={"bucket": "g_bucket"}), keys)
    return _finish(result, dims, by_bucket), int(frame["borrower_id"].nunique())


def _engine_positions(loans, as_of: date) -> pd.DataFrame:
    """Positions of the loans still owing at the end of `as_of`, chunk by chunk."""
    columns = ["loan_id", "outstanding_principal", "overdue_principal", "interest_arrears"]
    columns += ["status", "bucket"]
    parts = [
        chunk.loc[~chunk["status"].isin(NOT_IN_PORTFOLIO), columns]
        for chunk in iter_positions(loans, as_of=as_of)
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _sum_by_group(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """POSITION_MEASURES per distinct value of `keys` (missing values form their own group)."""
    sums = ["outstanding_principal", "overdue_principal", "frozen_principal", "interest_arrears"]
    if keys:
        result = (
            frame.astype({k: object for k in keys})
            .groupby(keys, dropna=False, sort=False)
            .agg(
                loans=("loan_id", "count"),
                borrowers=("borrower_id", "nunique"),
                **{name: (name, "sum") for name in sums},
            )
            .reset_index()
        )
    else:
        everything = {"loans": len(frame), "borrowers": frame["borrower_id"].nunique()}
        result = pd.DataFrame([everything | {name: frame[name].sum() for name in sums}])
    return result.astype(dict.fromkeys(POSITION_MEASURES, "int64"))


def _finish(frame: pd.DataFrame, dims: list[Dimension], by_bucket: bool) -> pd.DataFrame:
    frame = add_keys(frame, dims)
    if by_bucket:
        frame = frame.rename(columns={"g_bucket": "bucket"})
    return frame
