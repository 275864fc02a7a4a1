"""The posting services (loans/services.py): DOMAIN.md §2–§4 rules, worked examples A and B, and
the promise that a refused call leaves the ledger exactly as it was.

Interest arithmetic in the comments is DOMAIN.md §4: actual/365, one day of interest per day on the
principal outstanding at the end of that day, each period's sum rounded half-up once.
"""

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from borrowers.models import Borrower
from loans import services
from loans.models import (
    Instalment,
    Loan,
    LoanFreeze,
    LoanStatus,
    LoanTransaction,
    PostingRequest,
    ScheduleVersion,
    TransactionKind,
)
from loans.selectors import position_of
from loans.services import IdempotencyConflict, LoanError
from programmes.models import InterestRate
from tests.conftest import approved_loan, programme
from tests.factories import BorrowerFactory, PointFactory

M = 1_000_000
CACHED = [
    "status",
    "contract_rate",
    "first_disbursed_on",
    "disbursed_total",
    "principal_repaid_total",
    "written_off_total",
    "outstanding_principal",
    "interest_paid_total",
    "interest_written_off_total",
]
# Example B's daily interest: 50,000,000 × 6.6% / 365 = 9,041.0959 đồng.
B_31_DAYS = 280_274  # 9,041.0959 × 31 = 280,273.97
B_30_DAYS = 271_233  # 9,041.0959 × 30 = 271,232.88
B_28_DAYS = 253_151  # 9,041.0959 × 28 = 253,150.68


# --- helpers ---------------------------------------------------------------------------------


def ledger_state(loan: Loan) -> dict:
    """Everything a posting may touch: cached balances, journal, schedule, requests, freezes."""
    return {
        "loan": Loan.objects.filter(pk=loan.pk).values(*CACHED).get(),
        "journal": LoanTransaction.objects.filter(loan=loan).count(),
        "versions": ScheduleVersion.objects.filter(loan=loan).count(),
        "instalments": Instalment.objects.filter(loan=loan).count(),
        "requests": PostingRequest.objects.filter(loan=loan).count(),
        "freezes": LoanFreeze.objects.filter(loan=loan).count(),
    }


@contextmanager
def refused(*, field: str | None, says: str, loan: Loan | None = None):
    """The block must raise LoanError on `field` whose message contains `says`, changing nothing."""
    before = ledger_state(loan) if loan is not None else None
    loans_before = Loan.objects.count()
    with pytest.raises(LoanError) as caught:
        yield caught
    assert caught.value.field == field
    assert says in caught.value.message
    assert Loan.objects.count() == loans_before
    if loan is not None:
        assert ledger_state(loan) == before


def hn_loan(cast, borrower, *, amount: int = 50 * M, disbursed_on: date | None = None) -> Loan:
    """A poor-household (HN) loan on example B's terms: 36 months, no grace, every 6 months,
    due day 10; disbursed in full when `disbursed_on` is given."""
    loan = approved_loan(
        borrower,
        "HN",
        amount=amount,
        term=36,
        by=cast.alice,
        grace_months=0,
        principal_frequency_months=6,
        due_day=10,
    )
    if disbursed_on is not None:
        services.disburse(loan, amount=amount, on=disbursed_on, by=cast.alice)
        loan.refresh_from_db()
    return loan


def schedule(loan: Loan, number: int | None = None) -> list[tuple[date, int]]:
    versions = ScheduleVersion.objects.filter(loan=loan).order_by("-number")
    version = versions.get(number=number) if number else versions.first()
    return list(version.instalments.order_by("seq").values_list("due_date", "principal"))


def journal_matches_cache(loan: Loan) -> bool:
    loan.refresh_from_db()
    p = position_of(loan, as_of=services.today())
    return (
        p["disbursed"] == loan.disbursed_total
        and p["principal_repaid"] == loan.principal_repaid_total
        and p["written_off"] == loan.written_off_total
        and p["outstanding_principal"] == loan.outstanding_principal
        and p["interest_paid"] == loan.interest_paid_total
        and p["interest_written_off"] == loan.interest_written_off_total
    )


@pytest.fixture
def loan_b(cast, household) -> Loan:
    """DOMAIN.md worked example B: 50,000,000 đồng disbursed 10 Jan 2025 at 6.6%."""
    return hn_loan(cast, household, disbursed_on=date(2025, 1, 10))


@pytest.fixture
def near_poor(household) -> Borrower:
    return BorrowerFactory(savings_group=household.savings_group, household_category="near_poor")


# --- worked examples -------------------------------------------------------------------------


