"""Celery tasks: thin wrappers that take ids and ISO dates and call tasks/jobs/arrears.py
(nightly arrears) and tasks/jobs/reconciliation.py (monthly reconciliation).

Every task acknowledges late and has the time limit of a partition (settings: the visibility
timeout above it means a partition whose worker died runs again on another worker)."""

import logging
import threading
from collections.abc import Callable
from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from .jobs import arrears, reconciliation, runs, savings_interest
from .models import JobRun

log = logging.getLogger(__name__)
PARTITION_TIME_LIMIT = settings.JOB_PARTITION_TIME_LIMIT
TASK_OPTIONS = {
    "acks_late": True,
    "time_limit": PARTITION_TIME_LIMIT,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
    # A partition is idempotent (it replaces its rows), so a retry after a lost worker is safe.
    "reject_on_worker_lost": True,
}


def enqueue(task, calls: list[tuple], *, background: bool = False) -> None:
    """Send one task per call to the workers once the transaction commits. Without a broker
    the tasks run in this process, and then in the request that started the run, unless
    `background`: then one thread runs them after the commit, so that the page that started
    the run answers at once and shows the run's progress (the admin's job pages)."""
    if background and settings.CELERY_TASK_ALWAYS_EAGER and settings.JOB_PAGES_IN_BACKGROUND:
        transaction.on_commit(lambda: start_in_background(lambda: [task(*c) for c in calls]))
        return
    for call in calls:
        task.delay_on_commit(*call)


def start_in_background(work: Callable[[], object]) -> None:
    """Run `work` in a thread of its own, with its own database connections (closed after)."""

    def run() -> None:
        try:
            work()
        except Exception:  # the run records its failed partitions; this is for the log
            log.exception("a job run in the background failed")
        finally:
            connections.close_all()

    threading.Thread(target=run, name="vbsp-job", daemon=True).start()


@shared_task(name="tasks.arrears_partition", **TASK_OPTIONS)
def arrears_partition(
    run_id: int, as_of: str, office_id: int, full: bool = False
) -> dict[str, int]:
    counts = arrears.run_arrears_partition(
        run_id=run_id, as_of=date.fromisoformat(as_of), office_id=office_id, full=full
    )
    arrears.finish_arrears(run_id=run_id)
    return counts


