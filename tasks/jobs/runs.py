"""What every job shares: a JobRun split into office partitions (one JobPartition each), run by
Celery workers or in this process, and closed once, when the last partition is done.

A partition marks itself and the run running, does its office's work, and marks itself done
(counting the run's `parts_done` once, even when a lost worker's task is redelivered after the
work was committed); a failure marks both failed with the office and the error, and is raised.
A partition already done is not run again. Closing is a compare-and-set, so the last two
partitions finishing together close the run once. Runs are idempotent: each partition replaces
its own office's rows, so running a partition twice leaves what running it once does.

A run whose partitions stop starting and finishing (its workers died, no worker reads the
queue) is marked stalled after settings.JOB_STALLED_AFTER; `reopen` puts the partitions that
are not done back in the queue, for `resume`.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

from ..models import JobPartition, JobRun

UNFINISHED = (JobRun.Status.QUEUED, JobRun.Status.RUNNING)
# A JobRun whose status forbids the operation asked for (resume a finished run...): 409.
STATE = "job_state"


class JobError(DomainError):
    """A job operation refused, with a message for the branch's staff."""


# --- a run and its partitions ----------------------------------------------------------------


def create_run(
    *, kind: str, period: str, office_ids: list[int], by=None, scope: list[int] | None = None
) -> JobRun:
    """A queued run of `kind` for `period` with one partition per office; `scope` names the
    offices of a run that covers only them (None: the whole branch)."""
    run = JobRun.objects.create(
        kind=kind,
        period=period,
        parts_total=len(office_ids),
        created_by=by,
        scope=JobRun.Scope.BRANCH if scope is None else JobRun.Scope.OFFICES,
        progressed_at=timezone.now(),
    )
    if scope is not None:
        run.offices.set(scope)
    JobPartition.objects.bulk_create(JobPartition(run=run, office_id=pk) for pk in office_ids)
    return run


def scope_of(run: JobRun) -> list[int] | None:
    """The offices a run covers, None for the whole branch."""
    if run.is_branch_wide:
        return None
    return list(run.offices.order_by("id").values_list("id", flat=True))


def run_partition(
    work: Callable[[], dict[str, int]], *, run_id: int, office_id: int
) -> dict[str, int]:
    """`work()`, one office's part of a run, returning its counts: skipped (its stored counts
    returned) if that part is done already, counted done on success, failed otherwise."""
    if not _begin(run_id, office_id):
        part = JobPartition.objects.get(run_id=run_id, office_id=office_id)
        return part.counts
    try:
        counts = work()
    except Exception as exc:
        _fail(run_id, office_id, exc)
        raise
    _done(run_id, office_id, counts)
    return counts


def _begin(run_id: int, office_id: int) -> bool:
    """Mark the partition (and, if it was waiting or stalled, the run) running; False if the
    partition is done already. Compare-and-set: the first partition to start sets the start."""
    now = timezone.now()
    started = (
        JobPartition.objects.filter(run_id=run_id, office_id=office_id)
        .exclude(status=JobPartition.Status.DONE)
        .update(
            status=JobPartition.Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            error="",
        )
    )
    if not started:
        return False
    JobRun.objects.filter(
        pk=run_id, status__in=(JobRun.Status.QUEUED, JobRun.Status.STALLED)
    ).update(status=JobRun.Status.RUNNING, started_at=Coalesce(F("started_at"), Value(now)))
    JobRun.objects.filter(pk=run_id).update(progressed_at=now)
    return True


def _done(run_id: int, office_id: int, counts: dict[str, int]) -> None:
    now = timezone.now()
    with transaction.atomic():
        first_time = (
            JobPartition.objects.filter(run_id=run_id, office_id=office_id)
            .exclude(status=JobPartition.Status.DONE)
            .update(status=JobPartition.Status.DONE, counts=counts, finished_at=now)
        )
        progress: dict[str, Any] = {"progressed_at": now}
        if first_time:
            progress["parts_done"] = F("parts_done") + 1
        JobRun.objects.filter(pk=run_id).update(**progress)


def _fail(run_id: int, office_id: int, exc: Exception) -> None:
    now = timezone.now()
    JobPartition.objects.filter(run_id=run_id, office_id=office_id).update(
        status=JobPartition.Status.FAILED, error=repr(exc)[:2000], finished_at=now
    )
    JobRun.objects.filter(pk=run_id).exclude(status=JobRun.Status.DONE).update(
        status=JobRun.Status.FAILED, error=f"office {office_id}: {exc!r}"[:2000], progressed_at=now
    )


def take_turns(subject: str, office_id: int) -> None:
    """Two partitions of one subject (a job and its period) for one office take turns
    (PostgreSQL; SQLite serialises write transactions anyway): the second waits, inside its
    transaction, until the first commits, then replaces the rows the first wrote instead of
    colliding with them on a unique key. Released when the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), %s::int4)",
                [subject, office_id % 2**31],
            )


def test_delay() -> None:
    """The pause the worker-recovery test puts inside a partition (settings)."""
    if settings.JOB_PARTITION_TEST_DELAY:
        time.sleep(settings.JOB_PARTITION_TEST_DELAY)


# --- stalled runs and resuming them ---------------------------------------------------------


def mark_stalled(*, now: datetime | None = None) -> int:
    """Mark stalled every unfinished run none of whose partitions started or finished for
    settings.JOB_STALLED_AFTER seconds; how many. One UPDATE, cheap enough for every read."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.JOB_STALLED_AFTER)
    return JobRun.objects.filter(status__in=UNFINISHED, progressed_at__lt=cutoff).update(
        status=JobRun.Status.STALLED
    )


