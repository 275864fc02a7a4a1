"""Two checkers approve one request at once (PostgreSQL, real threads): the request's row lock
makes them take turns, so the operation runs once and the second is told it was decided."""

import threading

import pytest
from django.db import connection

from loans.approvals import services
from loans.approvals.models import ApprovalRequest
from loans.approvals.services import ApprovalError
from loans.models import TransactionKind

THREADS = 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_checkers_approving_at_once_run_the_operation_once(roles, loan):
    entry = loan.transactions.get()
    request = services.request_approval(
        loan,
        operation="reversals",
        parameters={"transaction": entry.pk, "reason": "Nhầm số tiền"},
        by=roles.users["officer"],
    )
    checkers = [roles.users["controller"], roles.users["director"]]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def approve(checker) -> None:
        try:
            barrier.wait()
            services.approve(request, by=checker)
            outcomes.append("approved")
        except ApprovalError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(c,)) for c in checkers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(outcomes) == ["approval_state", "approved"]
    assert loan.transactions.filter(kind=TransactionKind.REVERSAL).count() == 1
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_checkers_approving_a_savings_reversal_at_once_post_it_once(roles, cast, household):
    from datetime import date

    from core import four_eyes
    from loans.savings import services as savings
    from loans.savings.models import SavingsAccount, SavingsTransaction

    deposit = savings.deposit(household, 300_000, date(2025, 3, 10), cast.alice)
    held = four_eyes.hold(
        roles.users["officer"],
        "savings-reversals",
        office_id=household.office_id,
        parameters={"entry": deposit.pk, "value_date": "2025-03-12", "reason": "Ghi nhầm"},
    )
    request = ApprovalRequest.objects.get(pk=held)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def approve(checker) -> None:
        try:
            barrier.wait()
            services.approve(request, by=checker)
            outcomes.append("approved")
        except ApprovalError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    checkers = [roles.users["controller"], roles.users["director"]]
    threads = [threading.Thread(target=approve, args=(c,)) for c in checkers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(outcomes) == ["approval_state", "approved"]
    assert SavingsTransaction.objects.filter(reverses=deposit).count() == 1
    # 300,000 deposited, reversed once: 0.
    assert SavingsAccount.objects.get(borrower=household).balance == 0
