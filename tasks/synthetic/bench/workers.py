"""The nightly job's office partitions on K real Celery workers (one process each) on Redis."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid

from tasks.jobs import arrears
from tasks.models import JobRun

from .environment import ROOT, child_env
from .nightly import clear_snapshots

BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")


def time_workers(as_of: dt.date, count: int) -> dict:
    """K real Celery workers (one process each) take the job's office partitions from Redis."""
    from celery import Celery

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    workers = _start_workers(count, queue)
    client = Celery("bench-client", broker=BROKER_URL, set_as_current=False)
    client.conf.task_default_queue = queue
    try:
        _wait_for_workers(client, count, workers)
        clear_snapshots(as_of)
        started = time.monotonic()
        run, office_ids = arrears.create_arrears_run(as_of=as_of)
        for office_id in office_ids:
            # A full night (True), as the one timed in this process.
            call = [run.pk, as_of.isoformat(), office_id, True]
            client.send_task("tasks.arrears_partition", args=call)
        while run.status not in (JobRun.Status.DONE, JobRun.Status.FAILED):
            if any(w.poll() is not None for w in workers):
                raise RuntimeError("a Celery worker died during the benchmark")
            time.sleep(0.1)
            run.refresh_from_db()
        seconds = time.monotonic() - started
        if run.status == JobRun.Status.FAILED:
            raise RuntimeError(f"the job failed on the workers: {run.error}")
        return {"seconds": round(seconds, 2), "partitions": len(office_ids)}
    finally:
        _stop(workers)
        client.close()


def _start_workers(count: int, queue: str) -> list[subprocess.Popen]:
    """`count` worker processes on their own queue, with the database of this process."""
    env = child_env(
        CELERY_BROKER_URL=BROKER_URL,
        CELERY_QUEUE=queue,
        CELERY_RESULT_BACKEND="",
        LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"]
    return [
        subprocess.Popen(
            [*command, "-n", f"bench{i}-{queue}@%h"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(count)
    ]


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def _wait_for_workers(client, count: int, workers, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a Celery worker did not start (is Redis running?)")
        if len(client.control.ping(timeout=1.0) or []) >= count:
            return
    raise RuntimeError(f"{count} Celery worker(s) not ready after {timeout:.0f}s")
