"""Principal schedules as the services write them (DOMAIN.md §4 "Schedule"): one version per
tranche, extension, adjustment or reversal, each kept, the one in force at D used for D.

The arithmetic itself (build_schedule, spread_tranche) is unit-tested with the position engine;
these tests check what lands in the database through disburse, extend_due_date, adjust_schedule
and reverse.
"""

from datetime import date

import pytest

from loans import services
from loans.models import Loan, ScheduleVersion
from loans.selectors import schedule_in_force
from loans.services import LoanError
from tests.conftest import approved_loan

M = 1_000_000


def rows(loan: Loan, number: int | None = None) -> list[tuple[date, int]]:
    versions = ScheduleVersion.objects.filter(loan=loan).order_by("-number")
    version = versions.get(number=number) if number else versions.first()
    return list(version.instalments.order_by("seq").values_list("due_date", "principal"))


def disbursed(loan: Loan, *, amount: int, on: date, by) -> Loan:
    services.disburse(loan, amount=amount, on=on, by=by)
    loan.refresh_from_db()
    return loan


def test_the_first_disbursement_writes_version_one(cast, household):
    loan = approved_loan(household, "HN", amount=12 * M, term=24, by=cast.alice)
    disbursed(loan, amount=12 * M, on=date(2025, 1, 10), by=cast.alice)
    version = loan.schedule_versions.get()
    assert (version.number, version.effective_from, version.reason) == (
        1,
        date(2025, 1, 10),
        "disbursement",
    )
    assert version.created_by == cast.alice
    # Due day 21 (the point's session day); months 6, 12, 18, 24; 12 m / 4 = 3 m each.
    assert rows(loan) == [
        (date(2025, 7, 21), 3 * M),
        (date(2026, 1, 21), 3 * M),
        (date(2026, 7, 21), 3 * M),
        (date(2027, 1, 21), 3 * M),
    ]
    assert list(version.instalments.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_grace_and_a_yearly_frequency(cast, household):
    loan = approved_loan(
        household, "ND28-DAT", amount=50 * M, term=180, by=cast.alice, principal_frequency_months=12
    )
    assert loan.grace_months == 60  # the programme's default grace on principal
    disbursed(loan, amount=50 * M, on=date(2024, 3, 15), by=cast.alice)
    # Months 72, 84, ..., 180: (180 - 72) / 12 + 1 = 10 instalments of 50 m / 10 = 5 m.
    schedule = rows(loan)
    assert len(schedule) == 10
    assert {principal for _due, principal in schedule} == {5 * M}
    assert (schedule[0][0], schedule[-1][0]) == (date(2030, 3, 21), date(2039, 3, 21))


def test_the_last_instalment_falls_at_the_terms_end(cast, household):
    loan = approved_loan(household, "HN", amount=10 * M, term=40, by=cast.alice, due_day=10)
    disbursed(loan, amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    # Months 6, 12, ..., 36 and 40: 7 instalments; 10 m / 7 = 1,428,571 -> 1,428,000 × 6,
    # the last 10,000,000 - 8,568,000 = 1,432,000 on 10 May 2028 (month 40).
    assert rows(loan) == [
        (date(2025, 7, 10), 1_428_000),
        (date(2026, 1, 10), 1_428_000),
        (date(2026, 7, 10), 1_428_000),
        (date(2027, 1, 10), 1_428_000),
        (date(2027, 7, 10), 1_428_000),
        (date(2028, 1, 10), 1_428_000),
        (date(2028, 5, 10), 1_432_000),
    ]


def test_a_due_day_beyond_the_month_is_clamped_to_its_last_day(cast, household):
    loan = approved_loan(
        household,
        "HN",
        amount=12 * M,
        term=4,
        by=cast.alice,
        due_day=31,
        principal_frequency_months=1,
    )
    disbursed(loan, amount=12 * M, on=date(2024, 1, 31), by=cast.alice)
    assert rows(loan) == [
        (date(2024, 2, 29), 3 * M),  # 2024 is a leap year
        (date(2024, 3, 31), 3 * M),
        (date(2024, 4, 30), 3 * M),
        (date(2024, 5, 31), 3 * M),
    ]


def test_every_tranche_writes_a_new_version_and_keeps_the_old_ones(cast, household):
    loan = approved_loan(household, "HN", amount=50 * M, term=36, by=cast.alice, due_day=10)
    disbursed(loan, amount=30 * M, on=date(2025, 1, 10), by=cast.alice)
    first = rows(loan)
    disbursed(loan, amount=10 * M, on=date(2025, 8, 1), by=cast.alice)
    disbursed(loan, amount=10 * M, on=date(2026, 7, 15), by=cast.alice)

    assert list(loan.schedule_versions.values_list("number", "effective_from")) == [
        (1, date(2025, 1, 10)),
        (2, date(2025, 8, 1)),
        (3, date(2026, 7, 15)),
    ]
    assert rows(loan, 1) == first  # never rewritten
    # Each version holds exactly the principal disbursed up to its date.
    assert [sum(p for _d, p in rows(loan, n)) for n in (1, 2, 3)] == [30 * M, 40 * M, 50 * M]
    # Tranche 2 (10 m on 1 Aug 2025) over the 5 instalments after it: 2 m each.
    # Tranche 3 (10 m on 15 Jul 2026) over the 3 after it: 3,333,000, 3,333,000, 3,334,000.
    assert rows(loan) == [
        (date(2025, 7, 10), 5 * M),
        (date(2026, 1, 10), 7 * M),
        (date(2026, 7, 10), 7 * M),
        (date(2027, 1, 10), 10_333_000),
        (date(2027, 7, 10), 10_333_000),
        (date(2028, 1, 10), 10_334_000),
    ]


def test_the_schedule_in_force_at_a_date_is_the_latest_version_by_then(cast, household):
    loan = approved_loan(household, "HN", amount=50 * M, term=36, by=cast.alice, due_day=10)
    disbursed(loan, amount=30 * M, on=date(2025, 1, 10), by=cast.alice)
    disbursed(loan, amount=20 * M, on=date(2026, 7, 15), by=cast.alice)

    def total(on: date) -> int:
        return sum(i.principal for i in schedule_in_force(loan, on))

    assert total(date(2026, 7, 14)) == 30 * M
    assert total(date(2026, 7, 15)) == 50 * M


def test_reversing_a_later_tranche_rebuilds_the_schedule_without_it(cast, household):
    loan = approved_loan(household, "HN", amount=50 * M, term=36, by=cast.alice, due_day=10)
    disbursed(loan, amount=30 * M, on=date(2025, 1, 10), by=cast.alice)
    tranche = services.disburse(loan, amount=20 * M, on=date(2026, 7, 15), by=cast.alice)
    services.reverse(tranche, reason="Giải ngân nhầm khoản vay", by=cast.alice)

    version = loan.schedule_versions.order_by("-number").first()
    assert (version.number, version.reason) == (3, "reversal")
    # In force from the first disbursement, so every past position drops the tranche too.
    assert version.effective_from == date(2025, 1, 10)
    assert rows(loan) == rows(loan, 1)
    loan.refresh_from_db()
    assert (loan.disbursed_total, loan.outstanding_principal) == (30 * M, 30 * M)


def test_an_extension_moves_one_instalment_beyond_its_date(cast, household):
    loan = approved_loan(household, "HN", amount=12 * M, term=24, by=cast.alice, due_day=10)
    disbursed(loan, amount=12 * M, on=date(2025, 1, 10), by=cast.alice)
    services.extend_due_date(
        loan,
        due_date=date(2025, 7, 10),
        new_due_date=date(2027, 4, 10),  # beyond the original term: an extension may do that
        on=date(2025, 7, 1),
        by=cast.alice,
        reason="Hộ bị mất mùa",
    )
    assert rows(loan) == [
        (date(2026, 1, 10), 3 * M),
        (date(2026, 7, 10), 3 * M),
        (date(2027, 1, 10), 3 * M),
        (date(2027, 4, 10), 3 * M),
    ]
    version = loan.schedule_versions.get(number=2)
    assert (version.reason, version.note) == ("extension", "Hộ bị mất mùa")


def test_an_adjustment_moves_instalments_within_the_term(cast, household):
    loan = approved_loan(household, "HN", amount=12 * M, term=24, by=cast.alice, due_day=10)
    disbursed(loan, amount=12 * M, on=date(2025, 1, 10), by=cast.alice)
    adjusted = [
        (date(2025, 7, 10), 1 * M),
        (date(2025, 10, 10), 2 * M),
        (date(2026, 7, 10), 6 * M),
        (date(2027, 1, 10), 3 * M),
    ]
    version = services.adjust_schedule(
        loan, rows=adjusted, on=date(2025, 6, 1), by=cast.alice, reason="Điều chỉnh kỳ hạn"
    )
    assert (version.number, version.effective_from, version.reason) == (
        2,
        date(2025, 6, 1),
        "adjustment",
    )
    assert rows(loan) == adjusted


@pytest.mark.parametrize(
    ("adjusted", "says"),
    [
        ([(date(2025, 7, 10), 6 * M), (date(2027, 1, 10), 5 * M)], "Tổng gốc"),
        ([(date(2025, 7, 10), 6 * M), (date(2027, 1, 11), 6 * M)], "gia hạn nợ"),
        ([(date(2025, 7, 10), 12 * M), (date(2027, 1, 10), 0)], "lớn hơn 0"),
    ],
    ids=["changes-total", "beyond-term", "empty-instalment"],
)
def test_it_rejects_an_adjustment_that_changes_the_total_or_the_term(
    cast, household, adjusted, says
):
    loan = approved_loan(household, "HN", amount=12 * M, term=24, by=cast.alice, due_day=10)
    disbursed(loan, amount=12 * M, on=date(2025, 1, 10), by=cast.alice)
    with pytest.raises(LoanError) as caught:
        services.adjust_schedule(
            loan, rows=adjusted, on=date(2025, 6, 1), by=cast.alice, reason="Điều chỉnh"
        )
    assert caught.value.field == "rows"
    assert says in caught.value.message
    assert loan.schedule_versions.count() == 1
