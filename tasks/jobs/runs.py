"""What every job shares: a JobRun split into office partitions, run by Celery workers or in
this process, and closed once, when the last partition is done.

A partition marks the run running (the first one to start), does its office's work, and
counts itself done; a failure marks the run failed with the office and the error, and is
raised. Closing is a compare-and-set, so the last two partitions finishing together close the
run once. Runs are idempotent: each partition replaces its own office's rows.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import JobRun


def create_run(*, kind: str, period: str, office_ids: list[int], by=None) -> JobRun:
    """A queued run of `kind` for `period` with one partition per office."""
    return JobRun.objects.create(
        kind=kind, period=period, parts_total=len(office_ids), created_by=by
    )


@contextmanager
def partition(*, run_id: int, office_id: int) -> Iterator[None]:
    """One office's part of a run: running on entry, counted done on a clean exit, the run
    marked failed (and the error raised) otherwise."""
    # Compare-and-set: only the first partition to start moves the run from queued to running.
    JobRun.objects.filter(pk=run_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now()
    )
    try:
        yield
    except Exception as exc:
        JobRun.objects.filter(pk=run_id).update(
            status=JobRun.Status.FAILED, error=f"office {office_id}: {exc!r}"[:2000]
        )
        raise
    JobRun.objects.filter(pk=run_id).update(parts_done=F("parts_done") + 1)


def run_partitions(work: Callable[..., object], office_ids: list[int], **kwargs) -> None:
    """`work(office_id=…, **kwargs)`, one office's partition, for every office in this process:
    one at a time, or on PostgreSQL outside a transaction `settings.JOB_THREADS` at a time,
    each thread with its own connection (closed when its office is done). The partitions are
    independent (each replaces its own office's rows), as they are on Celery workers."""
    threads = min(local_threads(), len(office_ids))
    if threads <= 1:
        for office_id in office_ids:
            work(office_id=office_id, **kwargs)
        return

    def one(office_id: int) -> None:
        try:
            work(office_id=office_id, **kwargs)
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


def tune_batch_session() -> None:
    """For this transaction on PostgreSQL: no JIT (compiling costs more than it saves on these
    short, many queries), no parallel workers (each would rebuild the same hash tables, and
    the partitions are the parallelism), and room to aggregate a chunk's journal in memory."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL work_mem = '64MB'")


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
            .update(status=JobRun.Status.DONE, finished_at=now, counts=counts)
        )
        if updated and then is not None:
            then(now)
    run.refresh_from_db()
    return run if updated else None
