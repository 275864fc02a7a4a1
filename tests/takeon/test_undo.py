"""Undoing a whole take-on batch: every opening entry reversed (the journals stay append-only),
the loans closed and their numbers freed, the file importable again; refused after a posting."""

import pytest
from django.contrib.auth.models import Permission

from loans.models import Loan, LoanStatus, LoanTransaction
from loans.savings.models import SavingsAccount, SavingsTransaction
from loans.savings.services import deposit
from loans.selectors import position_of, positions
from loans.services.repayment import record_repayment
from loans.takeon.models import ImportBatch, TakeOnLoan
from loans.takeon.services import import_book
from loans.takeon.undo import UndoError, undo_batch
from tests.factories import SavingsGroupFactory

from . import book

pytestmark = pytest.mark.django_db
C = book.AS_OF


@pytest.fixture
def batch(cast):
    SavingsGroupFactory(code="T-TAKEON", transaction_point__office=cast.van_quan)
    report = import_book(
        book.as_file(book.fifty("T-TAKEON")), as_of=C, dry_run=False, by=cast.carol
    )
    assert report.posted
    return ImportBatch.objects.get(pk=report.batch_id)


def test_undo_reverses_every_opening_and_the_file_imports_again(batch, cast):
    openings = LoanTransaction.objects.filter(kind__startswith="opening_").count()
    saved = SavingsTransaction.objects.filter(kind="opening_balance").count()
    assert saved == 9  # 10 savings rows, the first with 0 đồng has no entry
    undo_batch(batch.pk, by=cast.carol)
    batch.refresh_from_db()
    assert batch.undone_at is not None and batch.undone_by == cast.carol
    # One reversal per opening entry, nothing deleted.
    assert LoanTransaction.objects.filter(kind="reversal").count() == openings
    assert LoanTransaction.objects.filter(kind__startswith="opening_").count() == openings
    assert SavingsTransaction.objects.filter(kind="reversal").count() == saved
    # Every position as of C nets to zero; B-001 (50,000,000 đồng at C) is closed at 0.
    frame = positions(Loan.objects.all(), as_of=C)
    assert frame[["outstanding_principal", "interest_arrears"]].to_numpy().sum() == 0
    b = TakeOnLoan.objects.get(contract_number="B-001").loan
    assert (b.contract_number, b.status, b.outstanding_principal) == (
        f"B-001~H{batch.pk}",
        LoanStatus.CLOSED,
        0,
    )
    assert set(SavingsAccount.objects.values_list("balance", flat=True)) == {0}
    # The same file again: 50 new loans, the 50 households found, the 9 savings accounts
    # undone reopened (the one of 0 đồng had no entry to undo: it stays, as it was).
    again = import_book(book.as_file(book.fifty("T-TAKEON")), as_of=C, dry_run=False, by=None)
    assert (again.posted, again.households, again.loans, again.savings) == (True, 0, 50, 9)
    assert (
        position_of(Loan.objects.get(contract_number="B-001"), as_of=C)["outstanding_principal"]
        == 50_000_000
    )
    # Savings: 0 + 5 × 100,000 + ... + 45 × 100,000 = 22,500,000 đồng, as the first import.
    assert sum(SavingsAccount.objects.values_list("balance", flat=True)) == 22_500_000


def test_undo_is_refused_after_a_later_posting_and_changes_nothing(batch, cast):
    loan = Loan.objects.get(contract_number="B-001")
    # Example B at C + 1: 1,103,507 đồng of interest arrears paid.
    record_repayment(loan, on=C.replace(day=21), by=cast.carol, interest=1_103_507)
    member = SavingsAccount.objects.filter(balance__gt=0).first().borrower
    deposit(member, 50_000, C.replace(day=21), cast.carol)
    entries = LoanTransaction.objects.count(), SavingsTransaction.objects.count()
    with pytest.raises(UndoError) as refused:
        undo_batch(batch.pk, by=cast.carol)
    assert "B-001" in refused.value.message and member.national_id in refused.value.message
    assert "2 khoản vay/tài khoản tiết kiệm" in refused.value.message
    assert (LoanTransaction.objects.count(), SavingsTransaction.objects.count()) == entries
    batch.refresh_from_db()
    assert batch.undone_at is None
    assert Loan.objects.filter(status=LoanStatus.CLOSED).count() == 0


def test_undo_twice_is_refused(batch, cast):
    undo_batch(batch.pk, by=cast.carol)
    with pytest.raises(UndoError, match="đã được hủy"):
        undo_batch(batch.pk, by=cast.carol)


def test_api_undo(batch, cast, client):
    url = f"/api/v1/imports/{batch.pk}/undo/"
    client.force_login(cast.alice)
    assert client.post(url).status_code == 403  # an office's officer: the branch's alone
    client.force_login(cast.carol)
    cast.carol.user_permissions.add(Permission.objects.get(codename="undo_importbatch"))
    answer = client.post(url)
    assert answer.status_code == 200 and answer.json()["id"] == batch.pk
    again = client.post(url)
    assert again.status_code == 409 and "đã được hủy" in again.json()["detail"]
    assert client.post("/api/v1/imports/999999/undo/").status_code == 404


def test_admin_action_undo(batch, cast, client):
    cast.carol.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_importbatch", "undo_importbatch"])
    )
    client.force_login(cast.carol)
    page = client.post(
        "/admin/takeon/importbatch/",
        {"action": "undo", "_selected_action": [batch.pk]},
        follow=True,
    )
    assert page.status_code == 200
    batch.refresh_from_db()
    assert batch.undone_at is not None
    assert LoanTransaction.objects.filter(kind="reversal").exists()
