"""The take-on of a 50-loan book: positions at C equal the file, 45 days later by hand."""

from datetime import date, timedelta

import pytest

from core.money import round_half_up_div
from loans.models import Loan, LoanTransaction
from loans.reconciliation.models import Discrepancy
from loans.savings.models import SavingsAccount, SavingsTransaction
from loans.selectors import position_of
from loans.services.errors import LoanError
from loans.services.reversal import reverse
from loans.takeon.services import import_book
from tasks.jobs import reconciliation
from tests.factories import SavingsGroupFactory

from . import book

pytestmark = pytest.mark.django_db
C = book.AS_OF
LATER = C + timedelta(days=45)  # 3 Sep 2025


@pytest.fixture
def group(cast):
    return SavingsGroupFactory(code="T-TAKEON", transaction_point__office=cast.van_quan)


@pytest.fixture
def imported(group, cast):
    report = import_book(
        book.as_file(book.fifty("T-TAKEON")), as_of=C, dry_run=False, by=cast.carol
    )
    assert report.errors == [] and report.mismatches == []
    return report


def test_fifty_loans_import_and_their_positions_at_c_equal_the_file(imported):
    assert (imported.households, imported.loans, imported.posted) == (50, 50, True)
    # Savings: every fifth household, the i-th with i × 100,000 đồng (0 for the first).
    assert imported.savings == 10
    balances = dict(SavingsAccount.objects.values_list("borrower__national_id", "balance"))
    assert sum(balances.values()) == sum(i * 100_000 for i in range(0, 50, 5)) == 22_500_000
    assert SavingsTransaction.objects.filter(kind="opening_balance", value_date=C).count() == 9
    assert Loan.objects.count() == 50
    # The import checked itself; check again here, loan by loan, against the file's rows.
    rows = {r[0]: r for r in book.fifty("T-TAKEON")["loans"]}
    for loan in Loan.objects.all():
        position = position_of(loan, as_of=C)
        row = rows[loan.contract_number]
        assert position["outstanding_principal"] == int(str(row[13]).replace(".", ""))
        assert position["interest_arrears"] == int(str(row[14]).replace(".", ""))
        assert position["interest_accrued_not_due"] == int(row[15])
        assert position["overdue_rate_interest"] == int(row[16])


def test_example_b_45_days_later(imported):
    position = position_of(Loan.objects.get(contract_number="B-001"), as_of=LATER)
    # Rates per day in đồng × 365: 41,667,000 at 6.6% + the overdue 8,333,000 at 8.58%.
    contract_part, overdue_part = 41_667_000 * 66, 8_333_000 * 858  # ×1000 and ×10000
    day = contract_part * 10 + overdue_part  # one day × 365 × 10,000
    # Period 10 Jul - 9 Aug (due 10 Aug): 103,972 at C + 20 days (21 Jul..9 Aug), rounded once.
    due_10_aug = 103_972 + round_half_up_div(20 * day, 365 * 10_000)  # 103,972 + 189,863
    assert due_10_aug == 293_835
    assert position["interest_due"] == 1_103_507 + due_10_aug
    assert position["interest_arrears"] == 1_103_507 + due_10_aug
    # Open period 10 Aug .. 3 Sep: 25 days -> 237,328.
    assert position["interest_accrued_not_due"] == round_half_up_div(25 * day, 365 * 10_000)
    # Overdue-rate interest: 19,588 at C + 45 days (21 Jul..3 Sep) on 8,333,000 at 8.58%.
    assert position["overdue_rate_interest"] == 19_588 + round_half_up_div(
        45 * overdue_part, 365 * 10_000
    )  # 19,588 + 88,146 = 107,734
    # Days past due continue from the unpaid 10 Jul instalment: 10 Jul .. 3 Sep = 56 days.
    assert (position["overdue_principal"], position["days_past_due"]) == (8_333_000, 56)


def test_example_a_in_grace_45_days_later(imported):
    position = position_of(Loan.objects.get(contract_number="A-001"), as_of=LATER)
    # 40,000,000 at 3%: 3,287.67 a day. Period 21 Jul - 20 Aug (due 21 Aug): it opened on
    # 21 Jul, after C, so the file's 98,630 belongs to the period due 21 Jul.
    assert position["interest_due"] == 1_519_999 + 98_630 + round_half_up_div(
        31 * 40_000_000 * 3, 365 * 100
    )  # 1,519,999 + 98,630 + 101,918 (21 Jul..20 Aug, 31 days)
    # Open: 21 Aug .. 3 Sep, 14 days = 45,041.
    assert position["interest_accrued_not_due"] == round_half_up_div(14 * 40_000_000 * 3, 36_500)
    assert (position["overdue_principal"], position["overdue_rate_interest"]) == (0, 0)


def test_frozen_loan_accrues_nothing_after_c(imported):
    position = position_of(Loan.objects.get(contract_number="F-001"), as_of=LATER)
    # Frozen since 1 Jun 2025: the figures stay those of C; the overdue instalment stays.
    assert position["interest_due"] == 350_000
    assert (position["interest_accrued_not_due"], position["overdue_rate_interest"]) == (0, 120_000)
    # 10 Jan 2025 .. 3 Sep 2025 = 237 days.
    assert position["days_past_due"] == (LATER - date(2025, 1, 10)).days + 1 == 237
    assert position["status"] == "frozen"


def test_dry_run_posts_nothing(group, cast):
    report = import_book(book.as_file(book.fifty("T-TAKEON")), as_of=C, dry_run=True, by=None)
    assert (report.loans, report.posted, report.errors) == (50, False, [])
    assert Loan.objects.count() == 0 and LoanTransaction.objects.count() == 0


def test_second_import_posts_nothing(imported, cast):
    entries = LoanTransaction.objects.count()
    again = import_book(book.as_file(book.fifty("T-TAKEON")), as_of=C, dry_run=False, by=None)
    assert (again.households, again.loans, again.savings, again.errors) == (0, 0, 0, [])
    assert SavingsTransaction.objects.count() == 9
    assert LoanTransaction.objects.count() == entries and Loan.objects.count() == 50


def test_an_opening_entry_cannot_be_reversed_alone(imported):
    entry = LoanTransaction.objects.filter(kind="opening_balance").first()
    with pytest.raises(LoanError):
        reverse(entry, reason="Nhập sai", by=None)
    assert not LoanTransaction.objects.filter(kind="reversal").exists()


def test_the_months_reconciliation_finds_nothing_wrong_with_taken_on_loans(imported):
    # July 2025 holds C: opening 0 (end of June), the opening principal counts as lent on C,
    # closing = the file's outstanding; the cached balances equal the journal.
    reconciliation.run_reconciliation(month="2025-07")
    assert not Discrepancy.objects.exists()
    reconciliation.run_reconciliation(month="2025-08")
    assert not Discrepancy.objects.exists()
