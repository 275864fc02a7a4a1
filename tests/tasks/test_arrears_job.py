"""The nightly arrears job: exact, idempotent, repaired by a re-run, overdue transfers once."""

import hashlib
from datetime import date

import pytest
from django.core.management import call_command

from loans import services
from loans.models import LoanTransaction, PositionSnapshot, SnapshotDay, TransactionKind
from loans.selectors import position_of
from tasks.jobs import arrears, runs
from tasks.models import JobRun
from tasks.tasks import start_arrears
from tests.conftest import approved_loan
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory

AS_OF = date(2025, 7, 20)


def _borrower(office, session_day=10, **kwargs):
    point = PointFactory(office=office, session_day=session_day)
    return BorrowerFactory(savings_group=SavingsGroupFactory(transaction_point=point), **kwargs)


@pytest.fixture
def portfolio(cast):
    """Worked example B in Văn Quan, example A in Bắc Sơn, a repaid loan and a frozen one."""
    example_b = approved_loan(
        _borrower(cast.van_quan),
        "HN",
        amount=50_000_000,
        term=36,
        by=cast.alice,
        grace_months=0,
        principal_frequency_months=6,
        due_day=10,
    )
    services.disburse(example_b, amount=50_000_000, on=date(2025, 1, 10), by=cast.alice)
    services.record_repayment(example_b, interest=279_781, on=date(2025, 2, 10), by=cast.alice)
    services.record_repayment(example_b, interest=253_151, on=date(2025, 3, 10), by=cast.alice)

    example_a = approved_loan(
        _borrower(cast.bac_son, session_day=21),
        "ND28-NHA",
        amount=40_000_000,
        term=180,
        by=cast.bob,
        grace_months=60,
        principal_frequency_months=6,
        due_day=21,
    )
    services.disburse(example_a, amount=40_000_000, on=date(2024, 3, 15), by=cast.bob)

    repaid = approved_loan(
        _borrower(cast.van_quan, household_category="near_poor"),
        "HCN",
        amount=12_000_000,
        term=12,
        by=cast.alice,
        principal_frequency_months=1,
        due_day=5,
    )
    services.disburse(repaid, amount=12_000_000, on=date(2024, 6, 5), by=cast.alice)
    services.record_repayment(
        repaid, principal=12_000_000, interest=0, on=date(2024, 6, 5), by=cast.alice
    )
    return {"b": example_b, "a": example_a, "repaid": repaid}