@shared_task(name="tasks.nightly_arrears", **TASK_OPTIONS)
def nightly_arrears(as_of: str | None = None) -> int:
    """Celery beat at 01:00 Asia/Ho_Chi_Minh: yesterday's positions for every open loan."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate() - timedelta(days=1)
    return start_arrears(as_of=day).pk


def start_arrears(
    *,
    as_of: date,
    by=None,
    offices: list[int] | None = None,
    background: bool = False,
    full: bool = False,
) -> JobRun:
    """Create the run (of the whole branch, or of `offices` only) and enqueue one task per
    office once the run row is committed (`background`: see `enqueue`); `full` recomputes
    every loan (else the loans with nothing new roll forward from the day before)."""
    with transaction.atomic():
        run, office_ids = arrears.create_arrears_run(as_of=as_of, by=by, offices=offices)
        calls = [(run.pk, as_of.isoformat(), office_id, full) for office_id in office_ids]
        enqueue(arrears_partition, calls, background=background)
    if not office_ids:
        arrears.finish_arrears(run_id=run.pk)
    run.refresh_from_db()
    return run


# --- the monthly reconciliation --------------------------------------------------------------


@shared_task(name="tasks.reconciliation_partition", **TASK_OPTIONS)
def reconciliation_partition(run_id: int, month: str, office_id: int) -> dict[str, int]:
    counts = reconciliation.run_reconciliation_partition(
        run_id=run_id, month=reconciliation.parse_month(month), office_id=office_id
    )
    reconciliation.finish_reconciliation(run_id=run_id)
    return counts


@shared_task(name="tasks.monthly_reconciliation", **TASK_OPTIONS)
def monthly_reconciliation(month: str | None = None) -> int:
    """Celery beat on the 1st at 02:00 Asia/Ho_Chi_Minh: the month just ended."""
    return start_reconciliation(
        month=month or reconciliation.previous_month(timezone.localdate())
    ).pk


def start_reconciliation(*, month: str | date, by=None, background: bool = False) -> JobRun:
    """Create the run for `month` ('YYYY-MM' or a date in it) and enqueue one task per office
    once the run row is committed. Re-running a month replaces its results."""
    month = reconciliation.parse_month(month)
    with transaction.atomic():
        run, office_ids = reconciliation.create_reconciliation_run(month=month, by=by)
        calls = [(run.pk, f"{month:%Y-%m}", office_id) for office_id in office_ids]
        enqueue(reconciliation_partition, calls, background=background)
    if not office_ids:
        reconciliation.finish_reconciliation(run_id=run.pk)
    run.refresh_from_db()
    return run


# --- the half-year savings interest ---------------------------------------------------------


@shared_task(name="tasks.savings_interest_partition", **TASK_OPTIONS)
def savings_interest_partition(run_id: int, period_end: str, office_id: int) -> dict[str, int]:
    counts = savings_interest.run_savings_interest_partition(
        run_id=run_id, period_end=date.fromisoformat(period_end), office_id=office_id
    )
    savings_interest.finish_savings_interest(run_id=run_id)
    return counts


@shared_task(name="tasks.half_year_savings_interest", **TASK_OPTIONS)
def half_year_savings_interest(period_end: str | None = None) -> int:
    """Celery beat on 1 Jan and 1 Jul: the half-year that ended the day before."""
    day = (
        date.fromisoformat(period_end)
        if period_end
        else savings_interest.previous_period_end(timezone.localdate())
    )
    return start_savings_interest(period_end=day).pk


def start_savings_interest(*, period_end: date, by=None) -> JobRun:
    """Create the run for the half-year ending on `period_end` and enqueue one task per
    office once the run row is committed. A re-run credits nothing twice."""
    with transaction.atomic():
        run, office_ids = savings_interest.create_savings_interest_run(period_end=period_end, by=by)
        for office_id in office_ids:
            savings_interest_partition.delay_on_commit(run.pk, period_end.isoformat(), office_id)
    if not office_ids:
        savings_interest.finish_savings_interest(run_id=run.pk)
    run.refresh_from_db()
    return run


# --- runs that stopped -----------------------------------------------------------------------


@shared_task(name="tasks.mark_stalled_runs", **TASK_OPTIONS)
def mark_stalled_runs() -> int:
    """Celery beat every settings.JOB_STALL_CHECK_MINUTES: flag the runs that stopped."""
    return runs.mark_stalled()


def resume_run(*, run: JobRun) -> JobRun:
    """Enqueue a stalled or failed run's missing partitions (JobError if it has none, or is
    still progressing). They replace their offices' rows, so one that was only slow, not lost,
    and runs twice leaves the same rows; it is counted once."""
    with transaction.atomic():
        office_ids = runs.reopen(run)
        for office_id in office_ids:
            _partition_task(run).delay_on_commit(run.pk, run.period, office_id)
    if not office_ids:
        _finish(run)
    run.refresh_from_db()
    return run


def _partition_task(run: JobRun):
    if run.kind == JobRun.Kind.ARREARS:
        return arrears_partition
    if run.kind == JobRun.Kind.SAVINGS_INTEREST:
        return savings_interest_partition
    return reconciliation_partition


def _finish(run: JobRun) -> None:
    if run.kind == JobRun.Kind.ARREARS:
        arrears.finish_arrears(run_id=run.pk)
    elif run.kind == JobRun.Kind.SAVINGS_INTEREST:
        savings_interest.finish_savings_interest(run_id=run.pk)
    else:
        reconciliation.finish_reconciliation(run_id=run.pk)