def reopen(run: JobRun) -> list[int]:
    """Put a stalled or failed run's unfinished partitions back in the queue; their offices.
    A finished run, or one still progressing, is refused (JobError, 409)."""
    mark_stalled()
    run.refresh_from_db()
    if run.status == JobRun.Status.DONE:
        raise JobError(
            _("Lần chạy này đã hoàn thành; không còn phần nào để chạy tiếp."), code=STATE
        )
    if run.status in UNFINISHED:
        minutes = settings.JOB_STALLED_AFTER // 60
        raise JobError(
            _("Lần chạy này vẫn đang tiến triển; chỉ chạy tiếp được khi bị treo (sau %(m)d phút "
              "không tiến triển) hoặc bị lỗi.") % {"m": minutes},
            code=STATE,
        )  # fmt: skip
    with transaction.atomic():
        missing = run.partitions.exclude(status=JobPartition.Status.DONE)
        office_ids = list(missing.order_by("office_id").values_list("office_id", flat=True))
        missing.update(status=JobPartition.Status.QUEUED, error="")
        status = JobRun.Status.RUNNING if run.parts_done else JobRun.Status.QUEUED
        JobRun.objects.filter(pk=run.pk).update(
            status=status, error="", progressed_at=timezone.now()
        )
    run.refresh_from_db()
    return office_ids


# --- running partitions in this process ------------------------------------------------------


def run_partitions(
    work: Callable[..., object],
    office_ids: list[int],
    *,
    progress: Callable[[int, int], None] | None = None,
    **kwargs,
) -> None:
    """`work(office_id=…, **kwargs)`, one office's partition, for every office in this process:
    one at a time, or on PostgreSQL outside a transaction `settings.JOB_THREADS` at a time,
    each thread with its own connection (closed when its office is done). The partitions are
    independent (each replaces its own office's rows), as they are on Celery workers.
    `progress(done, total)` is told after each office."""
    threads = min(local_threads(), len(office_ids))
    total = len(office_ids)
    if threads <= 1:
        for done, office_id in enumerate(office_ids, start=1):
            work(office_id=office_id, **kwargs)
            if progress:
                progress(done, total)
        return

    def one(office_id: int) -> None:
        try:
            work(office_id=office_id, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="partition") as pool:
        futures = [pool.submit(one, office_id) for office_id in office_ids]
        for done, future in enumerate(futures, start=1):
            future.result()  # the first failure is raised (its partition marked the run)
            if progress:
                progress(done, total)


def local_threads() -> int:
    """How many partitions this process runs at once (see settings.JOB_THREADS). One on SQLite,
    and inside a transaction (a test, a caller's atomic block), which other connections
    cannot see."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, settings.JOB_THREADS)


def tune_batch_session() -> None:
    """For this transaction on PostgreSQL: no JIT (compiling costs more than it saves on these
    short, many queries), no parallel workers (each would rebuild the same hash tables, and
    the partitions are the parallelism), room to aggregate a chunk's journal in memory, and
    the cost of a random read of an SSD or cached page (settings.JOB_RANDOM_PAGE_COST): with
    PostgreSQL's default of 4 (a spinning disk) the planner joins an office's 20,000 rows to
    the whole loan table by a hash of a sequential scan of every loan, once per statement
    (measured at 1,000,000 loans: 520 ms against 215 ms through the primary key)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            if settings.JOB_RANDOM_PAGE_COST is not None:
                cursor.execute(
                    "SELECT set_config('random_page_cost', %s, true)",
                    [str(settings.JOB_RANDOM_PAGE_COST)],
                )


# --- closing the run -------------------------------------------------------------------------


def analyze(*models) -> None:
    """Fresh planner statistics for tables a job just wrote, before a report reads them
    (PostgreSQL, outside a transaction; ANALYZE reads a sample, so about a second at most)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in models)}")


def run_to_finish(run_id: int) -> JobRun | None:
    """The run, if every partition is done and none failed; None while there is work left."""
    run = JobRun.objects.get(pk=run_id)
    if run.parts_done < run.parts_total or run.status == JobRun.Status.FAILED:
        return None
    return run


def mark_done(
    run: JobRun, counts: dict, *, then: Callable[[object], None] | None = None
) -> JobRun | None:
    """Close the run with its counts (and its wall time), once: of two partitions finishing
    together only one gets the run back; `then(finished_at)` runs in the same transaction,
    only for that one."""
    now = timezone.now()
    if run.started_at:
        counts["seconds"] = round((now - run.started_at).total_seconds(), 3)
    with transaction.atomic():
        updated = (
            JobRun.objects.filter(pk=run.pk)
            .exclude(status=JobRun.Status.DONE)
            .update(status=JobRun.Status.DONE, finished_at=now, counts=counts, progressed_at=now)
        )
        if updated and then is not None:
            then(now)
    run.refresh_from_db()
    return run if updated else None
