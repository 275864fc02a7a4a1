"""The savings in the monthly reconciliation: each account's roll-forward and the cached
balance checked against the journal. Figures: household A of tests/savings/test_interest.py."""

from datetime import date

from loans.savings import services
from loans.savings.models import MonthlySavingsLine, SavingsAccount
from tasks.jobs.reconciliation import run_reconciliation
from tests.conftest import approved_loan


def test_the_savings_roll_forward_of_a_month(accounts, cast):
    a, _b = accounts
    # The reconciliation runs for the offices with loans: A's office has one.
    approved_loan(a, "HN", amount=10_000_000, term=24, by=cast.alice)
    services.deposit(a, 200_000, date(2025, 5, 3), cast.alice)
    run = run_reconciliation(month="2025-05")
    line = MonthlySavingsLine.objects.get(account__borrower=a)
    # Opening 1 May: 1,000,000 + 500,000; May: +200,000 on 3rd, −300,000 on 20th.
    assert (line.opening, line.deposits, line.withdrawals, line.interest) == (
        1_500_000,
        200_000,
        300_000,
        0,
    )
    assert line.closing == 1_400_000 == line.opening + line.deposits - line.withdrawals
    assert not line.cache_differs
    assert run.counts["savings_discrepancies"] == 0
    # B's first deposit is on 30 Jun: 0 through May. Closing sum: 1,400,000 + 0.
    assert run.counts["savings_closing"] == 1_400_000


def test_a_cached_balance_unlike_its_journal_is_a_discrepancy(accounts, cast):
    a, _b = accounts
    approved_loan(a, "HN", amount=10_000_000, term=24, by=cast.alice)
    SavingsAccount.objects.filter(borrower=a).update(balance=999)  # a broken cache
    run = run_reconciliation(month="2025-05")
    line = MonthlySavingsLine.objects.get(account__borrower=a)
    # The journal's all-time total: 1,000,000 + 500,000 − 300,000 = 1,200,000.
    assert (line.journal_total, line.cached_balance, line.cache_differs) == (1_200_000, 999, True)
    assert run.counts["savings_discrepancies"] == 1
    run_reconciliation(month="2025-05")  # a re-run replaces the lines
    assert MonthlySavingsLine.objects.filter(account__borrower=a).count() == 1