def test_worked_example_a_decree_28_housing(cast, household):
    loan = approved_loan(
        household,
        "ND28-NHA",
        amount=40 * M,
        term=180,
        by=cast.alice,
        grace_months=60,
        principal_frequency_months=6,
        due_day=21,
    )
    services.disburse(loan, amount=40 * M, on=date(2024, 3, 15), by=cast.alice)
    loan.refresh_from_db()

    assert loan.contract_rate == Decimal("3.0")
    assert loan.status == LoanStatus.ACTIVE
    rows = schedule(loan)
    # Months 66, 72, ..., 180 after March 2024: (180 - 60) / 6 = 20 instalments of 40 m / 20.
    assert len(rows) == 20
    assert {principal for _due, principal in rows} == {2 * M}
    assert rows[0][0] == date(2029, 9, 21)
    assert rows[-1][0] == date(2039, 3, 21)

    # 15 Mar – 20 Apr = 37 days × 40,000,000 × 3% / 365 = 121,643.84 -> 121,644.
    assert position_of(loan, as_of=date(2024, 4, 21))["interest_due"] == 121_644
    # + 21 Apr – 20 May = 30 days = 98,630.14 -> 98,630; 121,644 + 98,630 = 220,274.
    position = position_of(loan, as_of=date(2024, 5, 31))
    assert position["interest_due"] == 220_274
    assert position["interest_arrears"] == 220_274
    # 21 – 31 May = 11 days × 3,287.67 = 36,164.38 -> 36,164.
    assert position["interest_accrued_not_due"] == 36_164
    assert position["overdue_principal"] == 0
    assert position["days_past_due"] == 0
    assert position["outstanding_principal"] == 40 * M


def test_worked_example_b_poor_household(cast, household):
    loan = hn_loan(cast, household, disbursed_on=date(2025, 1, 10))
    assert loan.contract_rate == Decimal("6.6")
    # 50,000,000 / 6 = 8,333,333 -> 8,333,000 × 5; the last takes 50,000,000 - 41,665,000.
    assert schedule(loan) == [
        (date(2025, 7, 10), 8_333_000),
        (date(2026, 1, 10), 8_333_000),
        (date(2026, 7, 10), 8_333_000),
        (date(2027, 1, 10), 8_333_000),
        (date(2027, 7, 10), 8_333_000),
        (date(2028, 1, 10), 8_335_000),
    ]
    services.record_repayment(loan, interest=279_781, on=date(2025, 2, 10), by=cast.alice)
    services.record_repayment(loan, interest=253_151, on=date(2025, 3, 10), by=cast.alice)

    position = position_of(loan, as_of=date(2025, 7, 20))
    assert position["overdue_principal"] == 8_333_000
    # The 10 Jul instalment is the oldest one not covered: 20 Jul - 10 Jul + 1 = 11.
    assert position["days_past_due"] == 11
    # Periods due 10 Feb .. 10 Jul: 31, 28, 31, 30, 31, 30 days on 50 m, all at 6.6% =
    # 280,274 + 253,151 + 280,274 + 271,233 + 280,274 + 271,233 = 1,636,439.
    assert position["interest_due"] == 1_636_439
    # 1,636,439 - (279,781 + 253,151) = 1,103,507.
    assert position["interest_arrears"] == 1_103_507
    # 10 Jul: 50 m × 6.6; 11–20 Jul: 41,667,000 × 6.6 + 8,333,000 × 8.58, per day, /36,500:
    # (330,000,000 + 2,750,022,000 + 714,971,400) / 36,500 = 103,972.42 -> 103,972.
    assert position["interest_accrued_not_due"] == 103_972
    # 714,971,400 / 36,500 = 19,588.26 -> 19,588.
    assert position["overdue_rate_interest"] == 19_588
    assert position["bucket"] == "1-30"


# --- create_loan -----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1_000_000])
def test_it_rejects_a_loan_amount_that_is_not_positive(cast, household, amount):
    with refused(field="amount", says="lớn hơn 0"):
        hn_loan(cast, household, amount=amount)


def test_it_rejects_a_loan_above_the_programme_cap(cast, household):
    with refused(field="amount", says="tối đa 100.000.000"):
        hn_loan(cast, household, amount=100 * M + 1)
    assert hn_loan(cast, household, amount=100 * M).approved_amount == 100 * M


def test_it_rejects_a_loan_above_the_purpose_cap(cast, household):
    land = programme("ND28-SX").purposes.get(code="land")
    with refused(field="amount", says="77.500.000"):
        approved_loan(
            household, "ND28-SX", amount=77_500_001, term=120, by=cast.alice, purpose=land
        )
    loan = approved_loan(
        household, "ND28-SX", amount=77_500_000, term=120, by=cast.alice, purpose=land
    )
    assert loan.purpose == land


def test_it_applies_the_cap_to_the_households_open_loans_together(cast, household):
    hn_loan(cast, household, amount=50 * M)
    hn_loan(cast, household, amount=30 * M)
    # 50 m + 30 m held: only 20 m of the 100 m household cap is left.
    with refused(field="amount", says="80.000.000 đồng đang vay"):
        hn_loan(cast, household, amount=20 * M + 1)
    hn_loan(cast, household, amount=20 * M)


def test_it_rejects_a_term_above_the_programme_maximum(cast, household):
    with refused(field="term_months", says="tối đa của chương trình là 120 tháng"):
        approved_loan(household, "HN", amount=10 * M, term=121, by=cast.alice)


@pytest.mark.parametrize(
    ("code", "term", "grace", "says"),
    [("HN", 60, 13, "12 tháng"), ("ND28-NHA", 180, 61, "60 tháng")],
)
def test_it_rejects_a_grace_above_the_programme_maximum(cast, household, code, term, grace, says):
    with refused(field="grace_months", says=says):
        approved_loan(household, code, amount=10 * M, term=term, by=cast.alice, grace_months=grace)


@pytest.mark.parametrize("code", ["HN", "ND28-NHA"])
def test_it_rejects_a_household_outside_the_programmes_categories(cast, near_poor, code):
    # HN lends to poor households only; every Decree 28 household line needs a poor household.
    with refused(field="borrower", says=f"không thuộc đối tượng của chương trình {code}"):
        approved_loan(near_poor, code, amount=10 * M, term=60, by=cast.alice)