def _snapshot_digest(as_of):
    rows = (
        PositionSnapshot.objects.filter(as_of=as_of)
        .order_by("loan_id")
        .values_list("loan_id", *arrears.SNAPSHOT_FIELDS)
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_it_writes_the_worked_examples_exactly(portfolio):
    run = arrears.run_arrears(as_of=AS_OF)

    assert run.status == JobRun.Status.DONE and run.progress == 100
    b = PositionSnapshot.objects.get(as_of=AS_OF, loan=portfolio["b"])
    # DOMAIN.md example B: 6 instalments of 50,000,000 → 8,333,000 (floor to thousands) first
    # due 10 Jul 2025, unpaid → overdue 11 days on 20 Jul; interest of 6 periods rounded each:
    # 280,274 + 253,151 + 280,274 + 271,233 + 280,274 + 271,233 = 1,636,439, minus the two
    # payments (279,781 + 253,151) = 1,103,507 in arrears.
    assert (b.overdue_principal, b.days_past_due, b.bucket) == (8_333_000, 11, "1-30")
    assert (b.interest_due, b.interest_arrears) == (1_636_439, 1_103_507)
    assert (b.interest_accrued_not_due, b.overdue_rate_interest) == (103_972, 19_588)
    a = PositionSnapshot.objects.get(as_of=AS_OF, loan=portfolio["a"])
    assert a.overdue_principal == 0 and a.outstanding_principal == 40_000_000
    # The fully repaid loan is closed: no snapshot row.
    assert not PositionSnapshot.objects.filter(loan=portfolio["repaid"]).exists()
    assert run.counts["loans"] == 2
    assert run.counts["overdue_principal"] == 8_333_000


def test_the_snapshot_equals_the_single_loan_position(portfolio):
    arrears.run_arrears(as_of=AS_OF)

    for loan in (portfolio["a"], portfolio["b"]):
        row = PositionSnapshot.objects.filter(as_of=AS_OF, loan=loan).values(
            *arrears.SNAPSHOT_FIELDS
        )
        expected = position_of(loan, as_of=AS_OF)
        assert row.get() == {field: expected[field] for field in arrears.SNAPSHOT_FIELDS}


def test_running_twice_changes_nothing(portfolio):
    arrears.run_arrears(as_of=AS_OF)
    first = _snapshot_digest(AS_OF)
    journal = LoanTransaction.objects.count()

    arrears.run_arrears(as_of=AS_OF)

    assert _snapshot_digest(AS_OF) == first
    assert PositionSnapshot.objects.filter(as_of=AS_OF).count() == 2
    assert LoanTransaction.objects.count() == journal


def test_a_run_killed_halfway_is_repaired_by_a_rerun(portfolio, monkeypatch):
    arrears.run_arrears(as_of=AS_OF)
    clean = _snapshot_digest(AS_OF)
    PositionSnapshot.objects.all().delete()

    # Kill the run at its second office: the first office's rows are in, the second's are not.
    real = arrears._process_chunk
    calls = {"n": 0}

    def dies_on_second_partition(loans, *, as_of):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(loans, as_of=as_of)

    monkeypatch.setattr(arrears, "_process_chunk", dies_on_second_partition)
    with pytest.raises(RuntimeError):
        arrears.run_arrears(as_of=AS_OF)
    failed = JobRun.objects.order_by("-pk").first()
    assert failed.status == JobRun.Status.FAILED and "worker killed" in failed.error
    assert PositionSnapshot.objects.filter(as_of=AS_OF).count() == 1

    monkeypatch.setattr(arrears, "_process_chunk", real)
    arrears.run_arrears(as_of=AS_OF)

    assert _snapshot_digest(AS_OF) == clean


def test_a_finished_run_records_the_complete_day_for_the_reports(portfolio):
    first = arrears.run_arrears(as_of=AS_OF)
    day = SnapshotDay.objects.get(as_of=AS_OF)
    # Two loans still owe at the end of the day (examples A and B; the others are repaid).
    assert (day.loans, day.started_at) == (2, first.started_at)

    second = arrears.run_arrears(as_of=AS_OF)  # a re-run replaces the record of the day
    day.refresh_from_db()
    assert SnapshotDay.objects.count() == 1
    assert (day.loans, day.started_at) == (2, second.started_at)


def test_the_transfer_to_overdue_is_journaled_once_per_instalment(portfolio):
    arrears.run_arrears(as_of=AS_OF)
    arrears.run_arrears(as_of=AS_OF)
    arrears.run_arrears(as_of=date(2025, 7, 25))

    transfers = LoanTransaction.objects.filter(kind=TransactionKind.OVERDUE_TRANSFER)
    # Example B's first instalment (10 Jul 2025, 8,333,000) is unpaid: one transfer, dated the
    # day it became overdue (11 Jul 2025).
    assert list(transfers.values_list("loan_id", "due_date", "value_date", "amount")) == [
        (portfolio["b"].pk, date(2025, 7, 10), date(2025, 7, 11), 8_333_000)
    ]


def test_month_end_snapshots_are_kept_and_old_daily_ones_pruned(portfolio, settings):
    settings.SNAPSHOT_RETENTION_DAYS = 10
    arrears.run_arrears(as_of=date(2025, 6, 30))  # month end: kept forever
    arrears.run_arrears(as_of=date(2025, 7, 1))  # a daily one, 19 days before the last run

    run = arrears.run_arrears(as_of=AS_OF)

    days = set(PositionSnapshot.objects.values_list("as_of", flat=True))
    assert days == {date(2025, 6, 30), AS_OF}
    assert run.counts["pruned_snapshots"] == 2


@pytest.mark.django_db
def test_pruning_near_the_first_representable_day_keeps_everything(settings):
    # as_of − 90 days would be before 0001-01-01: nothing can be that old, nothing is pruned.
    settings.SNAPSHOT_RETENTION_DAYS = 90
    assert arrears.prune_snapshots(as_of=date(1, 2, 1)) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_offices_in_parallel_threads_give_the_same_rows(portfolio, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections: PostgreSQL")
    settings.JOB_THREADS = 1
    assert runs.local_threads() == 1
    arrears.run_arrears(as_of=AS_OF)
    one_at_a_time = _snapshot_digest(AS_OF)

    settings.JOB_THREADS = 2
    assert runs.local_threads() == 2
    run = arrears.run_arrears(as_of=AS_OF)

    assert run.status == JobRun.Status.DONE and run.parts_done == run.parts_total == 2
    assert _snapshot_digest(AS_OF) == one_at_a_time
    assert run.counts["loans"] == PositionSnapshot.objects.filter(as_of=AS_OF).count()


@pytest.mark.django_db
def test_inside_a_transaction_the_offices_run_one_at_a_time(settings):
    settings.JOB_THREADS = 4
    # A test (like any caller's atomic block) holds data other connections cannot see.
    assert runs.local_threads() == 1


def test_the_command_and_the_celery_path_give_the_same_rows(
    portfolio, django_capture_on_commit_callbacks
):
    arrears.run_arrears(as_of=AS_OF)
    in_process = _snapshot_digest(AS_OF)

    with django_capture_on_commit_callbacks(execute=True):
        run = start_arrears(as_of=AS_OF)
    run.refresh_from_db()
    assert run.status == JobRun.Status.DONE and run.parts_done == run.parts_total == 2
    assert _snapshot_digest(AS_OF) == in_process

    PositionSnapshot.objects.all().delete()
    call_command("run_arrears", as_of=AS_OF.isoformat())
    assert _snapshot_digest(AS_OF) == in_process


def test_the_admin_runs_the_job_for_any_date(
    portfolio, client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.carol)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/tasks/jobrun/run-arrears/", {"as_of": "20/07/2025"})

    run = JobRun.objects.get()
    assert response.status_code == 302 and run.period == "2025-07-20"
    run.refresh_from_db()
    assert run.status == JobRun.Status.DONE
    assert PositionSnapshot.objects.filter(as_of=AS_OF).count() == 2
    page = client.get(f"/admin/tasks/jobrun/{run.pk}/change/")
    assert "100%" in page.content.decode()


def test_the_admin_refuses_a_future_date_and_users_without_the_permission(portfolio, client, cast):
    client.force_login(cast.carol)
    response = client.post("/admin/tasks/jobrun/run-arrears/", {"as_of": "01/01/2099"})
    assert response.status_code == 200 and "không được sau" in response.content.decode()
    assert not JobRun.objects.exists()

    cast.alice.user_permissions.remove(*cast.alice.user_permissions.filter(codename="add_jobrun"))
    client.force_login(cast.alice)
    assert (
        client.post("/admin/tasks/jobrun/run-arrears/", {"as_of": "20/07/2025"}).status_code == 403
    )
