"""Opening and closing sessions, their scope, a sheet posted once, replays, the disbursement
list and the fee payment (issue 13 "Sessions")."""

from datetime import date, timedelta

from django.utils import timezone

from loans.models import LoanTransaction
from loans.sessions.models import CollectionSheet, Session
from tests.factories import BorrowerFactory

from .conftest import API, SESSION_DATE, disbursed_loan, open_session
from .test_session_day import CASH, sheet_body


def test_open_answers_201_with_the_contract_fields(alice_api, trio, cast):
    response = open_session(alice_api, trio.point)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["transaction_point"] == trio.point.pk
    assert body["session_date"] == "2025-02-10"
    assert body["status"] == "open"
    assert body["opened_by"] == cast.alice.pk
    assert body["totals"]["cash_in"] == 0


def test_a_second_open_of_the_point_and_day_is_a_409(alice_api, trio):
    assert open_session(alice_api, trio.point).status_code == 201
    again = open_session(alice_api, trio.point)
    assert again.status_code == 409
    assert again.json()["code"] == "session_state"
    assert Session.objects.count() == 1


def test_a_future_date_is_refused_a_past_one_allowed(alice_api, trio):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = open_session(alice_api, trio.point, on=tomorrow)
    assert response.status_code == 400
    assert "session_date" in response.json()
    assert open_session(alice_api, trio.point, on=date(2024, 12, 10)).status_code == 201


def test_an_officer_opens_only_her_offices_points(bob_api, trio):
    response = open_session(bob_api, trio.point)
    assert response.status_code == 400
    assert "transaction_point" in response.json()


def test_another_offices_session_does_not_exist(alice_api, bob_api, trio):
    session = open_session(alice_api, trio.point).json()
    assert bob_api.get(f"{API}/sessions/{session['id']}/").status_code == 404
    assert alice_api.get(f"{API}/sessions/{session['id']}/").status_code == 200


