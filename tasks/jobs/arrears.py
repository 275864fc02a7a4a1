"""The nightly arrears job (DESIGN.md "Jobs"): every open loan's position at the end of a
business day, its snapshot row, and the transfers to overdue.

A run is split into partitions (one per transaction office) that any number of Celery workers
can take; each partition reads its loans' schedules and journal in id-range chunks, computes
every position with the one engine, and replaces its snapshot rows. Re-running a date replaces
the same rows, so a crashed run is repaired by running it again, or by resuming it (only the
partitions not done). A run may cover some offices only (an officer's own); only a run of the
whole branch records the day as complete for the reports (see finish_arrears).
"""

import logging
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum

from borrowers.models import TransactionOffice
from loans import positions as engine
from loans.models import Loan, PositionSnapshot, SnapshotDay
from loans.selectors import engine_inputs, int_rows, loan_book, loans_open_on
from loans.services import overdue

from ..models import JobPartition, JobRun
from . import incremental, rollforward_sql, runs
from .snapshots import SNAPSHOT_FIELDS, write_day_aggregates, write_snapshots

__all__ = [
    "SNAPSHOT_FIELDS",
    "create_arrears_run",
    "finish_arrears",
    "prune_snapshots",
    "resume_arrears",
    "run_arrears",
    "run_arrears_partition",
]
log = logging.getLogger(__name__)

CLOSED_STATES = ("closed", "written_off")
MONEY_TOTALS = ("outstanding_principal", "overdue_principal", "interest_arrears")
# What a partition counts for its office (the run's totals per office, for officers).
OFFICE_COUNTS = ("loans", "overdue_loans", *MONEY_TOTALS, "overdue_transfers")


# --- the run ---------------------------------------------------------------------------------


