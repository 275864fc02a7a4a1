"""The set-based batch work: the nightly arrears job (DESIGN.md "Jobs").

A run is split into partitions (one per transaction office) that any number of Celery workers
can take; each partition reads its loans' schedules and journal in id-range chunks, computes
every position with the one engine, and replaces its snapshot rows. Re-running a date replaces
the same rows, so a crashed run is repaired by running it again.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from loans import positions as engine
from loans.models import (
    Loan,
    LoanStatus,
    LoanTransaction,
    PositionSnapshot,
    SnapshotDay,
    TransactionKind,
)
from loans.selectors import engine_inputs, loan_book

from .models import JobRun

log = logging.getLogger(__name__)

SNAPSHOT_FIELDS = [
    "outstanding_principal",
    "principal_due",
    "overdue_principal",
    "days_past_due",
    "interest_due",
    "interest_paid",
    "interest_arrears",
    "interest_accrued_not_due",
    "overdue_rate_interest",
    "bucket",
    "status",
]
CLOSED_STATES = ("closed", "written_off")


# --- the run ---------------------------------------------------------------------------------


def create_arrears_run(*, as_of: date, by=None) -> tuple[JobRun, list[int]]:
    """A queued JobRun for business date `as_of` and the office partitions it will cover."""
    # The distinct offices come from the database, not a million ids through Python.
    office_ids = list(
        loans_open_on(Loan.objects.all(), as_of)
        .order_by("office_id")
        .values_list("office_id", flat=True)
        .distinct()
    )
    run = JobRun.objects.create(
        kind=JobRun.Kind.ARREARS,
        period=as_of.isoformat(),
        parts_total=len(office_ids),
        created_by=by,
    )
    return run, office_ids


def run_arrears(*, as_of: date, by=None) -> JobRun:
    """Run the whole nightly job in this process (the command line, tests, the benchmark)."""
    run, office_ids = create_arrears_run(as_of=as_of, by=by)
    run_partitions(run_arrears_partition, office_ids, run_id=run.pk, as_of=as_of)
    finish_run(run_id=run.pk)
    run.refresh_from_db()
    return run


def run_partitions(partition: Callable[..., object], office_ids: list[int], **kwargs) -> None:
    """`partition(office_id=…, **kwargs)` for every office in this process: one at a time, or
    on PostgreSQL outside a transaction `settings.JOB_THREADS` at a time, each thread with its
    own connection (closed when its office is done). The partitions are independent (each
    replaces its own office's rows), as they are on Celery workers."""
    threads = min(local_threads(), len(office_ids))
    if threads <= 1:
        for office_id in office_ids:
            partition(office_id=office_id, **kwargs)
        return

    def one(office_id: int) -> None:
        try:
            partition(office_id=office_id, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="partition") as pool:
        for future in [pool.submit(one, office_id) for office_id in office_ids]:
            future.result()  # the first failure is raised (its partition marked the run)


def local_threads() -> int:
    """How many partitions this process runs at once (see settings.JOB_THREADS). One on SQLite,
    and inside a transaction (a test, a caller's atomic block), which other connections
    cannot see."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, settings.JOB_THREADS)


def loans_open_on(loans, as_of: date):
    """Loans disbursed by `as_of` that may still be open then: not closed, or closed by a
    posting value-dated on or after `as_of` (so they were open at the end of that day)."""
    later_posting = LoanTransaction.objects.filter(loan=OuterRef("pk"), value_date__gte=as_of)
    return loans.filter(first_disbursed_on__lte=as_of).filter(
        ~Q(status__in=[LoanStatus.CLOSED, LoanStatus.WRITTEN_OFF]) | Exists(later_posting)
    )


def run_arrears_partition(*, run_id: int, as_of: date, office_id: int) -> dict[str, int]:
    """Compute and store one office's positions for `as_of`, then count the part done."""
    started = time.monotonic()
    _mark_running(run_id)
    try:
        loans = loans_open_on(Loan.objects.filter(office_id=office_id), as_of)
        counts = {"loans": 0, "overdue_transfers": 0}
        with transaction.atomic():
            tune_batch_session()
            PositionSnapshot.objects.filter(as_of=as_of, office_id=office_id).delete()
            # The open-loan filter runs once; the chunks' queries take explicit id sets.
            ids = np.fromiter(loans.order_by("id").values_list("id", flat=True), dtype=np.int64)
            size = settings.POSITION_CHUNK_SIZE
            for start in range(0, len(ids), size):
                written, transfers = _process_chunk(ids[start : start + size], as_of=as_of)
                counts["loans"] += written
                counts["overdue_transfers"] += transfers
    except Exception as exc:
        JobRun.objects.filter(pk=run_id).update(
            status=JobRun.Status.FAILED, error=f"office {office_id}: {exc!r}"[:2000]
        )
        raise
    JobRun.objects.filter(pk=run_id).update(parts_done=F("parts_done") + 1)
    log.info(
        "arrears %s office %s: %s loans in %.1fs",
        as_of,
        office_id,
        counts["loans"],
        time.monotonic() - started,
    )
    return counts


def tune_batch_session() -> None:
    """For this transaction on PostgreSQL: no JIT (compiling costs more than it saves on these
    short, many queries), no parallel workers (each would rebuild the same hash tables, and
    the partitions are the parallelism), and room to aggregate a chunk's journal in memory."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _mark_running(run_id: int) -> None:
    # Compare-and-set: only the first partition to start moves the run from queued to running.
    JobRun.objects.filter(pk=run_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now()
    )


def finish_run(*, run_id: int) -> JobRun | None:
    """Close the run once every partition is done: counts, pruning, status done (once)."""
    run = JobRun.objects.get(pk=run_id)
    if run.parts_done < run.parts_total or run.status == JobRun.Status.FAILED:
        return None
    as_of = date.fromisoformat(run.period)
    totals = PositionSnapshot.objects.filter(as_of=as_of).aggregate(
        loans=Count("id"),
        overdue_loans=Count("id", filter=Q(overdue_principal__gt=0)),
        outstanding_principal=Sum("outstanding_principal"),
        overdue_principal=Sum("overdue_principal"),
        interest_arrears=Sum("interest_arrears"),
    )  # one pass over the day's rows
    counts = {
        **{key: int(value or 0) for key, value in totals.items()},
        "pruned_snapshots": prune_snapshots(as_of=as_of),
    }
    _analyze_snapshots()
    if run.started_at:
        counts["seconds"] = round((timezone.now() - run.started_at).total_seconds(), 3)
    updated = (
        JobRun.objects.filter(pk=run_id)
        .exclude(status=JobRun.Status.DONE)
        .update(status=JobRun.Status.DONE, finished_at=timezone.now(), counts=counts)
    )
    if updated:  # the reports' record of a complete day (they never read JobRun)
        SnapshotDay.objects.update_or_create(
            as_of=as_of,
            defaults={
                "loans": counts["loans"],
                "started_at": run.started_at or run.created_at,
                "completed_at": timezone.now(),
            },
        )
    run.refresh_from_db()
    return run if updated else None


def _analyze_snapshots() -> None:
    """Fresh planner statistics for the day just written, before any report reads it: without
    them PostgreSQL plans the reports' GROUP BY for the table as it was (seen: 2.7 s instead of
    0.1 s at 100,000 loans until autovacuum came by). A sample, so about a second at most."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {PositionSnapshot._meta.db_table}")


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