def test_a_closed_session_refuses_postings(alice_api, trio, cast):
    session = open_session(alice_api, trio.point).json()
    closed = alice_api.post(f"{API}/sessions/{session['id']}/close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == cast.alice.pk
    assert "totals" in closed.json()
    posting = alice_api.post(
        f"{API}/sessions/{session['id']}/collections/", sheet_body(trio), format="json"
    )
    assert posting.status_code == 409
    assert posting.json()["code"] == "session_state"
    assert alice_api.post(f"{API}/sessions/{session['id']}/close/").status_code == 409
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()


def post(client, session, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"{API}/sessions/{session['id']}/collections/", body, format="json", headers=headers
    )


def test_a_replay_under_the_same_key_posts_nothing_twice(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    first = post(alice_api, session, sheet_body(trio), key="sheet-T1-2025-02-10")
    again = post(alice_api, session, sheet_body(trio), key="sheet-T1-2025-02-10")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    # 3 interest payments and B's principal: 4 entries on the session date, once.
    assert LoanTransaction.objects.filter(value_date=SESSION_DATE).count() == 4
    assert CollectionSheet.objects.count() == 1


def test_the_same_key_with_another_sheet_is_a_409(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    post(alice_api, session, sheet_body(trio), key="k-1")
    # The same key, B without her 1,000,000 of principal: another sheet.
    changed = sheet_body(trio, cash=CASH - 1_000_000)
    changed["lines"][1] = {"loan": trio.loans[1].pk, "interest": 112_110}
    other = post(alice_api, session, changed, key="k-1")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"


def test_a_second_sheet_of_the_group_is_a_409_unless_a_supplement(alice_api, trio, cast):
    session = open_session(alice_api, trio.point).json()
    assert post(alice_api, session, sheet_body(trio), key="officer-1").status_code == 201
    twice = post(alice_api, session, sheet_body(trio), key="officer-2")
    assert twice.status_code == 409
    assert twice.json()["code"] == "sheet_posted"
    # A late member: a new household of the group, 10,000,000 disbursed 10 Jan 2025 owes
    # 56,055 interest on 10 Feb (as C in test_session_day).
    late = disbursed_loan(BorrowerFactory(savings_group=trio.group), 10_000_000, cast.alice)
    supplement = post(
        alice_api,
        session,
        {
            "savings_group": trio.group.pk,
            "cash_counted": 56_055,
            "supplement": True,
            "lines": [{"loan": late.pk, "interest": 56_055}],
        },
        key="officer-2-late",
    )
    assert supplement.status_code == 201, supplement.json()
    detail = alice_api.get(f"{API}/sessions/{session['id']}/").json()
    assert detail["totals"]["interest"] == 280_274 + 112_110 + 56_055 + 56_055
    assert detail["totals"]["sheets"] == 2


def test_zero_or_omitted_amounts_post_nothing(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    body = {
        "savings_group": trio.group.pk,
        "cash_counted": 280_274,
        "lines": [
            {"loan": trio.loans[0].pk, "interest": 280_274},
            {"loan": trio.loans[1].pk, "interest": 0, "principal": 0},
            {"loan": trio.loans[2].pk},
        ],
    }
    response = post(alice_api, session, body)
    assert response.status_code == 201, response.json()
    assert len(response.json()["transactions"]) == 1
    assert len(response.json()["receipts"]) == 1


def test_the_disbursement_list_of_the_session(alice_api, trio, cast):
    from tests.conftest import approved_loan

    session = open_session(alice_api, trio.point).json()
    new = approved_loan(
        trio.households[0],
        "NSVSMT",
        amount=20_000_000,
        term=36,
        by=cast.alice,
        approved_on=date(2025, 2, 1),
    )
    url = f"{API}/sessions/{session['id']}/disbursements/"
    body = {"lines": [{"loan": new.pk, "amount": 20_000_000}]}
    first = alice_api.post(url, body, format="json", headers={"Idempotency-Key": "disb-1"})
    again = alice_api.post(url, body, format="json", headers={"Idempotency-Key": "disb-1"})
    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json()
    new.refresh_from_db()
    assert new.disbursed_total == 20_000_000
    assert new.first_disbursed_on == SESSION_DATE
    # A second tranche above the approved amount: all refused, keyed by line.
    bad = alice_api.post(url, {"lines": [{"loan": new.pk, "amount": 1}]}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["lines[0].amount"]
    detail = alice_api.get(f"{API}/sessions/{session['id']}/").json()
    assert detail["totals"]["disbursed"] == 20_000_000
    assert detail["totals"]["cash_out"] == 20_000_000


def test_fees_without_a_reconciled_month(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    shown = alice_api.get(f"{API}/sessions/{session['id']}/fees/")
    assert shown.status_code == 200
    assert shown.json() == {
        "month": None,
        "leader_commission": 0,
        "association_fee": 0,
        "paid": False,
    }
    assert alice_api.post(f"{API}/sessions/{session['id']}/fees/").status_code == 400


def test_the_last_reconciled_months_fees_are_paid_once(alice_api, trio):
    from tasks.jobs.reconciliation import run_reconciliation

    first = open_session(alice_api, trio.point).json()
    post(alice_api, first, sheet_body(trio))
    run = run_reconciliation(month=date(2025, 2, 1))
    assert run.status == "done"
    # February's interest collected by the group: 448,439 (test_session_day). Shipped default
    # rules (DOMAIN.md §5): leader 8 % -> 35,875.12 -> 35,875; association 4 % -> 17,937.56 ->
    # 17,938, split 45/30/15/10 by largest remainder: 8,072.1 / 5,381.4 / 2,690.7 / 1,793.8 ->
    # floors 8,072 + 5,381 + 2,690 + 1,793 = 17,936, the 2 left go to the largest fractions
    # (0.8 central, 0.7 province): the commune's part stays 8,072. No overdue: no halving.
    march = open_session(alice_api, trio.point, on=date(2025, 3, 10)).json()
    url = f"{API}/sessions/{march['id']}/fees/"
    shown = alice_api.get(url).json()
    assert shown == {
        "month": "2025-02-01",
        "leader_commission": 35_875,
        "association_fee": 8_072,
        "paid": False,
    }
    paid = alice_api.post(url)
    assert paid.status_code == 201, paid.json()
    assert paid.json()["paid"] is True
    totals = alice_api.get(f"{API}/sessions/{march['id']}/").json()["totals"]
    assert totals["fees_paid"] == 35_875 + 8_072
    assert totals["cash_out"] == 43_947
    # Once: again at this session, or at another session of the point, is a 409.
    assert alice_api.post(url).status_code == 409
    april = open_session(alice_api, trio.point, on=date(2025, 4, 10)).json()
    assert alice_api.post(f"{API}/sessions/{april['id']}/fees/").status_code == 409
