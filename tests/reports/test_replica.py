"""Reports on a PostgreSQL read replica (REPORTS_DATABASE_URL, core/db.py).

The router's rules run everywhere; the rest needs a real streaming replica, which `.ci/run`
starts (pg_basebackup -R into a second cluster on port 5433) and points REPORTS_DATABASE_URL
at. The replica's test database is the primary's, filled by replication: so these tests commit
(transaction=True) and wait until the replica has replayed the primary's WAL before reading.
"""

import dataclasses
import json
import threading
import time
from datetime import date

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import InternalError, OperationalError
from rest_framework.renderers import JSONRenderer

from core.db import REPORTS_DB_ALIAS, ReportsRouter, read_alias, replica_lag_seconds, report_reads
from loans import services
from loans.models import Loan
from loans.reports.builders import REPORTS
from loans.reports.params import ReportFilters, ReportRequest
from programmes.models import Programme
from tests.reports.conftest import API, AS_OF

needs_replica = pytest.mark.skipif(
    REPORTS_DB_ALIAS not in settings.DATABASES, reason="needs REPORTS_DATABASE_URL (a replica)"
)
# Committed data on both connections; the programmes and rates of the data migrations restored
# after each test's flush.
on_both = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, REPORTS_DB_ALIAS]
)


def test_outside_report_reads_everything_reads_and_writes_the_primary():
    router = ReportsRouter()
    assert read_alias() == DEFAULT_DB_ALIAS
    assert router.db_for_read(Loan) is None  # Django's default: the primary
    assert router.db_for_write(Loan) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "loans")
    assert not router.allow_migrate(REPORTS_DB_ALIAS, "loans")


def test_report_reads_use_the_replica_only_when_one_is_configured():
    router = ReportsRouter()
    with report_reads() as alias:
        expected = REPORTS_DB_ALIAS if REPORTS_DB_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS
        assert alias == read_alias() == expected
        assert router.db_for_write(Loan) == DEFAULT_DB_ALIAS  # writes never go to the replica
    assert read_alias() == DEFAULT_DB_ALIAS  # the context restores the primary


@pytest.mark.django_db
def test_without_a_replica_a_report_says_it_read_the_primary(book, carol_api):
    if REPORTS_DB_ALIAS in settings.DATABASES:
        pytest.skip("a replica is configured")
    body = carol_api.get(f"{API}/portfolio/", {"as_of": AS_OF.isoformat()}).json()
    assert body["replica_lag_seconds"] is None
    assert replica_lag_seconds(DEFAULT_DB_ALIAS) is None


def wait_for_replica(timeout: float = 20.0) -> None:
    """Until the replica has replayed everything the primary wrote so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections[REPORTS_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def portfolio_on_the_primary() -> dict:
    """The same report, built outside report_reads(): every query on the primary."""
    request = ReportRequest(filters=ReportFilters(), group_by=("office", "programme"), as_of=AS_OF)
    report = REPORTS["portfolio"](dataclasses.replace(request, source="engine"))
    return json.loads(JSONRenderer().render(report.as_json()))  # as the API writes it


@needs_replica
@on_both
def test_a_report_read_on_the_replica_equals_the_primary(book, carol_api):
    wait_for_replica()
    response = carol_api.get(
        f"{API}/portfolio/",
        {"as_of": AS_OF.isoformat(), "source": "engine", "group_by": "office,programme"},
    )
    assert response.status_code == 200
    body = response.json()
    primary = portfolio_on_the_primary()
    # The hand-built book of tests/reports/conftest.py: the replica's figures are the primary's.
    assert body["rows"] == primary["rows"] and body["totals"] == primary["totals"]
    assert body["totals"]["loans"] > 0
    assert isinstance(body["replica_lag_seconds"], float) and body["replica_lag_seconds"] >= 0


@needs_replica
@on_both
def test_the_replica_refuses_writes_and_the_router_sends_them_to_the_primary(book):
    wait_for_replica()
    with report_reads():
        # An ORM write inside report_reads lands on the primary...
        programme = Programme.objects.first()
        programme.save(update_fields=["name"])
        # ...and a write sent to the replica's connection by hand is refused by PostgreSQL.
        with (
            pytest.raises((InternalError, OperationalError)),
            connections[REPORTS_DB_ALIAS].cursor() as cursor,
        ):
            cursor.execute("CREATE TEMP TABLE never (id int)")


@needs_replica
@on_both
def test_reports_on_the_replica_while_the_primary_takes_postings(book, carol_api):
    """A thread posts principal repayments on the primary while the reports read the replica:
    every report answers, and once the replica catches up it shows every posting."""
    loan = book.loans["housing"]
    officer = book.cast.alice
    stop = threading.Event()
    posted = []

    def post():
        try:
            while not stop.is_set() and len(posted) < 20:
                services.record_repayment(
                    Loan.objects.get(pk=loan.pk),
                    on=date(2025, 11, 3),
                    by=officer,
                    principal=1_000,
                    interest=0,
                )
                posted.append(1_000)
        finally:
            connections.close_all()

    writer = threading.Thread(target=post)
    writer.start()
    try:
        statuses = [
            carol_api.get(f"{API}/flows/", {"from": "2025-11-01", "to": "2025-11-30"}).status_code
            for _ in range(5)
        ]
    finally:
        stop.set()
        writer.join()
    assert statuses == [200] * 5
    wait_for_replica()
    flows = carol_api.get(f"{API}/flows/", {"from": "2025-11-01", "to": "2025-11-30"}).json()
    # Each posting is 1,000 đồng of principal value-dated 3 Nov 2025, and the book has no other
    # posting in November 2025: the month's flows on the replica hold exactly what was posted.
    assert len(posted) > 0
    assert flows["totals"]["principal_collected"] == sum(posted)