def _process_chunk(ids, *, as_of: date) -> tuple[int, int]:
    """Positions of a chunk of loan ids, their snapshot rows and new transfers to overdue."""
    book = loan_book(ids)
    frames = engine_inputs(book, as_of=as_of)
    positions = engine.compute_positions(
        as_of=as_of,
        bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
        overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
        **frames,
    )
    # One output row per input loan, in the book's order: the meta columns line up.
    keep = ~positions["status"].isin((*CLOSED_STATES, "not_disbursed")).to_numpy()
    meta = ["office_id", "programme_id", "transaction_point_id"]
    positions = positions[keep].assign(**{c: book[c].to_numpy()[keep] for c in meta})
    _write_snapshots(positions, as_of=as_of)
    transfers = overdue_transfers(frames["instalments"], positions, as_of=as_of)
    return len(positions), _write_transfers(transfers, as_of=as_of)


def overdue_transfers(
    instalments: pd.DataFrame, positions: pd.DataFrame, *, as_of: date
) -> pd.DataFrame:
    """The unpaid part of every instalment that fell due before `as_of` (chuyển nợ quá hạn).

    Repayments cover the oldest instalments first, so an instalment's unpaid part is its
    cumulative due beyond what was repaid or written off, capped at its own amount.
    """
    due = instalments[pd.to_datetime(instalments["due_date"]) < pd.Timestamp(as_of)]
    due = due.merge(positions, on="loan_id", how="inner").sort_values(["loan_id", "due_date"])
    cumulative = due.groupby("loan_id")["principal"].cumsum()
    settled = due["principal_repaid"] + due["written_off"]
    unpaid = (cumulative - settled).clip(lower=0).clip(upper=due["principal"])
    due = due.assign(amount=unpaid.astype("int64"))
    return due[due["amount"] > 0][
        ["loan_id", "due_date", "amount", "office_id", "transaction_point_id"]
    ]


