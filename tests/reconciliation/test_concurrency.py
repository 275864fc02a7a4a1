"""Two runs of one month at once (a re-run started while the beat's run is still going): they
take turns per office and leave exactly one month of results, the same as one run.

Real threads, each with its own connection, on PostgreSQL (transaction=True); serialized
rollback restores the programmes and fee rules loaded by migrations.
"""

import threading

import pytest
from django.db import connection

from loans.reconciliation.models import ReconciliationLine
from tasks.jobs import reconciliation, runs
from tasks.models import JobRun

from .conftest import JUNE
from .test_job import digest


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_of_one_month_at_once_leave_one_set_of_results(june):
    reconciliation.run_reconciliation(month=JUNE)
    alone = digest(JUNE)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            reconciliation.run_reconciliation(month=JUNE)
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert JobRun.objects.filter(kind="reconciliation", status="done").count() == 3
    assert ReconciliationLine.objects.count() == 5
    assert digest(JUNE) == alone


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_offices_reconciled_in_parallel_threads_give_the_same_month(june, settings):
    settings.JOB_THREADS = 1
    reconciliation.run_reconciliation(month=JUNE)
    one_at_a_time = digest(JUNE)

    settings.JOB_THREADS = 2
    assert runs.local_threads() == 2  # outside a transaction, on PostgreSQL
    run = reconciliation.run_reconciliation(month=JUNE)

    assert run.status == JobRun.Status.DONE and run.parts_done == run.parts_total == 2
    assert digest(JUNE) == one_at_a_time
