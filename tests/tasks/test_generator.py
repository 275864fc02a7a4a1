"""The synthetic portfolio: consistent with its journal, its schedules and the nightly job."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Max, Sum

from loans.models import (
    Instalment,
    Loan,
    LoanFreeze,
    LoanTransaction,
    PositionSnapshot,
    ScheduleVersion,
)
from loans.positions import build_schedule, spread_tranche
from loans.selectors import loans_open_on, positions
from programmes.models import InterestRate, Programme
from tasks.jobs import arrears
from tasks.models import JobRun
from tasks.synthetic import bench, generator

UNTIL = date(2026, 6, 30)
LOANS = 400


@pytest.fixture
def portfolio(cast):
    """400 generated loans in the Văn Quan and Bắc Sơn offices (synthetic points and groups)."""
    counts = generator.generate_portfolio(loans=LOANS, seed=7, until=UNTIL, batch_size=150)
    return counts


def test_it_generates_n_loans_whose_cached_balances_equal_the_journal(portfolio):
    assert Loan.objects.count() == LOANS
    assert portfolio[Loan._meta.db_table] == LOANS
    # One aggregate query over the journal (reversals counted against the entry they reverse).
    assert generator.journal_mismatches() == 0
    statuses = dict(Loan.objects.values_list("status").annotate(n=Count("id")))
    assert statuses["active"] > LOANS / 2 and statuses.get("closed", 0) > 0
    # ~1.6 loans per household, ~37 households per group.
    households = Loan.objects.values("borrower").distinct().count()
    assert 1.3 < LOANS / households < 1.9


def test_every_schedule_sums_to_what_was_disbursed(portfolio):
    latest = ScheduleVersion.objects.values("loan").annotate(number=Max("number"))
    in_force = {(row["loan"], row["number"]) for row in latest}
    totals = (
        Instalment.objects.values_list("loan_id", "version__number")
        .annotate(total=Sum("principal"))
        .order_by()
    )
    by_loan = {loan: total for loan, number, total in totals if (loan, number) in in_force}
    disbursed = dict(
        Loan.objects.filter(disbursed_total__gt=0).values_list("id", "disbursed_total")
    )
    assert by_loan == disbursed


def test_schedules_and_rates_are_the_ones_the_services_would_write(portfolio):
    loans = Loan.objects.filter(disbursed_total__gt=0).select_related("programme", "borrower")
    for loan in random.Random(1).sample(list(loans), 80):
        tranches = list(
            loan.transactions.filter(kind="disbursement")
            .order_by("value_date")
            .values_list("value_date", "amount")
        )
        (first_on, first_amount), *later = tranches
        assert loan.first_disbursed_on == first_on
        rate = loan.programme.rate_on(first_on, loan.borrower.household_category)
        assert loan.contract_rate == rate.annual_rate
        rows = build_schedule(
            principal=first_amount,
            first_disbursed_on=first_on,
            term_months=loan.term_months,
            grace_months=loan.grace_months,
            frequency_months=loan.principal_frequency_months,
            due_day=loan.due_day,
        )
        expected = [rows] + [
            rows := spread_tranche(schedule=rows, amount=amount, on=on) for on, amount in later
        ]
        versions = list(loan.schedule_versions.order_by("number"))
        for version, schedule in zip(versions, expected, strict=False):
            assert list(version.instalments.values_list("due_date", "principal")) == schedule
        if len(versions) > len(expected):  # gia hạn nợ: one instalment moved later
            assert versions[-1].reason == "extension"
            moved = versions[-1].instalments.values_list("due_date", "principal")
            assert sorted(a for _, a in moved) == sorted(a for _, a in expected[-1])


def test_reversals_point_at_an_original_of_the_same_day_and_amount(portfolio):
    reversals = LoanTransaction.objects.filter(kind="reversal").select_related("reverses")
    assert reversals.exists()
    for reversal in reversals:
        original = reversal.reverses
        assert (original.loan_id, original.value_date, original.amount) == (
            reversal.loan_id,
            reversal.value_date,
            reversal.amount,
        )
        assert original.id < reversal.id


def test_no_loan_repays_more_than_it_owes_and_closed_loans_owe_nothing(portfolio):
    frame = positions(Loan.objects.all(), as_of=UNTIL)
    cached = dict(Loan.objects.values_list("id", "outstanding_principal"))
    assert (frame["outstanding_principal"] >= 0).all()
    assert (frame["outstanding_principal"] == frame["loan_id"].map(cached)).all()
    paid_too_much = (
        frame["interest_paid"] > frame["interest_due"] + frame["interest_accrued_not_due"]
    )
    assert not paid_too_much.any()
    closed = set(Loan.objects.filter(status="closed").values_list("id", flat=True))
    assert set(frame.loc[frame["loan_id"].isin(closed), "status"]) <= {"closed"}
    frozen = Loan.objects.filter(status="frozen")
    assert all(LoanFreeze.objects.filter(loan=loan).exists() for loan in frozen)


def test_the_nightly_job_processes_the_portfolio_twice_to_the_same_rows(portfolio):
    run = arrears.run_arrears(as_of=UNTIL)
    assert run.status == JobRun.Status.DONE
    open_loans = loans_open_on(Loan.objects.all(), as_of=UNTIL).exclude(status="closed").count()
    assert run.counts["loans"] == PositionSnapshot.objects.filter(as_of=UNTIL).count()
    assert run.counts["loans"] >= open_loans * 0.95
    # The generator journaled the past transfers to overdue, as earlier nights would have.
    assert run.counts.get("overdue_loans", 0) > 0
    first = list(PositionSnapshot.objects.order_by("loan_id").values_list("loan_id", "status"))
    journal = LoanTransaction.objects.count()

    arrears.run_arrears(as_of=UNTIL)

    assert list(PositionSnapshot.objects.order_by("loan_id").values_list("loan_id", "status")) == (
        first
    )
    assert LoanTransaction.objects.count() == journal


def test_reset_removes_loans_and_borrowers_but_keeps_the_organisation(portfolio, cast):
    tables = generator.reset_portfolio()

    assert "loans_loantransaction" in tables and "borrowers_borrower" in tables
    assert not Loan.objects.exists() and not LoanTransaction.objects.exists()
    assert cast.van_quan.points.exists()
    generator.generate_portfolio(loans=50, seed=8, until=UNTIL)
    assert Loan.objects.count() == 50 and generator.journal_mismatches() == 0


@pytest.mark.postgres
def test_binary_copy_round_trips_every_column_type(cast):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL binary COPY")
    generator.generate_portfolio(loans=40, seed=9, until=UNTIL)
    loan = Loan.objects.filter(disbursed_total__gt=0).select_related("programme").first()
    assert loan.contract_rate == loan.programme.rate_on(loan.first_disbursed_on).annual_rate
    assert loan.created_at.year >= 2026 and loan.approved_on < loan.first_disbursed_on
    entry = LoanTransaction.objects.filter(kind="interest_payment").first()
    assert entry.note == "" and entry.posted_at.date() == entry.value_date


def test_the_job_agrees_with_the_per_loan_reference_through_a_rate_change(portfolio):
    # A cut of the poor-household rate applied to outstanding loans from 1 Jan 2026, and a
    # general one for SXKD: the job's set-wise reads and the per-loan ORM loop must agree.
    InterestRate.objects.create(
        programme=Programme.objects.get(code="HN"),
        household_category="poor",
        annual_rate=Decimal("5.5"),
        effective_from=date(2026, 1, 1),
        applies_to_outstanding=True,
    )
    InterestRate.objects.create(
        programme=Programme.objects.get(code="SXKD"),
        annual_rate=Decimal("8.1"),
        effective_from=date(2026, 2, 1),
        applies_to_outstanding=True,
    )
    arrears.run_arrears(as_of=UNTIL)
    fields = arrears.SNAPSHOT_FIELDS
    rows = PositionSnapshot.objects.filter(as_of=UNTIL, programme__code__in=["HN", "SXKD"])
    sample = random.Random(3).sample(list(rows.values_list("loan_id", *fields)), 25)

    for loan_id, *stored in sample:
        reference = bench.position_of_one_loan(loan_id, UNTIL)
        assert [reference[name] for name in fields] == stored, loan_id