def test_a_near_poor_household_may_borrow_under_the_near_poor_programme(cast, near_poor):
    loan = approved_loan(near_poor, "HCN", amount=10 * M, term=60, by=cast.alice)
    assert loan.status == LoanStatus.APPROVED


def test_it_requires_the_approved_list_for_decree_28(cast, household):
    with refused(field="approved_list_ref", says="Nghị định 28/2022"):
        approved_loan(
            household, "ND28-NHA", amount=40 * M, term=180, by=cast.alice, approved_list_ref=" "
        )


def test_it_allows_only_one_of_production_land_or_job_change(cast, household):
    sx = programme("ND28-SX")
    approved_loan(
        household,
        "ND28-SX",
        amount=30 * M,
        term=120,
        by=cast.alice,
        purpose=sx.purposes.get(code="land"),
    )
    # 30 m + 20 m is within the 100 m cap: only the one-of rule refuses the second loan.
    with refused(field="programme", says="chỉ được vay một trong"):
        approved_loan(
            household,
            "ND28-SX",
            amount=20 * M,
            term=120,
            by=cast.alice,
            purpose=sx.purposes.get(code="job_change"),
        )


def test_it_requires_a_savings_group_for_an_entrusted_programme(cast):
    point = PointFactory(office=cast.van_quan)
    loner = BorrowerFactory(savings_group=None, transaction_point=point, office=cast.van_quan)
    with refused(field="borrower", says="tổ TK&VV"):
        approved_loan(loner, "HN", amount=10 * M, term=60, by=cast.alice)
    # Social housing is lent directly, without a group.
    direct = approved_loan(loner, "NOXH", amount=500 * M, term=300, by=cast.alice)
    assert direct.savings_group is None


def test_it_rejects_an_approval_dated_in_the_future(cast, household):
    tomorrow = services.today() + timedelta(days=1)
    with refused(field="approved_on", says="sau ngày hôm nay"):
        approved_loan(household, "HN", amount=10 * M, term=60, by=cast.alice, approved_on=tomorrow)


def test_a_new_loan_is_approved_with_the_points_session_day_and_no_money(cast, household):
    loan = approved_loan(household, "HN", amount=10 * M, term=60, by=cast.alice)
    assert loan.due_day == 21  # the household's transaction point meets on the 21st
    assert loan.office == cast.van_quan
    assert loan.savings_group == household.savings_group
    assert (loan.disbursed_total, loan.outstanding_principal, loan.contract_rate) == (0, 0, None)
    assert not loan.schedule_versions.exists()


# --- disburse --------------------------------------------------------------------------------


def test_it_rejects_tranches_above_the_approved_amount(cast, household):
    loan = hn_loan(cast, household)
    services.disburse(loan, amount=30 * M, on=date(2025, 1, 10), by=cast.alice)
    with refused(field="amount", says="20.000.000", loan=loan):
        services.disburse(loan, amount=20 * M + 1, on=date(2025, 2, 10), by=cast.alice)
    services.disburse(loan, amount=20 * M, on=date(2025, 2, 10), by=cast.alice)
    loan.refresh_from_db()
    assert loan.disbursed_total == loan.outstanding_principal == 50 * M


@pytest.mark.parametrize("amount", [0, -5])
def test_it_rejects_a_disbursement_that_is_not_positive(cast, household, amount):
    loan = hn_loan(cast, household)
    with refused(field="amount", says="lớn hơn 0", loan=loan):
        services.disburse(loan, amount=amount, on=date(2025, 1, 10), by=cast.alice)


def test_it_rejects_a_disbursement_dated_in_the_future(cast, household):
    loan = hn_loan(cast, household)
    with refused(field="value_date", says="sau ngày hôm nay", loan=loan):
        services.disburse(
            loan, amount=10 * M, on=services.today() + timedelta(days=1), by=cast.alice
        )


def test_it_rejects_a_disbursement_before_the_approval(cast, household):
    loan = approved_loan(
        household, "HN", amount=10 * M, term=60, by=cast.alice, approved_on=date(2025, 1, 5)
    )
    with refused(field="value_date", says="trước ngày phê duyệt", loan=loan):
        services.disburse(loan, amount=10 * M, on=date(2025, 1, 4), by=cast.alice)


def test_the_first_disbursement_fixes_the_rate_in_force_that_day(cast, household):
    InterestRate.objects.create(
        programme=programme("HN"),
        annual_rate=Decimal("7.2"),
        effective_from=date(2025, 6, 1),
        note="Test: a later rate for new loans only.",
    )
    before = hn_loan(cast, household, disbursed_on=date(2025, 5, 31))
    after = hn_loan(cast, household, disbursed_on=date(2025, 6, 1))
    assert before.contract_rate == Decimal("6.6")
    assert after.contract_rate == Decimal("7.2")
    # The position engine charges each loan its own contract rate:
    # 31 May – 9 Jun = 10 days × 50 m × 6.6% / 365 = 90,410.96 -> 90,411;
    assert position_of(before, as_of=date(2025, 6, 10))["interest_due"] == 90_411
    # 1 Jun – 9 Jul = 39 days × 50 m × 7.2% / 365 = 384,657.53 -> 384,658.
    assert position_of(after, as_of=date(2025, 7, 10))["interest_due"] == 384_658
    # The old loan keeps 6.6% after 1 Jun (the change does not apply to outstanding loans):
    # 90,411 + 10 Jun – 9 Jul 30 days at 6.6% (271,233) = 361,644.
    assert position_of(before, as_of=date(2025, 7, 10))["interest_due"] == 90_411 + B_30_DAYS


