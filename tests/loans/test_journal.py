"""The journal (sổ nhật ký) is append-only: the model, its querysets and, on PostgreSQL, a trigger
refuse every change and every removal of a posted entry (DESIGN.md "The ledger")."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from loans import services
from loans.models import JournalIsAppendOnly, LoanTransaction, TransactionKind
from tests.conftest import approved_loan

M = 1_000_000
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the journal trigger exists on PostgreSQL only"
)


@pytest.fixture
def entry(cast, household) -> LoanTransaction:
    """A disbursement of 10,000,000 đồng, posted by alice with its receipt number."""
    loan = approved_loan(household, "HN", amount=10 * M, term=60, by=cast.alice)
    return services.disburse(
        loan, amount=10 * M, on=date(2025, 1, 10), by=cast.alice, receipt_number="GN-0001"
    )


def unchanged(entry: LoanTransaction) -> bool:
    stored = LoanTransaction.objects.filter(pk=entry.pk).values("amount", "note").first()
    return stored == {"amount": 10 * M, "note": ""}


def test_a_posting_records_what_when_where_and_who(cast, household, entry):
    assert (entry.kind, entry.amount, entry.value_date) == (
        TransactionKind.DISBURSEMENT,
        10 * M,
        date(2025, 1, 10),
    )
    assert entry.office == cast.van_quan
    assert entry.transaction_point == household.transaction_point
    assert entry.posted_by == cast.alice
    assert entry.posted_at is not None
    assert entry.receipt_number == "GN-0001"


def test_the_model_refuses_to_save_a_changed_entry(entry):
    entry.amount = 1
    with pytest.raises(JournalIsAppendOnly):
        entry.save()
    with pytest.raises(JournalIsAppendOnly):
        entry.save(update_fields=["amount"])
    assert unchanged(entry)


def test_the_model_refuses_to_delete_an_entry(entry):
    with pytest.raises(JournalIsAppendOnly):
        entry.delete()
    assert unchanged(entry)


@pytest.mark.parametrize(
    "change",
    [
        lambda e: LoanTransaction.objects.filter(pk=e.pk).update(amount=1),
        lambda e: LoanTransaction.objects.filter(pk=e.pk).delete(),
        lambda e: LoanTransaction.objects.all().delete(),
        lambda e: e.loan.transactions.update(note="sửa"),
        lambda e: e.loan.transactions.all().delete(),
        lambda e: LoanTransaction.objects.bulk_update([e], ["note"]),
    ],
    ids=["update", "delete", "delete-all", "related-update", "related-delete", "bulk-update"],
)
def test_querysets_refuse_to_update_or_delete_entries(entry, change):
    entry.note = "sửa"
    # atomic(): bulk_update raises inside its own atomic block, which spoils the outer one.
    with pytest.raises(JournalIsAppendOnly), transaction.atomic():
        change(entry)
    assert unchanged(entry)


def test_a_loan_with_entries_cannot_be_deleted(entry):
    with pytest.raises(ProtectedError):
        entry.loan.delete()
    assert unchanged(entry)


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE loans_loantransaction SET amount = 1",
        "UPDATE loans_loantransaction SET note = 'sửa' WHERE id = %s",
        "DELETE FROM loans_loantransaction",
        "DELETE FROM loans_loantransaction WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_update_and_delete(entry, sql):
    params = [entry.pk] if "%s" in sql else None
    # atomic(): the refused statement aborts only the savepoint, not the test's transaction.
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    assert unchanged(entry)


@pytest.mark.postgres
@postgres_only
def test_the_database_still_accepts_new_entries(entry):
    # The trigger guards UPDATE and DELETE only; postings are INSERTs.
    before = LoanTransaction.objects.count()
    services.record_repayment(entry.loan, principal=1 * M, on=date(2025, 2, 10), by=entry.posted_by)
    assert LoanTransaction.objects.count() == before + 1
