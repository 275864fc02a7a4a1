"""Savings interest over a half-year (DOMAIN.md §7), worked by hand.

Rates: the shipped example 0.50 %/year (50 bp) from 2000, and 1.00 % (100 bp) from 1 Apr 2025.
A day earns balance × bp / (365 × 10,000); the half-year's sum is rounded half-up once.

Household A: deposit 1,000,000 on 15 Dec 2024; deposit 500,000 on 10 Feb 2025; withdrawal
300,000 on 20 May 2025. Half-year 1 Jan–30 Jun 2025 (181 days):
  1 Jan–9 Feb    40 days × 1,000,000 × 50  =  2,000,000,000
  10 Feb–31 Mar  50 days × 1,500,000 × 50  =  3,750,000,000
  1 Apr–19 May   49 days × 1,500,000 × 100 =  7,350,000,000
  20 May–30 Jun  42 days × 1,200,000 × 100 =  5,040,000,000
                                     sum  = 18,140,000,000
  18,140,000,000 / 3,650,000 = 4,969.86 -> 4,970 đồng, credited 30 Jun 2025.
Household B: deposit 3,650,000 on 30 Jun 2025 (end-of-day balance, one day):
  3,650,000 × 100 × 1 / 3,650,000 = 100 đồng.
"""

from datetime import date

import pytest

from loans.savings import services
from loans.savings.errors import SavingsError
from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction

H1_END = date(2025, 6, 30)


def credits():
    return dict(
        SavingsTransaction.objects.filter(kind=SavingsKind.INTEREST_CREDIT).values_list(
            "account__borrower_id", "amount"
        )
    )


def test_the_half_year_is_credited_as_worked_by_hand(accounts):
    a, b = accounts
    result = services.credit_half_year(H1_END)
    assert credits() == {a.pk: 4_970, b.pk: 100}
    assert result == {"accounts": 2, "already_credited": 0, "total": 5_070}
    # 1,000,000 + 500,000 − 300,000 + 4,970 and 3,650,000 + 100
    assert SavingsAccount.objects.get(borrower=a).balance == 1_204_970
    assert SavingsAccount.objects.get(borrower=b).balance == 3_650_100
    assert set(
        SavingsTransaction.objects.filter(kind="interest_credit").values_list(
            "value_date", flat=True
        )
    ) == {H1_END}


def test_a_rerun_credits_nothing_twice(accounts):
    services.credit_half_year(H1_END)
    again = services.credit_half_year(H1_END)
    assert again == {"accounts": 0, "already_credited": 2, "total": 0}
    assert SavingsTransaction.objects.filter(kind="interest_credit").count() == 2
    assert SavingsAccount.objects.get(borrower=accounts[0]).balance == 1_204_970


def test_the_credit_earns_from_the_next_day(accounts):
    # After the credit, A holds 1,204,970 from 1 Jul; 2nd half 2025 has 184 days at 100 bp:
    # 1,204,970 × 100 × 184 = 22,171,448,000 / 3,650,000 = 6,074.37 -> 6,074.
    # B: 3,650,100 × 100 × 184 = 67,161,840,000 / 3,650,000 = 18,400.504 -> 18,401.
    a, b = accounts
    services.credit_half_year(H1_END)
    services.credit_half_year(date(2025, 12, 31))
    second = dict(
        SavingsTransaction.objects.filter(
            kind="interest_credit", value_date=date(2025, 12, 31)
        ).values_list("account__borrower_id", "amount")
    )
    assert second == {a.pk: 6_074, b.pk: 18_401}


def test_only_a_half_year_end_is_credited(accounts):
    with pytest.raises(SavingsError) as error:
        services.credit_half_year(date(2025, 5, 31))
    assert error.value.field == "period_end"
    assert not SavingsTransaction.objects.filter(kind="interest_credit").exists()


def test_no_posting_into_a_credited_half_year(accounts, cast):
    a, _b = accounts
    services.credit_half_year(H1_END)
    with pytest.raises(SavingsError):
        services.deposit(a, 10_000, date(2025, 6, 1), cast.alice)
    assert SavingsAccount.objects.get(borrower=a).balance == 1_204_970
