"""The savings services (DOMAIN.md §7): minimum deposit, never below zero (back-dated too),
idempotency, batches all or nothing, reversals, the take-on opening, principal from savings."""

from datetime import date

import pytest
from django.db import transaction

from loans import services as loan_services
from loans.models import LoanTransaction
from loans.savings import selectors, services
from loans.savings.errors import SavingsError
from loans.savings.models import (
    SavingsAccount,
    SavingsJournalIsAppendOnly,
    SavingsTransaction,
)
from loans.savings.services import SavingsLine
from tests.conftest import approved_loan
from tests.factories import BorrowerFactory

M = 1_000_000
D = date(2025, 3, 10)


def balance(borrower) -> int:
    return SavingsAccount.objects.get(borrower=borrower).balance


def test_a_deposit_below_5000_is_refused(cast, household):
    with pytest.raises(SavingsError) as error:
        services.deposit(household, 4_999, D, cast.alice)
    assert error.value.field == "amount"
    assert not SavingsTransaction.objects.exists()
    entry = services.deposit(household, 5_000, D, cast.alice)
    assert (entry.kind, entry.amount, entry.delta, entry.posted_by) == (
        "deposit",
        5_000,
        5_000,
        cast.alice,
    )
    assert balance(household) == 5_000


def test_a_withdrawal_below_zero_is_refused_and_changes_nothing(cast, household):
    services.deposit(household, 100_000, D, cast.alice)
    with pytest.raises(SavingsError) as error:
        services.withdraw(household, 100_001, D, cast.alice)
    assert "100.000" in error.value.message
    assert balance(household) == 100_000
    assert SavingsTransaction.objects.count() == 1


def test_a_back_dated_withdrawal_is_checked_against_every_later_day(cast, household):
    # 1 Mar +200,000; 20 Mar −150,000: balance 200,000 on 10 Mar but 50,000 from 20 Mar,
    # so a withdrawal dated 10 Mar may take at most 50,000.
    services.deposit(household, 200_000, date(2025, 3, 1), cast.alice)
    services.withdraw(household, 150_000, date(2025, 3, 20), cast.alice)
    with pytest.raises(SavingsError) as error:
        services.withdraw(household, 60_000, D, cast.alice)
    assert "50.000" in error.value.message
    assert balance(household) == 50_000
    services.withdraw(household, 50_000, D, cast.alice)
    assert balance(household) == 0


def test_an_idempotency_key_posts_once(cast, household):
    first = services.deposit(household, 20_000, D, cast.alice, idempotency_key="k-1")
    again = services.deposit(household, 20_000, D, cast.alice, idempotency_key="k-1")
    assert again.pk == first.pk
    assert balance(household) == 20_000
    with pytest.raises(SavingsError) as error:
        services.deposit(household, 30_000, D, cast.alice, idempotency_key="k-1")
    assert error.value.code == "idempotency_conflict"


def test_a_batch_posts_all_or_nothing(cast, household):
    other = BorrowerFactory(savings_group=household.savings_group)
    services.deposit(other, 10_000, D, cast.alice)
    lines = [
        SavingsLine(household.pk, "deposit", 50_000),
        SavingsLine(other.pk, "withdrawal", 10_001),  # 1 đồng more than the balance
    ]
    with pytest.raises(SavingsError) as error:
        services.post_many(lines, D, cast.alice)
    assert list(error.value.lines) == [1]
    assert SavingsTransaction.objects.count() == 1
    assert not SavingsAccount.objects.filter(borrower=household, balance__gt=0).exists()
    lines[1] = SavingsLine(other.pk, "withdrawal", 10_000)
    lines.append(SavingsLine(household.pk, "withdrawal", 20_000))
    created = services.post_many(lines, D, cast.alice)
    assert [e.delta for e in created] == [50_000, -10_000, -20_000]
    # household: 50,000 − 20,000; other: 10,000 − 10,000
    assert selectors.balances_as_of([household.pk, other.pk], D) == {
        household.pk: 30_000,
        other.pk: 0,
    }
    assert (balance(household), balance(other)) == (30_000, 0)


def test_bad_lines_are_keyed_by_index(cast, household):
    lines = [
        SavingsLine(household.pk, "deposit", 5_000),
        SavingsLine(household.pk, "deposit", 10),
        SavingsLine(household.pk, "interest_credit", 10_000),
    ]
    with pytest.raises(SavingsError) as error:
        services.post_many(lines, D, cast.alice)
    assert sorted(error.value.lines) == [1, 2]
    assert not SavingsTransaction.objects.exists()