def create_arrears_run(
    *, as_of: date, by=None, offices: list[int] | None = None
) -> tuple[JobRun, list[int]]:
    """A queued JobRun for business date `as_of` and the office partitions it will cover: every
    office with open loans or with rows of that day to replace, or the `offices` asked for (a
    run for some offices only)."""
    if offices is None:
        # One EXISTS per office, each stopping at its first open loan (or row), instead of a
        # DISTINCT over every loan of the book (0.4 s at 100,000 loans, and JIT-compiled).
        office = OuterRef("pk")
        open_loans = loans_open_on(Loan.objects.filter(office_id=office), as_of=as_of)
        rows = PositionSnapshot.objects.filter(as_of=as_of, office_id=office)
        office_ids = list(
            TransactionOffice.objects.filter(Exists(open_loans) | Exists(rows))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    else:
        office_ids = sorted(set(offices))
    run = runs.create_run(
        kind=JobRun.Kind.ARREARS,
        period=as_of.isoformat(),
        office_ids=office_ids,
        by=by,
        scope=offices,
    )
    return run, office_ids


def run_arrears(
    *,
    as_of: date,
    by=None,
    offices: list[int] | None = None,
    progress=None,
    full: bool = False,
) -> JobRun:
    """Run the whole nightly job in this process (the command line, tests, the benchmark);
    `offices` limits it to those offices, `progress(done, total)` hears of each one. `full`
    recomputes every loan from its history (else loans with nothing new roll forward from the
    previous day when it is complete: tasks/jobs/incremental.py)."""
    run, office_ids = create_arrears_run(as_of=as_of, by=by, offices=offices)
    # Whether the day before is complete is asked once for all the offices here.
    cutoff = None if full else incremental.previous_cutoff(as_of)
    runs.run_partitions(
        run_arrears_partition,
        office_ids,
        progress=progress,
        run_id=run.pk,
        as_of=as_of,
        full=full or cutoff is None,
        cutoff=cutoff,
    )
    finish_arrears(run_id=run.pk)
    run.refresh_from_db()
    return run


def resume_arrears(*, run: JobRun, progress=None) -> JobRun:
    """Run a stalled or failed run's missing partitions in this process, then close it."""
    office_ids = runs.reopen(run)
    as_of = date.fromisoformat(run.period)
    runs.run_partitions(
        run_arrears_partition, office_ids, progress=progress, run_id=run.pk, as_of=as_of
    )
    finish_arrears(run_id=run.pk)
    run.refresh_from_db()
    return run


def run_arrears_partition(
    *, run_id: int, as_of: date, office_id: int, full: bool = False, cutoff=None
) -> dict[str, int]:
    """Compute and store one office's positions for `as_of`, then count the part done.
    `cutoff`: the previous day's, if the caller asked already (incremental.previous_cutoff)."""
    return runs.run_partition(
        lambda: _office_positions(as_of=as_of, office_id=office_id, full=full, cutoff=cutoff),
        run_id=run_id,
        office_id=office_id,
    )


def _office_positions(
    *, as_of: date, office_id: int, full: bool = False, cutoff=None
) -> dict[str, int]:
    """Replace one office's snapshot rows of `as_of`, in one transaction; the office's totals
    (with `rolled_forward`: how many loans came from the previous day's rows)."""
    started = time.monotonic()
    counts = dict.fromkeys((*OFFICE_COUNTS, "rolled_forward"), 0)
    with transaction.atomic():
        runs.tune_batch_session()
        # Another run of the same day for this office finishes first; its rows are then
        # replaced here, never inserted beside them (which would break the unique key).
        runs.take_turns(f"arrears:{as_of.isoformat()}", office_id)
        PositionSnapshot.objects.filter(as_of=as_of, office_id=office_id).delete()
        if cutoff is None and not full:
            cutoff = incremental.previous_cutoff(as_of)
        # The open-loan filter runs once; the chunks' queries take explicit id sets.
        loans = loans_open_on(Loan.objects.filter(office_id=office_id), as_of=as_of)
        ids = _ids(loans)
        previous = None
        if not full and cutoff is not None:
            previous = incremental.changes_for_office(
                as_of=as_of, office_id=office_id, cutoff=cutoff
            )
            if connection.vendor == "postgresql":
                # Most loans roll forward inside the database; the rest go on below.
                rolled, in_sql = rollforward_sql.roll_forward_in_sql(
                    as_of=as_of,
                    office_id=office_id,
                    open_ids=ids,
                    changed=previous.changed,
                    programmes=previous.programmes,
                )
                counts = {key: counts[key] + in_sql.get(key, 0) for key in counts}
                ids = ids[~np.isin(ids, rolled)]
            incremental.read_rows(previous, as_of=as_of, office_id=office_id, loan_ids=ids)
        size = settings.POSITION_CHUNK_SIZE
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            # A full night's call is the plain one (what a test's stand-in for it takes).
            rolling = {} if previous is None else {"previous": previous}
            for key, value in _process_chunk(chunk, as_of=as_of, **rolling).items():
                counts[key] += value
        write_day_aggregates(as_of=as_of, office_id=office_id)
        runs.test_delay()
    log.info(
        "arrears %s office %s: %s loans (%s rolled forward) in %.1fs",
        as_of,
        office_id,
        counts["loans"],
        counts["rolled_forward"],
        time.monotonic() - started,
    )
    return counts


def _ids(loans) -> np.ndarray:
    """The loans' ids in order, packed by the database (not one Python object per row)."""
    sql, params = loans.order_by("id").values_list("id").query.sql_with_params()
    return int_rows(sql, list(params), 1)[:, 0]


def finish_arrears(*, run_id: int) -> JobRun | None:
    """Close the run once every partition is done: counts, pruning, status done (once)."""
    run = runs.run_to_finish(run_id)
    if run is None:
        return None
    as_of = date.fromisoformat(run.period)
    scope = runs.scope_of(run)
    counts = _totals(as_of=as_of, office_ids=scope)
    counts["rolled_forward"] = sum(
        int((part or {}).get("rolled_forward", 0))
        for part in JobPartition.objects.filter(run=run).values_list("counts", flat=True)
    )
    if scope is not None:
        # A run for some offices replaced only their rows. It does not record the day for the
        # reports: a SnapshotDay says "the whole day's snapshot is complete, read from the
        # journal as it stood at `started_at`", and the reports trust every office's rows for
        # postings entered before that moment. Moving `started_at` to this run's start would
        # make them trust the other offices' older rows for postings entered in between, so
        # a report would miss them; without a SnapshotDay of its own, the day stays what it
        # was: complete since its own start (this office's rows are newer still, so the same
        # check covers them) or, if never completed, computed by the engine.
        return runs.mark_done(run, counts)
    counts["pruned_snapshots"] = prune_snapshots(as_of=as_of)
    # Statistics for the day just written: without them PostgreSQL plans the reports' GROUP BY
    # for the table as it was (seen: 2.7 s instead of 0.1 s at 100,000 loans).
    runs.analyze(PositionSnapshot)

    def record_complete_day(finished_at) -> None:
        # The reports' record of a complete day (loans never reads JobRun).
        SnapshotDay.objects.update_or_create(
            as_of=as_of,
            defaults={
                "loans": counts["loans"],
                "started_at": run.started_at or run.created_at,
                "completed_at": finished_at,
            },
        )

    return runs.mark_done(run, counts, then=record_complete_day)


def _totals(*, as_of: date, office_ids: list[int] | None) -> dict[str, int]:
    """The day's snapshot totals, of every office or of `office_ids`, in one pass."""
    rows = PositionSnapshot.objects.filter(as_of=as_of)
    if office_ids is not None:
        rows = rows.filter(office_id__in=office_ids)
    totals = rows.aggregate(
        loans=Count("id"),
        overdue_loans=Count("id", filter=Q(overdue_principal__gt=0)),
        outstanding_principal=Sum("outstanding_principal"),
        overdue_principal=Sum("overdue_principal"),
        interest_arrears=Sum("interest_arrears"),
    )
    return {key: int(value or 0) for key, value in totals.items()}


def prune_snapshots(*, as_of: date) -> int:
    """Drop daily snapshots older than the retention window; month-end ones are kept forever."""
    retention = timedelta(days=settings.SNAPSHOT_RETENTION_DAYS)
    if as_of - date.min <= retention:
        return 0  # nothing can be older than the window
    cutoff = as_of - retention
    old_days = (
        PositionSnapshot.objects.filter(as_of__lt=cutoff).values_list("as_of", flat=True).distinct()
    )
    daily = [d for d in old_days if (d + timedelta(days=1)).day != 1]
    if not daily:
        return 0
    deleted, _ = PositionSnapshot.objects.filter(as_of__in=daily).delete()
    return deleted


# --- one chunk -------------------------------------------------------------------------------


def _process_chunk(
    ids, *, as_of: date, previous: incremental.Previous | None = None
) -> dict[str, int]:
    """Positions of a chunk of loan ids (rolled forward from `previous` where they may be,
    recomputed otherwise), their snapshot rows and new transfers to overdue; the chunk's part
    of the office's totals."""
    book = loan_book(ids)
    rolls = (
        np.zeros(len(book), dtype=bool)
        if previous is None
        else incremental.split_chunk(book, previous, as_of=as_of)
    )
    positions, transfers = _recomputed(book[~rolls].reset_index(drop=True), as_of=as_of)
    if previous is not None and rolls.any():
        rolled = book[rolls].reset_index(drop=True)
        more, more_transfers = incremental.rolled_positions(rolled, previous, as_of=as_of)
        positions = pd.concat([positions, more], ignore_index=True)
        transfers = pd.concat([transfers, more_transfers], ignore_index=True)
    write_snapshots(positions, as_of=as_of)
    sums = {name: int(positions[name].sum()) for name in MONEY_TOTALS}
    return {
        "loans": len(positions),
        "overdue_loans": int((positions["overdue_principal"] > 0).sum()),
        **sums,
        "overdue_transfers": overdue.record_overdue_transfers(transfers=transfers, as_of=as_of),
        "rolled_forward": int(rolls.sum()),
    }


def _recomputed(book: pd.DataFrame, *, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The engine's positions (with their state) of the book's loans still owing at `as_of`,
    with their office, programme and point, and their transfers to overdue."""
    frames = engine_inputs(book, as_of=as_of)
    positions = engine.compute_positions(
        as_of=as_of,
        bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
        overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
        with_state=True,
        **frames,
    )
    # One output row per input loan, in the book's order: the meta columns line up.
    keep = ~positions["status"].isin((*CLOSED_STATES, "not_disbursed")).to_numpy()
    meta = ["office_id", "programme_id", "transaction_point_id"]
    positions = positions[keep].assign(**{c: book[c].to_numpy()[keep] for c in meta})
    transfers = overdue.overdue_transfers(
        instalments=frames["instalments"], positions=positions, as_of=as_of
    )
    return positions, transfers
