"""The incremental night's roll-forward inside PostgreSQL (tasks/jobs/rollforward_sql.py): the
rows it writes are those of a full night, to the đồng, for loans due on the day, overdue, in
grace, frozen before, and after a rate change; loans it must leave alone go to the engine."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from loans import services
from loans.models import Loan, PositionSnapshot
from programmes.models import InterestRate
from tasks.jobs import arrears, rollforward_sql
from tests.conftest import approved_loan, programme
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory
from tests.tasks.test_incremental import COLUMNS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path: PostgreSQL"),
]


@pytest.fixture(autouse=True)
def margin(settings):
    settings.REPORT_SNAPSHOT_MARGIN = timedelta(0)


@pytest.fixture
def rolled_in_sql(monkeypatch):
    """The ids each office's statement rolled forward, night by night."""
    seen: dict[date, set[int]] = {}
    original = rollforward_sql.roll_forward_in_sql

    def spy(**kwargs):
        ids, counts = original(**kwargs)
        seen.setdefault(kwargs["as_of"], set()).update(int(i) for i in ids)
        return ids, counts

    monkeypatch.setattr(rollforward_sql, "roll_forward_in_sql", spy)
    return seen


def _loan(cast, code, *, amount, term, on, due_day, category="poor", **terms) -> Loan:
    point = PointFactory(office=cast.van_quan, session_day=due_day)
    group = SavingsGroupFactory(transaction_point=point)
    borrower = BorrowerFactory(savings_group=group, household_category=category)
    loan = approved_loan(borrower, code, amount=amount, term=term, by=cast.alice,
                         due_day=due_day, **terms)  # fmt: skip
    services.disburse(loan, amount=amount, on=on, by=cast.alice)
    return loan


@pytest.fixture
def book(cast):
    """DOMAIN.md's worked examples A (grace) and B (overdue from 10 Jul 2025), a loan frozen in
    March, one frozen since 1 Jul, one whose programme's rate changed on 1 Jun for outstanding
    loans, and one whose programme's rate changes on 20 Jul."""
    b = _loan(cast, "HN", amount=50_000_000, term=36, on=date(2025, 1, 10), due_day=10,
              grace_months=0, principal_frequency_months=6)  # fmt: skip
    services.record_repayment(b, interest=279_781, on=date(2025, 2, 10), by=cast.alice)
    services.record_repayment(b, interest=253_151, on=date(2025, 3, 10), by=cast.alice)
    a = _loan(cast, "ND28-NHA", amount=40_000_000, term=180, on=date(2024, 3, 15), due_day=21,
              grace_months=60, principal_frequency_months=6)  # fmt: skip
    was_frozen = _loan(cast, "HN", amount=20_000_000, term=24, on=date(2024, 12, 5), due_day=5)
    services.freeze(was_frozen, start=date(2025, 3, 1), end=date(2025, 3, 31),
                    decision_ref="QĐ 7/2025", by=cast.alice)  # fmt: skip
    frozen = _loan(cast, "HN", amount=20_000_000, term=24, on=date(2024, 12, 6), due_day=6)
    services.freeze(frozen, start=date(2025, 7, 1), end=None, decision_ref="QĐ 8/2025",
                    by=cast.alice)  # fmt: skip
    new_rate = _loan(cast, "SXKD", amount=30_000_000, term=24, on=date(2025, 2, 3), due_day=3)
    rate_on_day = _loan(
        cast,
        "HCN",
        amount=30_000_000,
        term=24,
        on=date(2025, 2, 4),
        due_day=4,
        category="near_poor",
    )
    # 8.1%/yr from 1 Jun for outstanding SXKD loans; HCN's new rate takes effect on 20 Jul.
    InterestRate.objects.create(
        programme=programme("SXKD"),
        annual_rate=Decimal("8.1"),
        effective_from=date(2025, 6, 1),
        applies_to_outstanding=True,
    )
    InterestRate.objects.create(
        programme=programme("HCN"),
        annual_rate=Decimal("7.2"),
        effective_from=date(2025, 7, 20),
        applies_to_outstanding=True,
    )
    return {"a": a, "b": b, "was_frozen": was_frozen, "frozen": frozen, "new_rate": new_rate,
            "rate_on_day": rate_on_day}  # fmt: skip


