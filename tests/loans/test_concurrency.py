"""Postings from several officers at once: the loan row lock serialises them, so the cached
balances always equal the journal (DESIGN.md "The ledger").

Real threads, each with its own database connection, against a committed database
(transaction=True); serialized_rollback restores the programmes loaded by migrations.
"""

import threading
from datetime import date

import pytest
from django.db import connection

from loans import services
from loans.models import Loan, LoanTransaction, PostingRequest, TransactionKind
from loans.selectors import position_of
from tests.conftest import approved_loan

M = 1_000_000
THREADS = 2
PAID_ON = date(2025, 2, 10)
committed_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# SQLite's default test database is in memory with a shared cache, whose table locks fail at
# once ("database table is locked") instead of waiting. A file test database
# (DATABASES["default"]["TEST"]["NAME"]) waits on its lock like the real one does. Decided at
# collection, so a skipped test never sets up (and flushes) the committed database.
IN_MEMORY_SQLITE = connection.vendor == "sqlite" and not (
    connection.settings_dict.get("TEST") or {}
).get("NAME")
waiting_locks = pytest.mark.skipif(
    IN_MEMORY_SQLITE, reason="needs a file-based SQLite test database (TEST NAME) or PostgreSQL"
)


@pytest.fixture
def loan(cast, household) -> Loan:
    """50,000,000 đồng disbursed on 10 Jan 2025: room for many small repayments."""
    loan = approved_loan(household, "HN", amount=50 * M, term=36, by=cast.alice, due_day=10)
    services.disburse(loan, amount=50 * M, on=date(2025, 1, 10), by=cast.alice)
    return loan


def in_threads(work, count: int) -> None:
    """Run work(thread_number, i) for i < count in THREADS threads started together."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            barrier.wait()
            for i in range(count):
                work(number, i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a posting thread hung"
    assert errors == []


def assert_cache_equals_journal(loan: Loan, *, repaid: int) -> None:
    loan.refresh_from_db()
    journal = LoanTransaction.objects.filter(loan=loan)
    sums = {
        kind: sum(journal.filter(kind=kind).values_list("amount", flat=True))
        for kind in (TransactionKind.DISBURSEMENT, TransactionKind.PRINCIPAL_REPAYMENT)
    }
    assert loan.disbursed_total == sums[TransactionKind.DISBURSEMENT] == 50 * M
    assert loan.principal_repaid_total == sums[TransactionKind.PRINCIPAL_REPAYMENT] == repaid
    assert loan.outstanding_principal == 50 * M - repaid
    position = position_of(loan, as_of=PAID_ON)
    assert (position["principal_repaid"], position["outstanding_principal"]) == (
        repaid,
        50 * M - repaid,
    )


def concurrent_repayments(cast, loan: Loan, per_thread: int) -> None:
    def repay(_thread: int, _i: int) -> None:
        services.record_repayment(loan, principal=1_000, on=PAID_ON, by=cast.alice)

    in_threads(repay, per_thread)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@committed_db
def test_two_officers_posting_at_once_lose_no_repayment(cast, loan):
    # ~20–40 s on a 2-core machine: each posting computes the loan's position under the lock.
    concurrent_repayments(cast, loan, per_thread=200)
    # 2 threads × 200 repayments of 1,000 đồng = 400 entries, 400,000 đồng.
    assert loan.transactions.filter(kind=TransactionKind.PRINCIPAL_REPAYMENT).count() == 400
    assert_cache_equals_journal(loan, repaid=400_000)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL runs the full-size test")
@waiting_locks
@committed_db
def test_concurrent_repayments_queue_on_sqlite_too(cast, loan):
    # SQLite serialises writers (transactions begin IMMEDIATE), so a smaller run proves the
    # same on the default database.
    concurrent_repayments(cast, loan, per_thread=50)
    assert loan.transactions.filter(kind=TransactionKind.PRINCIPAL_REPAYMENT).count() == 100
    assert_cache_equals_journal(loan, repaid=100_000)


@waiting_locks
@committed_db
def test_one_key_sent_twice_at_once_posts_once(cast, loan):
    results: dict[tuple[int, int], list] = {}

    def repay(thread: int, i: int) -> None:
        results[thread, i] = services.record_repayment(
            loan, key=f"receipt-{i}", principal=1_000, on=PAID_ON, by=cast.alice
        )

    in_threads(repay, 30)
    # Both threads sent receipt-0 .. receipt-29: each key posted once, both saw the same entry.
    assert PostingRequest.objects.filter(loan=loan).count() == 30
    assert loan.transactions.filter(kind=TransactionKind.PRINCIPAL_REPAYMENT).count() == 30
    for i in range(30):
        assert results[0, i] == results[1, i]
    assert_cache_equals_journal(loan, repaid=30_000)