def test_a_category_rate_wins_over_the_programmes_general_rate(cast, household):
    # ND28-CGT: 3.3% for poor households, 3.96% for the others.
    loan = approved_loan(
        household, "ND28-CGT", amount=50 * M, term=60, by=cast.alice, approved_list_ref=""
    )
    services.disburse(loan, amount=50 * M, on=date(2025, 1, 10), by=cast.alice)
    loan.refresh_from_db()
    assert loan.contract_rate == Decimal("3.3")


def test_a_later_tranche_is_spread_over_the_instalments_after_its_date(cast, household):
    loan = hn_loan(cast, household)
    services.disburse(loan, amount=30 * M, on=date(2025, 1, 10), by=cast.alice)
    # 30 m / 6 = 5,000,000 on 10 Jul 2025 ... 10 Jan 2028.
    assert {principal for _due, principal in schedule(loan, 1)} == {5 * M}
    services.disburse(loan, amount=20 * M, on=date(2026, 7, 15), by=cast.alice)

    version = loan.schedule_versions.get(number=2)
    assert (version.effective_from, version.reason) == (date(2026, 7, 15), "disbursement")
    # Three instalments fall after 15 Jul 2026: 20 m / 3 = 6,666,666 -> 6,666,000, 6,666,000,
    # and the last 20,000,000 - 13,332,000 = 6,668,000, each added to the 5 m already there.
    assert schedule(loan, 2) == [
        (date(2025, 7, 10), 5 * M),
        (date(2026, 1, 10), 5 * M),
        (date(2026, 7, 10), 5 * M),
        (date(2027, 1, 10), 11_666_000),
        (date(2027, 7, 10), 11_666_000),
        (date(2028, 1, 10), 11_668_000),
    ]
    # Version 1 is kept, so positions before the tranche still use it.
    assert sum(principal for _due, principal in schedule(loan, 1)) == 30 * M
    assert position_of(loan, as_of=date(2026, 7, 14))["disbursed"] == 30 * M


def test_it_rejects_a_tranche_after_the_last_instalment(cast, household):
    loan = approved_loan(
        household, "HN", amount=10 * M, term=12, by=cast.alice, principal_frequency_months=12
    )
    services.disburse(loan, amount=5 * M, on=date(2025, 1, 10), by=cast.alice)
    # The only instalment falls on 21 Jan 2026; a tranche on that day has nothing to spread over.
    with refused(field="value_date", says="Không còn kỳ trả gốc", loan=loan):
        services.disburse(loan, amount=5 * M, on=date(2026, 1, 21), by=cast.alice)


def test_it_rejects_a_disbursement_of_a_closed_loan(cast, household):
    loan = hn_loan(cast, household, amount=2 * M)
    services.disburse(loan, amount=1 * M, on=date(2025, 1, 10), by=cast.alice)
    # Repaid the same day: the balance at the end of the day is 0, so no interest is owed.
    services.record_repayment(loan, principal=1 * M, on=date(2025, 1, 10), by=cast.alice)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLOSED
    with refused(field=None, says="đã tất toán", loan=loan):
        services.disburse(loan, amount=1 * M, on=date(2025, 1, 11), by=cast.alice)


# --- record_repayment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"amount": 0}, "amount", "lớn hơn 0"),
        ({"amount": -1}, "amount", "lớn hơn 0"),
        ({"principal": 0, "interest": 0}, "principal", "lớn hơn 0"),
        ({"principal": -1000}, "principal", "không âm"),
        ({"interest": -1}, "interest", "không âm"),
        ({"amount": 1000, "principal": 1000}, "amount", "không nhập cả hai"),
    ],
)
def test_it_rejects_invalid_repayment_amounts(cast, loan_b, given, field, says):
    with refused(field=field, says=says, loan=loan_b):
        services.record_repayment(loan_b, on=date(2025, 3, 10), by=cast.alice, **given)


def test_it_rejects_principal_above_the_outstanding(cast, loan_b):
    with refused(field="principal", says="lớn hơn dư nợ (50.000.000", loan=loan_b):
        services.record_repayment(loan_b, principal=50 * M + 1, on=date(2025, 3, 10), by=cast.alice)


def test_it_rejects_interest_above_the_interest_owed(cast, loan_b):
    # Owed on 10 Mar 2025: due 10 Feb (31 days) 280,274 + due 10 Mar (28 days) 253,151
    # + 10 Mar itself accrued (1 day, 9,041.10 -> 9,041) = 542,466.
    with refused(field="interest", says="542.466", loan=loan_b):
        services.record_repayment(loan_b, interest=542_467, on=date(2025, 3, 10), by=cast.alice)
    services.record_repayment(loan_b, interest=542_466, on=date(2025, 3, 10), by=cast.alice)


