"""A branch officer's client program drives the API end to end (token auth): register a household,
approve loans, disburse, repay (retried with an idempotency key), reverse a mistake, and read
positions equal to DOMAIN.md §4 worked examples A and B."""

from datetime import date

from loans.models import LoanTransaction, PostingRequest
from tests.factories import PointFactory, SavingsGroupFactory

from .conftest import API

# Example B's daily interest: 50,000,000 × 6.6% / 365 = 9,041.0959 đồng.
B_FEB_PAID = 279_781  # DOMAIN.md: paid on 10 Feb 2025
B_MAR_PAID = 253_151  # 28 days (10 Feb – 9 Mar) × 9,041.0959 = 253,150.68


def test_an_officer_runs_examples_a_and_b_through_the_api(cast, alice_api):
    point = PointFactory(office=cast.van_quan, session_day=21)
    group = SavingsGroupFactory(transaction_point=point)

    listed = alice_api.get(f"{API}/savings-groups/").json()
    assert [g["id"] for g in listed["results"]] == [group.pk]
    assert {"id", "name", "association", "transaction_point", "village", "leader"} <= set(
        listed["results"][0]
    )

    borrower = _register_household(alice_api, group)
    assert borrower["office"] == cast.van_quan.pk
    assert borrower["transaction_point"] == point.pk

    _example_a(alice_api, borrower)
    _example_b(alice_api, borrower)


