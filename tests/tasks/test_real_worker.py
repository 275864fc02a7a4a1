"""A real Celery worker on Redis and PostgreSQL computes the same rows as the in-process run."""

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from loans.models import PositionSnapshot
from tasks.jobs import arrears
from tasks.models import JobRun

from .test_arrears_job import AS_OF, _snapshot_digest
from .test_arrears_job import portfolio as portfolio

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_env(settings):
    if connection.vendor != "postgresql" or not REDIS_URL:
        pytest.skip("needs PostgreSQL and TEST_REDIS_URL (Redis)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": "",
        "CELERY_QUEUE": queue,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-c",
            "2",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # A client app of its own: the project's app may already hold an eager, broker-less setup
    # from earlier tests in this process.
    client = Celery("test-client", broker=REDIS_URL, set_as_current=False)
    client.conf.task_default_queue = queue
    try:
        yield worker, client
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        client.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_produces_the_in_process_rows(portfolio, worker_env):
    arrears.run_arrears(as_of=AS_OF)
    in_process = _snapshot_digest(AS_OF)
    PositionSnapshot.objects.all().delete()

    worker, client = worker_env
    # What tasks.start_arrears does, sent through the client app: one task per office.
    run, office_ids = arrears.create_arrears_run(as_of=AS_OF)
    for office_id in office_ids:
        client.send_task("tasks.arrears_partition", args=[run.pk, AS_OF.isoformat(), office_id])
    deadline = time.monotonic() + 90
    while run.status not in (JobRun.Status.DONE, JobRun.Status.FAILED):
        assert time.monotonic() < deadline, "the worker did not finish the job in 90 s"
        assert worker.poll() is None, worker.stdout.read().decode()
        time.sleep(0.5)
        run.refresh_from_db()

    assert run.status == JobRun.Status.DONE, run.error
    assert run.parts_done == 2 and run.progress == 100
    assert _snapshot_digest(AS_OF) == in_process
    assert date.fromisoformat(run.period) == AS_OF
