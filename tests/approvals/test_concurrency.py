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