def _register_household(client, group) -> dict:
    response = client.post(
        f"{API}/borrowers/",
        {
            "full_name": "Hoàng Thị Mai",
            "national_id": "020185000123",
            "date_of_birth": "1985-06-02",
            "gender": "female",
            "ethnicity": "Tày",
            "household_category": "poor",
            "savings_group": group.pk,
            "village": "Thôn Nà Lầu",
            # Server-owned: ignored if sent.
            "office": 999,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _create_loan(client, borrower: dict, **terms) -> dict:
    response = client.post(f"{API}/loans/", {"borrower": borrower["id"], **terms}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _post(client, loan: dict, action: str, body: dict, *, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{API}/loans/{loan['id']}/{action}/", body, format="json", headers=headers)


def _position(client, loan: dict, as_of: str) -> dict:
    response = client.get(f"{API}/loans/{loan['id']}/position/", {"as_of": as_of})
    assert response.status_code == 200, response.json()
    return response.json()


def _example_a(client, borrower: dict) -> None:
    """Decree 28 housing: 40,000,000 on 15 Mar 2024, 180 months, 60 months' grace, 3%/yr."""
    loan = _create_loan(
        client,
        borrower,
        programme="ND28-NHA",
        amount=40_000_000,
        term_months=180,
        grace_months=60,
        principal_frequency_months=6,
        due_day=21,
        approved_on="2024-03-01",
        approved_list_ref="QĐ 456/QĐ-UBND",
        approved_list_date="2024-03-01",
    )
    assert loan["status"] == "approved"
    assert loan["contract_rate"] is None
    assert loan["schedule"] == []
    assert loan["outstanding_principal"] == 0

    response = _post(
        client, loan, "disbursements", {"amount": 40_000_000, "value_date": "2024-03-15"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["loan"]["outstanding_principal"] == 40_000_000

    detail = client.get(f"{API}/loans/{loan['id']}/").json()
    assert detail["contract_rate"] == "3.0000"
    # 20 instalments of 2,000,000: 21 Sep 2029 (month 60 + 6) ... 21 Mar 2039 (month 180).
    assert len(detail["schedule"]) == 20
    assert detail["schedule"][0] == {"seq": 1, "due_date": "2029-09-21", "principal": 2_000_000}
    assert detail["schedule"][-1]["due_date"] == "2039-03-21"
    assert detail["position"]["outstanding_principal"] == 40_000_000

    position = _position(client, loan, "2024-05-31")
    # 21 Apr: 37 days × 40,000,000 × 3% / 365 = 121,643.8 -> 121,644;
    # 21 May: 30 days -> 98,630.1 -> 98,630; due 220,274, nothing paid.
    # 21–31 May: 11 days -> 36,164.4 -> 36,164.
    assert position["interest_due"] == 220_274
    assert position["interest_arrears"] == 220_274
    assert position["interest_accrued_not_due"] == 36_164
    assert position["overdue_principal"] == 0
    assert position["as_of"] == "2024-05-31"
    assert position["loan"] == loan["id"]


def _example_b(client, borrower: dict) -> None:
    """Poor household: 50,000,000 on 10 Jan 2025, 36 months, no grace, 6.6%/yr, interest only."""
    loan = _create_loan(
        client,
        borrower,
        programme="HN",
        amount=50_000_000,
        term_months=36,
        grace_months=0,
        principal_frequency_months=6,
        due_day=10,
        approved_on="2025-01-06",
    )
    response = _post(
        client, loan, "disbursements", {"amount": 50_000_000, "value_date": "2025-01-10"}
    )
    assert response.status_code == 201, response.json()

    feb = {"value_date": "2025-02-10", "principal": 0, "interest": B_FEB_PAID}
    first = _post(client, loan, "repayments", feb, key="b-feb-receipt-0001")
    assert first.status_code == 201, first.json()
    [entry] = first.json()["transactions"]
    assert entry["kind"] == "interest_payment"
    assert entry["amount"] == B_FEB_PAID
    assert first.json()["loan"]["interest_paid_total"] == B_FEB_PAID

    # A retry (the network dropped the answer) replays the first response and posts nothing.
    replay = _post(client, loan, "repayments", feb, key="b-feb-receipt-0001")
    assert replay.status_code == first.status_code
    assert replay.json() == first.json()
    assert LoanTransaction.objects.filter(loan_id=loan["id"], kind="interest_payment").count() == 1
    assert PostingRequest.objects.get(key="b-feb-receipt-0001").response_status == 201

    # The same key with another body is a conflict, and posts nothing either.
    other = _post(client, loan, "repayments", {**feb, "interest": 1_000}, key="b-feb-receipt-0001")
    assert other.status_code == 409, other.json()
    assert other.json()["code"] == "idempotency_conflict"
    assert LoanTransaction.objects.filter(loan_id=loan["id"], kind="interest_payment").count() == 1

    march = {"value_date": "2025-03-10", "principal": 0, "interest": B_MAR_PAID}
    assert _post(client, loan, "repayments", march, key="b-mar-receipt-0002").status_code == 201

    # A total of 500,000 keyed in by mistake on 10 Apr: it pays the April interest and then
    # principal; it is reversed entry by entry.
    mistake = _post(client, loan, "repayments", {"value_date": "2025-04-10", "amount": 500_000})
    assert mistake.status_code == 201, mistake.json()
    for wrong in mistake.json()["transactions"]:
        reversal = _post(
            client, loan, "reversals", {"transaction": wrong["id"], "reason": "Nhập nhầm phiếu thu"}
        )
        assert reversal.status_code == 201, reversal.json()
        assert reversal.json()["transactions"][0]["reverses"] == wrong["id"]
        again = _post(client, loan, "reversals", {"transaction": wrong["id"], "reason": "Lần hai"})
        assert again.status_code == 409, again.json()
    balances = client.get(f"{API}/loans/{loan['id']}/").json()
    assert balances["interest_paid_total"] == B_FEB_PAID + B_MAR_PAID
    assert balances["outstanding_principal"] == 50_000_000

    position = _position(client, loan, "2025-07-20")
    assert position == {
        **position,
        "overdue_principal": 8_333_000,  # the 10 Jul 2025 instalment, unpaid
        "days_past_due": 11,  # 10 Jul – 20 Jul
        "interest_due": 1_636_439,
        "interest_arrears": 1_103_507,  # 1,636,439 − 279,781 − 253,151
        "interest_accrued_not_due": 103_972,
        "overdue_rate_interest": 19_588,  # 10 days (11–20 Jul) on 8,333,000 at 8.58%
        "interest_paid": B_FEB_PAID + B_MAR_PAID,
        "outstanding_principal": 50_000_000,
    }
    assert date.fromisoformat(position["as_of"]) == date(2025, 7, 20)
