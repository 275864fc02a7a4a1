"""seed_demo gives every demo household a savings history, and a rerun adds nothing."""

import io
from datetime import date

from django.core.management import call_command
from django.db.models import Sum

from borrowers.models import Borrower
from loans.savings.models import SavingsAccount, SavingsTransaction


def test_every_demo_household_has_a_savings_history(db):
    out = io.StringIO()
    call_command("seed_demo", borrowers=3, stdout=out)
    assert "Tiền gửi tiết kiệm: 3 tài khoản" in out.getvalue()
    assert SavingsAccount.objects.count() == Borrower.objects.count() == 3
    for account in SavingsAccount.objects.all():
        journal = account.transactions.aggregate(t=Sum("delta"))["t"]
        assert account.balance == journal > 0
        # 11 monthly deposits of 20,000–200,000 đồng from Jan to Nov 2026.
        assert account.transactions.filter(kind="deposit").count() == 11
        # Deposits from January at ≥ 20,000 đồng earn interest at the example 0.50 %.
        assert account.transactions.get(kind="interest_credit").value_date == date(2026, 6, 30)
    before = SavingsTransaction.objects.count()
    again = io.StringIO()
    call_command("seed_demo", borrowers=3, stdout=again)
    assert "Tiền gửi tiết kiệm: đã có" in again.getvalue()
    assert SavingsTransaction.objects.count() == before
