"""A real Celery worker on Redis and PostgreSQL reconciles a month exactly like the in-process
run (skipped without PostgreSQL and TEST_REDIS_URL, as the nightly job's test)."""

import time

import pytest
from django.db import connection

from tasks.jobs import reconciliation
from tasks.models import JobRun
from tests.tasks.test_real_worker import REDIS_URL
from tests.tasks.test_real_worker import worker_env as worker_env

from .conftest import JUNE
from .test_job import digest


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql" or not REDIS_URL, reason="needs PostgreSQL and Redis"
)
# serialized_rollback restores the programmes and fee rules loaded by migrations.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_reconciles_the_month_like_the_in_process_run(june, worker_env):
    reconciliation.run_reconciliation(month=JUNE)
    in_process = digest(JUNE)

    worker, client = worker_env
    # What tasks.start_reconciliation does, sent through the client app: one task per office.
    run, office_ids = reconciliation.create_reconciliation_run(month=JUNE)
    for office_id in office_ids:
        client.send_task("tasks.reconciliation_partition", args=[run.pk, "2025-06", office_id])
    deadline = time.monotonic() + 90
    while run.status not in (JobRun.Status.DONE, JobRun.Status.FAILED):
        assert time.monotonic() < deadline, "the worker did not finish the month in 90 s"
        assert worker.poll() is None, worker.stdout.read().decode()
        time.sleep(0.5)
        run.refresh_from_db()

    assert run.status == JobRun.Status.DONE, run.error
    assert run.parts_done == 2 and run.progress == 100
    assert digest(JUNE) == in_process