def test_balances_as_of_a_date(cast, household):
    services.deposit(household, 70_000, date(2025, 1, 5), cast.alice)
    services.withdraw(household, 20_000, date(2025, 2, 5), cast.alice)
    nobody = BorrowerFactory(savings_group=household.savings_group)
    asked = [household.pk, nobody.pk]
    assert selectors.balances_as_of(asked, date(2025, 1, 4)) == {household.pk: 0, nobody.pk: 0}
    assert selectors.balances_as_of(asked, date(2025, 1, 31))[household.pk] == 70_000
    assert selectors.balances_as_of(asked, date(2025, 2, 5))[household.pk] == 50_000


def test_a_reversal_undoes_an_entry_once(cast, household):
    entry = services.deposit(household, 80_000, D, cast.alice)
    with pytest.raises(SavingsError):
        services.reverse_savings(entry, cast.alice, D, "")
    reversal = services.reverse_savings(entry, cast.alice, date(2025, 3, 11), "Nhập nhầm")
    assert (reversal.kind, reversal.amount, reversal.delta, reversal.reverses) == (
        "reversal",
        80_000,
        -80_000,
        entry,
    )
    assert balance(household) == 0
    with pytest.raises(SavingsError):
        services.reverse_savings(entry, cast.alice, date(2025, 3, 11), "Lần hai")
    assert balance(household) == 0


def test_a_reversal_below_zero_is_refused(cast, household):
    entry = services.deposit(household, 80_000, D, cast.alice)
    services.withdraw(household, 50_000, date(2025, 3, 12), cast.alice)
    with pytest.raises(SavingsError):
        services.reverse_savings(entry, cast.alice, D, "Nhập nhầm")
    assert balance(household) == 30_000


def test_the_take_on_opening_entry(cast, household):
    account = services.open_with_balance(household, 1_234_000, date(2024, 12, 31), cast.alice)
    assert account.balance == 1_234_000
    assert account.transactions.get().kind == "opening_balance"
    with pytest.raises(SavingsError):
        services.open_with_balance(household, 1_000, date(2024, 12, 31), cast.alice)
    assert balance(household) == 1_234_000


def test_lock_accounts_creates_the_missing_ones(cast, household):
    other = BorrowerFactory(savings_group=household.savings_group)
    with transaction.atomic():
        locked = services.lock_accounts([other.pk, household.pk, household.pk])
    assert sorted(locked) == sorted([household.pk, other.pk])
    assert SavingsAccount.objects.count() == 2


@pytest.fixture
def loan(cast, household):
    loan = approved_loan(household, "HN", amount=10 * M, term=60, by=cast.alice)
    loan_services.disburse(loan, amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    return loan


def test_principal_from_savings_is_one_step(cast, household, loan):
    services.deposit(household, 2 * M, date(2025, 1, 10), cast.alice)
    entry, repaid = services.pay_principal_from_savings(loan, 1 * M, D, cast.alice)
    assert (entry.kind, entry.amount, entry.loan) == ("withdrawal", 1 * M, loan)
    assert [(t.kind, t.amount) for t in repaid] == [("principal_repayment", 1 * M)]
    loan.refresh_from_db()
    assert loan.outstanding_principal == 9 * M
    assert balance(household) == 1 * M


def test_a_refused_repayment_leaves_the_savings_untouched(cast, household, loan):
    # 12,000,000 of savings, but only 10,000,000 of principal is owed: the repayment is refused
    # after the withdrawal was written, and the whole step rolls back.
    services.deposit(household, 12 * M, date(2025, 1, 10), cast.alice)
    before = LoanTransaction.objects.count()
    with pytest.raises(loan_services.LoanError):
        services.pay_principal_from_savings(loan, 11 * M, D, cast.alice)
    assert balance(household) == 12 * M
    assert SavingsTransaction.objects.count() == 1
    assert LoanTransaction.objects.count() == before


def test_a_withdrawal_beyond_the_savings_pays_no_principal(cast, household, loan):
    services.deposit(household, 100_000, date(2025, 1, 10), cast.alice)
    before = LoanTransaction.objects.count()
    with pytest.raises(SavingsError):
        services.pay_principal_from_savings(loan, 200_000, D, cast.alice)
    assert LoanTransaction.objects.count() == before


def test_the_journal_refuses_changes_at_the_orm(cast, household):
    entry = services.deposit(household, 10_000, D, cast.alice)
    entry.amount = 1
    with pytest.raises(SavingsJournalIsAppendOnly):
        entry.save()
    with pytest.raises(SavingsJournalIsAppendOnly):
        entry.delete()
    for change in (
        lambda: SavingsTransaction.objects.filter(pk=entry.pk).update(amount=1),
        lambda: SavingsTransaction.objects.all().delete(),
        lambda: SavingsTransaction.objects.bulk_update([entry], ["amount"]),
    ):
        with pytest.raises(SavingsJournalIsAppendOnly), transaction.atomic():
            change()
    assert SavingsTransaction.objects.get().amount == 10_000