def test_it_rejects_a_total_above_everything_owed(cast, loan_b):
    # A total pays interest due (533,425) and principal (50 m); accrued interest is not yet due.
    with refused(field="amount", says="50.533.425", loan=loan_b):
        services.record_repayment(
            loan_b, amount=50 * M + 280_274 + 253_151 + 1, on=date(2025, 3, 10), by=cast.alice
        )


def test_it_rejects_a_repayment_before_the_disbursement(cast, loan_b):
    with refused(
        field="value_date", says="trước ngày giải ngân đầu tiên (10/01/2025)", loan=loan_b
    ):
        services.record_repayment(loan_b, principal=1 * M, on=date(2025, 1, 9), by=cast.alice)


def test_it_rejects_a_repayment_dated_after_today(cast, loan_b):
    tomorrow = services.today() + timedelta(days=1)
    with refused(field="value_date", says="sau ngày hôm nay", loan=loan_b):
        services.record_repayment(loan_b, principal=1 * M, on=tomorrow, by=cast.alice)


def test_it_rejects_a_repayment_of_a_loan_not_yet_disbursed(cast, household):
    loan = hn_loan(cast, household)
    with refused(field=None, says="chưa giải ngân", loan=loan) as caught:
        services.record_repayment(loan, principal=1 * M, on=date(2025, 3, 10), by=cast.alice)
    assert caught.value.code == "loan_state"


def test_it_rejects_a_repayment_of_a_frozen_loan(cast, loan_b):
    services.freeze(loan_b, start=date(2025, 3, 1), end=None, decision_ref="QĐ 7", by=cast.alice)
    with refused(field=None, says="khoanh nợ", loan=loan_b) as caught:
        services.record_repayment(loan_b, interest=1000, on=date(2025, 3, 10), by=cast.alice)
    assert caught.value.code == "loan_state"


def test_it_rejects_a_repayment_of_a_written_off_loan(cast, loan_b):
    services.write_off(loan_b, on=date(2025, 6, 10), by=cast.alice, reason="QĐ xóa nợ 12")
    with refused(field=None, says="xóa nợ", loan=loan_b) as caught:
        services.record_repayment(loan_b, interest=1000, on=date(2025, 6, 10), by=cast.alice)
    assert caught.value.code == "loan_state"


def test_it_rejects_a_repayment_of_a_closed_loan(cast, loan_b):
    services.record_repayment(
        loan_b, principal=50 * M, interest=B_31_DAYS, on=date(2025, 2, 10), by=cast.alice
    )
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.CLOSED
    with refused(field=None, says="đã tất toán", loan=loan_b) as caught:
        services.record_repayment(loan_b, interest=1000, on=date(2025, 2, 10), by=cast.alice)
    assert caught.value.code == "loan_state"


def test_a_total_pays_interest_arrears_first_then_the_oldest_principal(cast, loan_b):
    services.record_repayment(loan_b, interest=279_781, on=date(2025, 2, 10), by=cast.alice)
    services.record_repayment(loan_b, interest=253_151, on=date(2025, 3, 10), by=cast.alice)
    # Example B on 20 Jul 2025: interest arrears 1,103,507 and overdue principal 8,333,000.
    entries = services.record_repayment(loan_b, amount=10 * M, on=date(2025, 7, 20), by=cast.alice)
    # 10,000,000 - 1,103,507 = 8,896,493 of principal: covers the overdue 8,333,000 first.
    assert {(e.kind, e.amount) for e in entries} == {
        (TransactionKind.INTEREST_PAYMENT, 1_103_507),
        (TransactionKind.PRINCIPAL_REPAYMENT, 8_896_493),
    }
    position = position_of(loan_b, as_of=date(2025, 7, 20))
    assert position["interest_arrears"] == 0
    assert position["overdue_principal"] == 0
    assert position["days_past_due"] == 0
    assert position["outstanding_principal"] == 50 * M - 8_896_493
    # 8,896,493 - 8,333,000 = 563,493 goes to the next instalment (10 Jan 2026):
    # on 11 Jan 2026 that one is overdue by 8,333,000 - 563,493 = 7,769,507.
    later = position_of(loan_b, as_of=date(2026, 1, 11))
    assert (later["overdue_principal"], later["days_past_due"]) == (7_769_507, 2)


def test_a_total_smaller_than_the_interest_arrears_pays_interest_only(cast, loan_b):
    entries = services.record_repayment(loan_b, amount=100_000, on=date(2025, 3, 10), by=cast.alice)
    assert [(e.kind, e.amount) for e in entries] == [(TransactionKind.INTEREST_PAYMENT, 100_000)]


def test_paying_everything_closes_the_loan(cast, loan_b):
    services.record_repayment(loan_b, interest=B_31_DAYS, on=date(2025, 2, 10), by=cast.alice)
    # Repaid on 20 Feb, the principal earns interest 10–19 Feb only (the balance at the end of
    # 20 Feb is 0): 10 days × 9,041.0959 = 90,410.96 -> 90,411.
    services.record_repayment(
        loan_b, principal=50 * M, interest=90_411, on=date(2025, 2, 20), by=cast.alice
    )
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.CLOSED
    assert loan_b.outstanding_principal == 0
    for as_of in (date(2025, 2, 20), date(2025, 3, 10), date(2026, 1, 1)):
        position = position_of(loan_b, as_of=as_of)
        assert position["status"] == "closed"
        assert position["interest_due"] + position["interest_accrued_not_due"] == (
            B_31_DAYS + 90_411
        )
    assert journal_matches_cache(loan_b)