def _rows(as_of: date) -> dict[int, tuple]:
    rows = PositionSnapshot.objects.filter(as_of=as_of).values_list(*COLUMNS)
    return {row[0]: row for row in rows}


def _incremental_equals_full(day: date) -> dict[int, tuple]:
    full = arrears.run_arrears(as_of=day, full=True)
    expected = _rows(day)
    incremental = arrears.run_arrears(as_of=day)
    assert incremental.counts["loans"] == full.counts["loans"] == len(expected)
    assert _rows(day) == expected
    return expected


def test_the_statement_rolls_the_loans_forward_exactly(book, rolled_in_sql):
    arrears.run_arrears(as_of=date(2025, 7, 8), full=True)
    for day in (date(2025, 7, 9), date(2025, 7, 10), date(2025, 7, 11), date(2025, 7, 12)):
        _incremental_equals_full(day)
    arrears.run_arrears(as_of=date(2025, 7, 19), full=True)
    rows = _incremental_equals_full(date(2025, 7, 20))
    ids = {name: loan.pk for name, loan in book.items()}

    # 10 Jul, example B's due date: the period Jun 10 – Jul 9 falls due and the first
    # instalment, 50,000,000 / 6 floored to thousands = 8,333,000, is due and unpaid: 1 day
    # past due. The new period holds 10 Jul alone: 50,000,000 × 6.6% / 365 = 9,041.1 → 9,041.
    assert ids["b"] in rolled_in_sql[date(2025, 7, 10)]
    b = PositionSnapshot.objects.get(as_of=date(2025, 7, 10), loan_id=ids["b"])
    assert (b.principal_due, b.overdue_principal, b.days_past_due) == (8_333_000, 8_333_000, 1)
    assert (b.interest_due, b.interest_accrued_not_due, b.overdue_rate_interest) == (
        1_636_439, 9_041, 0)  # fmt: skip
    # 11 Jul: an instalment fell due on 10 Jul, so the transfer to overdue is worked out by the
    # pandas path, not the statement.
    assert ids["b"] not in rolled_in_sql[date(2025, 7, 11)]
    assert ids["b"] in rolled_in_sql[date(2025, 7, 12)]

    # 20 Jul, DOMAIN.md example B from the 19 Jul row: 11 days past due; accrued 10 Jul at
    # 9,041.10 + 10 days of 41,667,000 × 6.6% / 365 = 7,534.31 and 8,333,000 × 8.58% / 365 =
    # 1,958.83, so 103,972.4 → 103,972; the overdue-rate part 10 × 1,958.83 → 19,588.
    on_20th = rolled_in_sql[date(2025, 7, 20)]
    assert ids["b"] in on_20th
    b = rows[ids["b"]]
    figures = dict(zip(COLUMNS, b, strict=True))
    assert (figures["overdue_principal"], figures["days_past_due"], figures["bucket"]) == (
        8_333_000, 11, "1-30")  # fmt: skip
    assert (figures["interest_due"], figures["interest_arrears"]) == (1_636_439, 1_103_507)
    assert (figures["interest_accrued_not_due"], figures["overdue_rate_interest"]) == (
        103_972, 19_588)  # fmt: skip
    # Example A in grace (nothing due before 2029), the loan frozen in March and the one under
    # a rate changed on 1 Jun roll forward; the loan frozen now and the programme whose rate
    # takes effect on the day are recomputed.
    assert {ids["a"], ids["was_frozen"], ids["new_rate"]} <= on_20th
    assert rows[ids["a"]][COLUMNS.index("principal_due")] == 0
    assert rows[ids["new_rate"]][COLUMNS.index("rate_micro")] == 81_000  # 8.1% in millionths
    assert not {ids["frozen"], ids["rate_on_day"]} & on_20th
    assert rows[ids["frozen"]][COLUMNS.index("status")] == "frozen"