def _write_snapshots(positions: pd.DataFrame, *, as_of: date) -> None:
    columns = ["as_of", "loan_id", "office_id", "programme_id", *SNAPSHOT_FIELDS]
    if connection.vendor == "postgresql":
        _copy_snapshots(positions, as_of=as_of)
        return
    frame = positions.assign(as_of=as_of)[columns]
    PositionSnapshot.objects.bulk_create(
        (
            PositionSnapshot(**dict(zip(columns, row, strict=True)))
            for row in frame.itertuples(index=False)
        ),
        batch_size=2000,
    )


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_PG_EPOCH = date(2000, 1, 1)  # binary COPY dates count days from here
_SNAPSHOT_NUMBERS = dict.fromkeys(  # the numeric columns' binary types; bucket, status follow
    ["loan_id", "office_id", "programme_id", *SNAPSHOT_FIELDS[:-2]], ">i8"
)
_SNAPSHOT_NUMBERS["days_past_due"] = ">i4"  # the one integer (not bigint) column


def _copy_snapshots(positions: pd.DataFrame, *, as_of: date) -> None:
    """Binary COPY built with numpy: rows of one (bucket, status) pair all have the same layout,
    so each such group is one structured array, written at memory speed."""
    numbers = list(_SNAPSHOT_NUMBERS)
    columns = ["as_of", *numbers, "bucket", "status"]
    sql = (
        f"COPY {PositionSnapshot._meta.db_table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(_COPY_SIGNATURE)
        for (bucket, status), group in positions.groupby(["bucket", "status"], sort=False):
            texts = {"bucket": bucket.encode(), "status": status.encode()}
            layout = [("count", ">i2"), ("as_of_length", ">i4"), ("as_of", ">i4")]
            for name in numbers:
                layout += [(f"{name}_length", ">i4"), (name, _SNAPSHOT_NUMBERS[name])]
            for name, text in texts.items():
                layout += [(f"{name}_length", ">i4"), (name, f"S{len(text)}")]
            rows = np.empty(len(group), dtype=np.dtype(layout))
            rows["count"] = len(columns)
            rows["as_of_length"], rows["as_of"] = 4, (as_of - _PG_EPOCH).days
            for name in numbers:
                rows[f"{name}_length"] = np.dtype(_SNAPSHOT_NUMBERS[name]).itemsize
                rows[name] = group[name].to_numpy()
            for name, text in texts.items():
                rows[f"{name}_length"], rows[name] = len(text), text
            copy.write(rows.tobytes())
        copy.write(b"\xff\xff")


def _write_transfers(transfers: pd.DataFrame, *, as_of: date) -> int:
    """Append one overdue-transfer entry per instalment, once ever (a unique constraint)."""
    if transfers.empty:
        return 0
    due_dates = pd.to_datetime(transfers["due_date"]).dt.date.to_numpy()
    loans = transfers["loan_id"].unique().tolist()
    journaled = LoanTransaction.objects.filter(
        kind=TransactionKind.OVERDUE_TRANSFER, loan_id__in=loans
    ).order_by()
    # Most nights almost every candidate was journaled on an earlier night: skip those here
    # instead of sending them all to be ignored as conflicts.
    done = set(journaled.values_list("loan_id", "due_date"))
    entries = [
        LoanTransaction(
            loan_id=row.loan_id,
            kind=TransactionKind.OVERDUE_TRANSFER,
            value_date=due + timedelta(days=1),
            due_date=due,
            amount=int(row.amount),
            office_id=row.office_id,
            transaction_point_id=row.transaction_point_id,
            note="Chuyển nợ quá hạn tự động",
        )
        for row, due in zip(transfers.itertuples(index=False), due_dates, strict=True)
        if (row.loan_id, due) not in done
    ]
    if not entries:
        return 0
    before = journaled.count()
    LoanTransaction.objects.bulk_create(entries, batch_size=2000, ignore_conflicts=True)
    return journaled.count() - before