def test_it_rejects_interest_for_the_day_the_principal_is_repaid(cast, loan_b):
    # Owed before the posting would be 11 days (99,452), but the principal repaid on 20 Feb
    # earns nothing that day, so only 10 days (90,411) are owed with it.
    services.record_repayment(loan_b, interest=B_31_DAYS, on=date(2025, 2, 10), by=cast.alice)
    with refused(field="interest", says="90.411", loan=loan_b):
        services.record_repayment(
            loan_b, principal=50 * M, interest=99_452, on=date(2025, 2, 20), by=cast.alice
        )


def test_repaying_principal_without_the_interest_owed_leaves_the_loan_open(cast, loan_b):
    services.record_repayment(loan_b, principal=50 * M, on=date(2025, 2, 10), by=cast.alice)
    loan_b.refresh_from_db()
    assert loan_b.outstanding_principal == 0
    assert loan_b.status == LoanStatus.ACTIVE
    # Paying the interest due on 10 Feb (31 days) afterwards settles it.
    services.record_repayment(loan_b, interest=B_31_DAYS, on=date(2025, 2, 11), by=cast.alice)
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.CLOSED


# --- reverse ---------------------------------------------------------------------------------


def test_a_reversal_needs_a_reason(cast, loan_b):
    entry = loan_b.transactions.get()
    with refused(field="reason", says="lý do", loan=loan_b):
        services.reverse(entry, reason="  ", by=cast.alice)


def test_an_entry_is_reversed_at_most_once(cast, loan_b):
    (entry,) = services.record_repayment(
        loan_b, principal=1 * M, on=date(2025, 3, 10), by=cast.alice
    )
    reversal = services.reverse(entry, reason="Nhập nhầm số tiền", by=cast.alice)
    with refused(field="transaction", says="đã được hủy", loan=loan_b):
        services.reverse(entry, reason="Lần nữa", by=cast.alice)
    with refused(field="transaction", says="không hủy được", loan=loan_b):
        services.reverse(reversal, reason="Hủy bút toán hủy", by=cast.alice)


def test_the_database_refuses_a_second_reversal_of_one_entry(cast, loan_b):
    (entry,) = services.record_repayment(
        loan_b, principal=1 * M, on=date(2025, 3, 10), by=cast.alice
    )
    services.reverse(entry, reason="Nhập nhầm", by=cast.alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanTransaction.objects.create(
            loan=loan_b,
            kind=TransactionKind.REVERSAL,
            amount=entry.amount,
            value_date=entry.value_date,
            office=loan_b.office,
            reverses=entry,
        )


def test_reversing_a_repayment_restores_the_balance(cast, loan_b):
    (entry,) = services.record_repayment(
        loan_b, principal=5 * M, on=date(2025, 3, 10), by=cast.alice
    )
    loan_b.refresh_from_db()
    assert loan_b.outstanding_principal == 45 * M
    reversal = services.reverse(entry, reason="Nhập nhầm khoản vay", by=cast.alice)

    assert (reversal.kind, reversal.reverses, reversal.note) == (
        TransactionKind.REVERSAL,
        entry,
        "Nhập nhầm khoản vay",
    )
    assert reversal.value_date == entry.value_date  # positions as of any date exclude both
    loan_b.refresh_from_db()
    assert (loan_b.outstanding_principal, loan_b.principal_repaid_total) == (50 * M, 0)
    position = position_of(loan_b, as_of=date(2025, 3, 10))
    assert (position["outstanding_principal"], position["principal_repaid"]) == (50 * M, 0)
    assert journal_matches_cache(loan_b)


def test_reversing_the_closing_repayment_reopens_the_loan(cast, loan_b):
    (principal,) = services.record_repayment(
        loan_b, principal=50 * M, on=date(2025, 1, 10), by=cast.alice
    )
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.CLOSED
    services.reverse(principal, reason="Nhầm", by=cast.alice)
    loan_b.refresh_from_db()
    assert (loan_b.status, loan_b.outstanding_principal) == (LoanStatus.ACTIVE, 50 * M)


def test_reversing_the_only_disbursement_returns_the_loan_to_approved(cast, loan_b):
    services.reverse(loan_b.transactions.get(), reason="Giải ngân nhầm ngày", by=cast.alice)
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.APPROVED
    assert (loan_b.first_disbursed_on, loan_b.contract_rate) == (None, None)
    assert (loan_b.disbursed_total, loan_b.outstanding_principal) == (0, 0)
    assert schedule(loan_b) == []  # a new, empty schedule version; version 1 is kept
    assert position_of(loan_b, as_of=date(2025, 7, 20))["status"] == "not_disbursed"
    # It can then be disbursed again, on the right day, with a new schedule.
    services.disburse(loan_b, amount=50 * M, on=date(2025, 1, 15), by=cast.alice)
    loan_b.refresh_from_db()
    assert loan_b.first_disbursed_on == date(2025, 1, 15)
    assert schedule(loan_b)[0] == (date(2025, 7, 10), 8_333_000)


def test_a_disbursement_with_interest_paid_on_it_cannot_be_reversed(cast, loan_b):
    services.record_repayment(loan_b, interest=100_000, on=date(2025, 2, 10), by=cast.alice)
    with refused(field="transaction", says="thu lãi", loan=loan_b):
        services.reverse(
            loan_b.transactions.get(kind=TransactionKind.DISBURSEMENT), reason="Nhầm", by=cast.alice
        )


def test_a_disbursement_with_principal_repaid_on_it_cannot_be_reversed(cast, loan_b):
    services.record_repayment(loan_b, principal=1 * M, on=date(2025, 2, 10), by=cast.alice)
    with refused(field="transaction", says="Không hủy được", loan=loan_b):
        services.reverse(
            loan_b.transactions.get(kind=TransactionKind.DISBURSEMENT), reason="Nhầm", by=cast.alice
        )


# --- extend_due_date -------------------------------------------------------------------------


def test_an_extension_applies_from_its_decision_date_only(cast, loan_b):
    version = services.extend_due_date(
        loan_b,
        due_date=date(2025, 7, 10),
        new_due_date=date(2025, 10, 10),
        on=date(2025, 8, 1),
        by=cast.alice,
        reason="Thiên tai, hộ gặp khó khăn",
    )
    assert (version.number, version.effective_from, version.reason) == (
        2,
        date(2025, 8, 1),
        "extension",
    )
    assert schedule(loan_b, 2)[0] == (date(2025, 10, 10), 8_333_000)
    assert schedule(loan_b, 1)[0] == (date(2025, 7, 10), 8_333_000)  # the old version is kept

    # Before the decision the old schedule is in force: overdue since 11 Jul.
    before = position_of(loan_b, as_of=date(2025, 7, 31))
    assert (before["overdue_principal"], before["days_past_due"]) == (8_333_000, 22)
    for as_of in (date(2025, 8, 1), date(2025, 10, 9)):
        after = position_of(loan_b, as_of=as_of)
        assert (after["overdue_principal"], after["days_past_due"]) == (0, 0)
    # ... until the new due date comes unpaid (due on D counts in principal_due at D).
    late = position_of(loan_b, as_of=date(2025, 10, 11))
    assert (late["overdue_principal"], late["days_past_due"]) == (8_333_000, 2)


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"reason": " "}, "reason", "lý do"),
        ({"due_date": date(2025, 7, 11)}, "due_date", "Không có kỳ"),
        ({"new_due_date": date(2025, 7, 10)}, "new_due_date", "phải sau"),
    ],
)
def test_it_rejects_an_invalid_extension(cast, loan_b, change, field, says):
    args = {
        "due_date": date(2025, 7, 10),
        "new_due_date": date(2025, 10, 10),
        "on": date(2025, 8, 1),
        "reason": "Thiên tai",
    } | change
    with refused(field=field, says=says, loan=loan_b):
        services.extend_due_date(loan_b, by=cast.alice, **args)


