"""Two retries of one posting arrive at once (a client timed out and resent): the loan's row lock
serialises them, the second finds the first's stored response, and one set of entries exists."""

import threading
from datetime import date

import pytest
from django.db import connection

from loans import services
from loans.models import LoanTransaction
from tests.conftest import approved_loan

from .conftest import API, token_client

THREADS = 4


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_replays_post_once_and_answer_alike(cast, household):
    loan = approved_loan(household, "HN", amount=50_000_000, term=36, by=cast.alice, due_day=10)
    services.disburse(loan, amount=50_000_000, on=date(2025, 1, 10), by=cast.alice)
    clients = [token_client(cast.alice) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, dict]] = []

    def retry(client) -> None:
        try:
            barrier.wait()
            response = client.post(
                f"{API}/loans/{loan.pk}/repayments/",
                {"value_date": "2025-02-10", "principal": 1_000_000, "interest": 100_000},
                format="json",
                headers={"Idempotency-Key": "receipt-2025-02-10-0042"},
            )
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == THREADS
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 201
    assert LoanTransaction.objects.filter(loan=loan).exclude(kind="disbursement").count() == 2
