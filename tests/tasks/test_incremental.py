"""The incremental night: loans with nothing new roll forward from yesterday's rows, the others
are recomputed; row by row it equals a full night on every snapshot column (DESIGN.md)."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count

from borrowers.models import TransactionPoint
from loans import services
from loans.models import (
    Instalment,
    Loan,
    LoanTransaction,
    PositionSnapshot,
    TransactionKind,
)
from tasks.jobs import arrears
from tasks.jobs.snapshots import SNAPSHOT_FIELDS, STATE_FIELDS
from tasks.synthetic import generator

LOANS = 300
COLUMNS = ["loan_id", "office_id", "programme_id", *SNAPSHOT_FIELDS, *STATE_FIELDS]


@pytest.fixture
def margin(settings):
    settings.REPORT_SNAPSHOT_MARGIN = timedelta(0)


def _day_before_a_session(until: date) -> date:
    """The last day on or before `until` whose next day is the busiest points' session day (the
    loans' due day), so that day D (the next) closes interest periods and has instalments
    falling due."""
    generator.ensure_organisation(households=LOANS, seed=11)
    days = TransactionPoint.objects.values("session_day").annotate(n=Count("id"))
    busiest = max(days, key=lambda row: row["n"])["session_day"]
    day = until
    while (day + timedelta(days=1)).day != busiest:
        day -= timedelta(days=1)
    return day


def _rows(as_of: date) -> dict[int, tuple]:
    rows = PositionSnapshot.objects.filter(as_of=as_of).values_list(*COLUMNS)
    return {row[0]: row for row in rows}


def _differences(first: dict, second: dict) -> list:
    """Every (loan, column) whose values differ, and loans in one only."""
    diffs = [(loan, "missing") for loan in first.keys() ^ second.keys()]
    for loan in first.keys() & second.keys():
        diffs += [
            (loan, name)
            for name, a, b in zip(COLUMNS, first[loan], second[loan], strict=True)
            if a != b
        ]
    return diffs


def _a_day_of_activity(day: date, user) -> dict[str, Loan]:
    """On `day`: a repayment, a repayment back-dated a week, a reversal of an old entry, a
    freeze from `day`: each on another open loan (none of them may roll forward)."""
    open_loans = Loan.objects.filter(status="active", outstanding_principal__gt=0).order_by("id")
    paid, back_dated, reversed_, frozen = open_loans[:4]
    services.record_repayment(paid, principal=1_000_000, interest=0, on=day, by=user)
    services.record_repayment(
        back_dated, principal=500_000, interest=0, on=day - timedelta(days=7), by=user
    )
    entry = (
        LoanTransaction.objects.filter(loan=reversed_, kind=TransactionKind.INTEREST_PAYMENT)
        .order_by("-value_date")
        .first()
    )
    services.reverse(entry, reason="Nhập nhầm", by=user)
    services.freeze(frozen, start=day, end=None, decision_ref="QĐ 1/2026", by=user)
    return {"paid": paid, "back_dated": back_dated, "reversed": reversed_, "frozen": frozen}


def _incremental_then_full(day: date) -> tuple[dict, dict, dict]:
    """The incremental night of `day`, its rows, then the full night's counts, and the
    differences between the two nights' rows."""
    transfers = LoanTransaction.objects.filter(kind=TransactionKind.OVERDUE_TRANSFER)
    before = transfers.count()
    incremental = arrears.run_arrears(as_of=day)
    rolled, journaled = _rows(day), transfers.count()
    full = arrears.run_arrears(as_of=day, full=True)
    assert full.counts["rolled_forward"] == 0
    return (
        incremental.counts | {"overdue_transfers": journaled - before},
        full.counts | {"overdue_transfers": transfers.count() - journaled},
        {"differences": _differences(rolled, _rows(day))},
    )


def test_incremental_nights_equal_full_nights_row_by_row(cast, margin):
    yesterday = _day_before_a_session(date(2026, 6, 30))
    day, after = yesterday + timedelta(days=1), yesterday + timedelta(days=2)
    generator.generate_portfolio(loans=LOANS, seed=11, until=yesterday, batch_size=150)
    first = arrears.run_arrears(as_of=yesterday)
    assert first.counts["rolled_forward"] == 0  # no complete day before it: a full night
    touched = _a_day_of_activity(day, cast.alice)

    # D: the loans' due date (a period closes, instalments fall due), a day of activity.
    incremental, full, compared = _incremental_then_full(day)
    assert compared["differences"] == []
    # Most loans rolled forward; the ones touched on the day were recomputed.
    assert incremental["loans"] - 10 <= incremental["rolled_forward"] < incremental["loans"]
    assert Instalment.objects.filter(due_date=day, loan__status="active").count() > 20
    # Instalments unpaid on their due date: overdue from that day, 1 day past due.
    assert PositionSnapshot.objects.filter(as_of=day, days_past_due=1).exists()
    frozen = PositionSnapshot.objects.get(as_of=day, loan=touched["frozen"])
    assert frozen.status == "frozen"

    # D+1: yesterday's unpaid instalments are overdue now, transferred by the incremental night
    # (the full night after it finds nothing left to transfer).
    incremental, full, compared = _incremental_then_full(after)
    assert compared["differences"] == []
    assert incremental["rolled_forward"] >= incremental["loans"] - 10
    assert incremental["overdue_transfers"] > 0 and full["overdue_transfers"] == 0
    assert PositionSnapshot.objects.filter(as_of=after, days_past_due=2).exists()


def test_a_day_without_a_complete_day_before_is_computed_in_full(cast, margin):
    generator.generate_portfolio(loans=40, seed=12, until=date(2026, 6, 30), batch_size=40)
    arrears.run_arrears(as_of=date(2026, 6, 29), offices=[cast.van_quan.pk])  # not complete

    run = arrears.run_arrears(as_of=date(2026, 6, 30))

    assert run.counts["loans"] > 0 and run.counts["rolled_forward"] == 0


def test_run_arrears_full_flag_recomputes_every_loan(cast, margin):
    generator.generate_portfolio(loans=40, seed=13, until=date(2026, 6, 29), batch_size=40)
    call_command("run_arrears", as_of="2026-06-29", stdout=io.StringIO())
    out = io.StringIO()

    call_command("run_arrears", as_of="2026-06-30", full=True, stdout=out)

    assert "'rolled_forward': 0" in out.getvalue()
    # Without --full the same night rolls the loans forward.
    call_command("run_arrears", as_of="2026-06-30", stdout=out)
    assert "'rolled_forward': 0" not in out.getvalue().splitlines()[-1]