# --- freeze and write-off --------------------------------------------------------------------


def test_no_interest_accrues_while_a_loan_is_frozen(cast, household):
    frozen = hn_loan(cast, household, disbursed_on=date(2025, 1, 10))
    normal = hn_loan(cast, household, disbursed_on=date(2025, 1, 10))
    # Frozen for the whole period 10 Feb – 9 Mar (28 days), then accruing again.
    services.freeze(
        frozen, start=date(2025, 2, 10), end=date(2025, 3, 9), decision_ref="QĐ 5", by=cast.alice
    )
    frozen.refresh_from_db()
    assert frozen.status == LoanStatus.ACTIVE  # the freeze is over
    as_of = date(2025, 4, 10)
    # Unfrozen: 280,274 + 253,151 + 280,274 = 813,699; frozen: the 10 Mar period is 0.
    assert position_of(normal, as_of=as_of)["interest_due"] == 813_699
    assert position_of(frozen, as_of=as_of)["interest_due"] == 813_699 - B_28_DAYS


def test_a_partial_freeze_takes_off_exactly_the_frozen_days(cast, household):
    frozen = hn_loan(cast, household, disbursed_on=date(2025, 1, 10))
    # 20 Feb – 1 Mar = 10 frozen days of the 28-day period due 10 Mar:
    # 18 days accrue = 162,739.73 -> 162,740, that is 253,151 - 90,411 (10 days, 90,410.96).
    services.freeze(
        frozen, start=date(2025, 2, 20), end=date(2025, 3, 1), decision_ref="QĐ 6", by=cast.alice
    )
    position = position_of(frozen, as_of=date(2025, 3, 10))
    assert position["interest_due"] == B_31_DAYS + B_28_DAYS - 90_411


def test_postings_are_refused_while_frozen_and_accepted_after_unfreezing(cast, loan_b):
    services.freeze(loan_b, start=date(2025, 3, 1), end=None, decision_ref="QĐ 7", by=cast.alice)
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.FROZEN
    with refused(field=None, says="khoanh nợ", loan=loan_b):
        services.disburse(loan_b, amount=1 * M, on=date(2025, 3, 2), by=cast.alice)
    with refused(field=None, says="khoanh nợ", loan=loan_b):
        services.freeze(
            loan_b, start=date(2025, 3, 2), end=None, decision_ref="QĐ 8", by=cast.alice
        )
    services.unfreeze(loan_b, on=date(2025, 4, 30), by=cast.alice)
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.ACTIVE
    services.record_repayment(loan_b, principal=1 * M, on=date(2025, 5, 2), by=cast.alice)
    # Nothing accrued 1 Mar – 30 Apr: the period due 10 Mar has 19 days (10 Feb – 28 Feb),
    # 19 × 9,041.0959 = 171,780.82 -> 171,781; the period due 10 Apr is 0.
    position = position_of(loan_b, as_of=date(2025, 4, 10))
    assert position["interest_due"] == B_31_DAYS + 171_781


