"""A real Celery worker on Redis is killed (SIGKILL, the whole process group, as a lost machine
would be) while both of a night's partitions are in flight; another worker gets them from the
broker once their visibility timeout has passed, and the run completes with the rows a clean
run writes. The timeouts are shortened for the test (the same settings, from the environment)
and the first worker's partitions wait inside their transaction (JOB_PARTITION_TEST_DELAY), so
the kill finds them in flight. Skipped without PostgreSQL and TEST_REDIS_URL."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from celery import Celery
from django.db import connection

from loans.models import PositionSnapshot, SnapshotDay
from tasks.jobs import arrears
from tasks.models import JobPartition, JobRun

from .test_arrears_job import AS_OF, _snapshot_digest
from .test_arrears_job import portfolio as portfolio
from .test_real_worker import REDIS_URL, ROOT

# A partition may run 10 s; the broker hands a task out again 12 s after it was delivered,
# and the workers look for such tasks every second.
FAST_RECOVERY = {
    "JOB_PARTITION_TIME_LIMIT": "10",
    "CELERY_VISIBILITY_TIMEOUT": "12",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
}


def start_worker(queue: str, **env) -> subprocess.Popen:
    db = connection.settings_dict
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "2", "-Q", queue,
         "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_RESULT_BACKEND": "",
            "CELERY_QUEUE": queue,
            **FAST_RECOVERY,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the pool's children die with it
    )  # fmt: skip


def wait_until(condition, *, seconds: float, what: str, worker: subprocess.Popen) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds} s"
        assert worker.poll() is None, worker.stdout.read().decode()
        time.sleep(0.2)
    return time.monotonic()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_night_whose_worker_is_killed_mid_partition_completes_on_another(portfolio):
    if connection.vendor != "postgresql" or not REDIS_URL:
        pytest.skip("needs PostgreSQL and TEST_REDIS_URL (Redis)")
    arrears.run_arrears(as_of=AS_OF)
    clean = _snapshot_digest(AS_OF)
    PositionSnapshot.objects.all().delete()
    SnapshotDay.objects.all().delete()
    queue = f"{os.environ.get('CELERY_QUEUE', 'test')}-kill-{uuid.uuid4().hex[:6]}"
    client = Celery("test-client", broker=REDIS_URL, set_as_current=False)
    client.conf.task_default_queue = queue
    workers = []
    try:
        t0 = time.monotonic()
        workers.append(first := start_worker(queue, JOB_PARTITION_TEST_DELAY="8"))
        run, office_ids = arrears.create_arrears_run(as_of=AS_OF)
        for office_id in office_ids:
            client.send_task("tasks.arrears_partition", args=[run.pk, AS_OF.isoformat(), office_id])
        parts = JobPartition.objects.filter(run=run)
        in_flight = wait_until(
            lambda: parts.filter(status="running").count() == 2,
            seconds=30, what="both partitions started", worker=first,
        )  # fmt: skip
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = time.monotonic()
        # Nothing of the killed partitions was committed.
        assert not PositionSnapshot.objects.filter(as_of=AS_OF).exists()
        assert JobRun.objects.get(pk=run.pk).status == "running"

        workers.append(second := start_worker(queue))
        done = wait_until(
            lambda: JobRun.objects.get(pk=run.pk).status in ("done", "failed"),
            seconds=45, what="the run completed on the second worker", worker=second,
        )  # fmt: skip
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
        client.close()

    run.refresh_from_db()
    assert run.status == "done", run.error
    assert (run.parts_done, run.progress) == (2, 100)
    # Each partition ran twice: killed on the first worker, done on the second.
    assert sorted(parts.values_list("attempts", flat=True)) == [2, 2]
    assert _snapshot_digest(AS_OF) == clean
    assert SnapshotDay.objects.get(as_of=AS_OF).loans == 2
    print(
        f"\nworker recovery: partitions in flight {in_flight - t0:.1f}s after the first worker "
        f"started; killed; run done {done - killed:.1f}s after the kill "
        f"(visibility timeout {FAST_RECOVERY['CELERY_VISIBILITY_TIMEOUT']}s); "
        f"total {done - t0:.1f}s"
    )
