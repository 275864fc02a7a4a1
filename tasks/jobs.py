"""The set-based batch work: the nightly arrears job (DESIGN.md "Jobs").

A run is split into partitions (one per transaction office) that any number of Celery workers
can take; each partition reads its loans' schedules and journal in id-range chunks, computes
every position with the one engine, and replaces its snapshot rows. Re-running a date replaces
the same rows, so a crashed run is repaired by running it again.
"""

import logging
import time
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from loans import positions as engine
from loans.models import Loan, LoanStatus, LoanTransaction, PositionSnapshot, TransactionKind
from loans.selectors import id_chunks, load_engine_inputs

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
    office_ids = sorted(
        set(loans_open_on(Loan.objects.all(), as_of).values_list("office_id", flat=True))
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
    for office_id in office_ids:
        run_arrears_partition(run_id=run.pk, as_of=as_of, office_id=office_id)
    finish_run(run_id=run.pk)
    run.refresh_from_db()
    return run


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
            PositionSnapshot.objects.filter(as_of=as_of, office_id=office_id).delete()
            for first_id, last_id in id_chunks(loans, settings.POSITION_CHUNK_SIZE):
                chunk = loans.filter(id__gte=first_id, id__lte=last_id)
                written, transfers = _process_chunk(chunk, as_of=as_of)
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
    snapshots = PositionSnapshot.objects.filter(as_of=as_of)
    totals = snapshots.aggregate(
        outstanding_principal=Sum("outstanding_principal"),
        overdue_principal=Sum("overdue_principal"),
        interest_arrears=Sum("interest_arrears"),
    )
    counts = {
        "loans": snapshots.count(),
        "overdue_loans": snapshots.filter(overdue_principal__gt=0).count(),
        **{key: int(value or 0) for key, value in totals.items()},
        "pruned_snapshots": prune_snapshots(as_of=as_of),
    }
    if run.started_at:
        counts["seconds"] = round((timezone.now() - run.started_at).total_seconds(), 3)
    updated = (
        JobRun.objects.filter(pk=run_id)
        .exclude(status=JobRun.Status.DONE)
        .update(status=JobRun.Status.DONE, finished_at=timezone.now(), counts=counts)
    )
    run.refresh_from_db()
    return run if updated else None


def prune_snapshots(*, as_of: date) -> int:
    """Drop daily snapshots older than the retention window; month-end ones are kept forever."""
    cutoff = as_of - timedelta(days=settings.SNAPSHOT_RETENTION_DAYS)
    old_days = (
        PositionSnapshot.objects.filter(as_of__lt=cutoff).values_list("as_of", flat=True).distinct()
    )
    daily = [d for d in old_days if (d + timedelta(days=1)).day != 1]
    if not daily:
        return 0
    deleted, _ = PositionSnapshot.objects.filter(as_of__in=daily).delete()
    return deleted


# --- one chunk -------------------------------------------------------------------------------


def _process_chunk(loans, *, as_of: date) -> tuple[int, int]:
    frames = load_engine_inputs(loans, as_of=as_of)
    positions = engine.compute_positions(
        as_of=as_of,
        bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
        overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
        **frames,
    )
    positions = positions[~positions["status"].isin((*CLOSED_STATES, "not_disbursed"))]
    meta = pd.DataFrame.from_records(
        loans.values_list("id", "office_id", "programme_id", "transaction_point_id"),
        columns=["loan_id", "office_id", "programme_id", "transaction_point_id"],
    )
    positions = positions.merge(meta, on="loan_id", how="inner")
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
    frame = positions.assign(as_of=as_of)[columns]
    if connection.vendor == "postgresql":
        _copy_rows(PositionSnapshot._meta.db_table, columns, frame.itertuples(index=False))
        return
    PositionSnapshot.objects.bulk_create(
        (
            PositionSnapshot(**dict(zip(columns, row, strict=True)))
            for row in frame.itertuples(index=False)
        ),
        batch_size=2000,
    )


def _copy_rows(table: str, columns: list[str], rows) -> None:
    """PostgreSQL COPY: the fastest way to land many rows (psycopg 3)."""
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def _write_transfers(transfers: pd.DataFrame, *, as_of: date) -> int:
    """Append one overdue-transfer entry per instalment, once ever (a unique constraint)."""
    if transfers.empty:
        return 0
    entries = [
        LoanTransaction(
            loan_id=row.loan_id,
            kind=TransactionKind.OVERDUE_TRANSFER,
            value_date=row.due_date + timedelta(days=1),
            due_date=row.due_date,
            amount=int(row.amount),
            office_id=row.office_id,
            transaction_point_id=row.transaction_point_id,
            note="Chuyển nợ quá hạn tự động",
        )
        for row in transfers.itertuples(index=False)
    ]
    chunk_transfers = LoanTransaction.objects.filter(
        kind=TransactionKind.OVERDUE_TRANSFER,
        loan_id__gte=int(transfers["loan_id"].min()),
        loan_id__lte=int(transfers["loan_id"].max()),
    )
    before = chunk_transfers.count()
    LoanTransaction.objects.bulk_create(entries, batch_size=2000, ignore_conflicts=True)
    return chunk_transfers.count() - before