@pytest.mark.parametrize(
    ("start", "end", "ref", "field", "says"),
    [
        (date(2025, 3, 1), None, " ", "decision_ref", "quyết định"),
        (date(2025, 3, 1), date(2028, 3, 10), "QĐ 1", "end", "3 năm"),
        (date(2025, 1, 9), None, "QĐ 1", "value_date", "trước ngày giải ngân"),
    ],
)
def test_it_rejects_an_invalid_freeze(cast, loan_b, start, end, ref, field, says):
    with refused(field=field, says=says, loan=loan_b):
        services.freeze(loan_b, start=start, end=end, decision_ref=ref, by=cast.alice)


def test_a_write_off_clears_principal_and_interest(cast, loan_b):
    entries = services.write_off(loan_b, on=date(2025, 6, 10), by=cast.alice, reason="QĐ 12/2025")
    # Interest due 10 Feb – 10 Jun: 280,274 + 253,151 + 280,274 + 271,233 + 280,274 = 1,365,206;
    # nothing accrues on 10 Jun itself, the principal being written off that day.
    assert [(e.kind, e.amount) for e in entries] == [
        (TransactionKind.WRITE_OFF, 50 * M),
        (TransactionKind.INTEREST_WRITE_OFF, 1_365_206),
    ]
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.WRITTEN_OFF
    assert (loan_b.written_off_total, loan_b.interest_written_off_total) == (50 * M, 1_365_206)
    assert loan_b.outstanding_principal == 0
    position = position_of(loan_b, as_of=date(2025, 12, 31))
    assert position["status"] == "written_off"
    assert (position["interest_arrears"], position["interest_accrued_not_due"]) == (0, 0)
    assert journal_matches_cache(loan_b)


def test_a_write_off_needs_its_basis(cast, loan_b):
    with refused(field="reason", says="căn cứ", loan=loan_b):
        services.write_off(loan_b, on=date(2025, 6, 10), by=cast.alice, reason="")


def test_reversing_a_write_off_reactivates_the_loan(cast, loan_b):
    principal, _interest = services.write_off(
        loan_b, on=date(2025, 6, 10), by=cast.alice, reason="QĐ 12/2025"
    )
    services.reverse(principal, reason="Quyết định bị hủy", by=cast.alice)
    loan_b.refresh_from_db()
    assert (loan_b.status, loan_b.outstanding_principal) == (LoanStatus.ACTIVE, 50 * M)


# --- idempotency -----------------------------------------------------------------------------


def test_a_replayed_repayment_posts_once_and_returns_the_same_entries(cast, loan_b):
    first = services.record_repayment(
        loan_b, key="k1", principal=1 * M, interest=100_000, on=date(2025, 3, 10), by=cast.alice
    )
    after_first = ledger_state(loan_b)
    again = services.record_repayment(
        loan_b, key="k1", principal=1 * M, interest=100_000, on=date(2025, 3, 10), by=cast.alice
    )
    assert again == first
    assert ledger_state(loan_b) == after_first
    assert loan_b.transactions.filter(request__key="k1").count() == 2


def test_a_replayed_single_entry_repayment_is_still_a_list(cast, loan_b):
    first = services.record_repayment(
        loan_b, key="k1", interest=100_000, on=date(2025, 3, 10), by=cast.alice
    )
    again = services.record_repayment(
        loan_b, key="k1", interest=100_000, on=date(2025, 3, 10), by=cast.alice
    )
    assert isinstance(first, list)
    assert again == first


def test_a_replayed_disbursement_returns_the_same_entry(cast, household):
    loan = hn_loan(cast, household)
    first = services.disburse(loan, key="d1", amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    again = services.disburse(loan, key="d1", amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    assert again == first
    loan.refresh_from_db()
    assert loan.disbursed_total == 10 * M


def test_the_same_key_with_other_arguments_is_a_conflict(cast, household, loan_b):
    services.record_repayment(
        loan_b, key="k1", interest=100_000, on=date(2025, 3, 10), by=cast.alice
    )
    with refused(field=None, says="Khóa chống trùng", loan=loan_b) as caught:
        services.record_repayment(
            loan_b, key="k1", interest=100_001, on=date(2025, 3, 10), by=cast.alice
        )
    assert isinstance(caught.value, IdempotencyConflict)
    other = hn_loan(cast, household, amount=10 * M, disbursed_on=date(2025, 1, 10))
    with refused(field=None, says="Khóa chống trùng", loan=other):
        services.record_repayment(
            other, key="k1", interest=100_000, on=date(2025, 3, 10), by=cast.alice
        )


def test_a_refused_request_does_not_use_up_its_key(cast, loan_b):
    with refused(field="principal", says="dư nợ", loan=loan_b):
        services.record_repayment(
            loan_b, key="k1", principal=60 * M, on=date(2025, 3, 10), by=cast.alice
        )
    (entry,) = services.record_repayment(
        loan_b, key="k1", principal=6 * M, on=date(2025, 3, 10), by=cast.alice
    )
    assert entry.request.key == "k1"
