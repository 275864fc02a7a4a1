"""A 40-member group's sheet posts all or nothing; two officers posting it at once on
PostgreSQL under different keys: one posting, one 409."""

import threading

import pytest
from django.db import connection

from loans.models import LoanTransaction
from loans.sessions.models import CollectionSheet, Receipt
from tests.api.conftest import token_client

from .conftest import API, SESSION_DATE, build_group, open_session

# Each member holds 10,000,000 disbursed 10 Jan 2025: interest due on 10 Feb = 31 × 10,000,000
# × 0.066 / 365 = 56,054.79 -> 56,055; the sheet collects it from all 40: 40 × 56,055 =
# 2,242,200 in cash.
INTEREST = 56_055
MEMBERS = 40


def forty_sheet(group) -> dict:
    return {
        "savings_group": group.group.pk,
        "cash_counted": MEMBERS * INTEREST,
        "lines": [{"loan": loan.pk, "interest": INTEREST} for loan in group.loans],
    }


@pytest.fixture
def forty(cast):
    return build_group(cast.van_quan, cast.alice, size=MEMBERS, amounts=(10_000_000,))


def test_forty_members_post_at_once(alice_api, forty):
    session = open_session(alice_api, forty.point).json()
    response = alice_api.post(
        f"{API}/sessions/{session['id']}/collections/", forty_sheet(forty), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["totals"]["interest"] == 2_242_200
    assert len(response.json()["receipts"]) == MEMBERS
    assert LoanTransaction.objects.filter(value_date=SESSION_DATE).count() == MEMBERS


def test_one_bad_line_of_forty_posts_nothing(alice_api, forty):
    session = open_session(alice_api, forty.point).json()
    body = forty_sheet(forty)
    # Line 37 repays 20,000,000 of principal on a 10,000,000 loan: refused.
    body["lines"][37]["principal"] = 20_000_000
    body["cash_counted"] += 20_000_000
    response = alice_api.post(f"{API}/sessions/{session['id']}/collections/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["lines[37].principal"]
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()
    assert not CollectionSheet.objects.exists()
    assert not Receipt.objects.exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_posting_one_sheet_at_once(cast):
    group = build_group(cast.van_quan, cast.alice, size=5, amounts=(10_000_000,))
    body = forty_sheet(group) | {"cash_counted": 5 * INTEREST}
    clients = [token_client(cast.alice), token_client(cast.alice)]
    session = open_session(clients[0], group.point).json()
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def officer(client, key) -> None:
        try:
            barrier.wait()
            response = client.post(
                f"{API}/sessions/{session['id']}/collections/",
                body,
                format="json",
                headers={"Idempotency-Key": key},
            )
            answers.append(response.status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=officer, args=(c, f"officer-{n}")) for n, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [201, 409]
    assert LoanTransaction.objects.filter(value_date=SESSION_DATE).count() == 5
    assert CollectionSheet.objects.count() == 1
