"""Loans and postings through the API: the answers a client gets when a rule is broken."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from loans.models import Loan, LoanTransaction, PostingRequest
from tests.conftest import approved_loan

from .conftest import API

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


def new_loan(borrower, **changes) -> dict:
    return {
        "borrower": borrower.pk,
        "programme": "HN",
        "amount": 30_000_000,
        "term_months": 36,
        "approved_on": "2025-03-01",
        **changes,
    }


def test_a_new_loan_is_approved_with_the_programme_defaults(alice_api, household):
    response = alice_api.post(f"{API}/loans/", new_loan(household), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["programme"] == "HN"
    assert body["due_day"] == 21  # the transaction point's session day
    assert body["grace_months"] == 0
    assert body["principal_frequency_months"] == 6
    assert body["contract_rate"] is None
    assert body["schedule"] == []
    assert body["created_by"] == household.office.staff.get().user_id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"programme": "KHONG-CO"}, "programme"),
        ({"amount": 0}, "amount"),
        ({"amount": 2_000_000_001}, "amount"),
        ({"amount": 100_000_001}, "amount"),  # above the HN cap: the service's rule
        ({"term_months": 121}, "term_months"),  # above HN's 120 months
        ({"grace_months": 13}, "grace_months"),  # above HN's 12 months
        ({"principal_frequency_months": 5}, "principal_frequency_months"),
        ({"due_day": 32}, "due_day"),
        ({"approved_on": TOMORROW}, "approved_on"),
        ({"purpose": "water"}, "purpose"),  # a line of another programme
        ({"programme": "ND28-NHA", "amount": 40_000_000, "term_months": 180}, "approved_list_ref"),
        ({"programme": "HCN"}, "borrower"),  # a poor household is not near-poor
    ],
)
def test_it_rejects_a_loan_that_breaks_a_rule(alice_api, household, changes, field):
    response = alice_api.post(f"{API}/loans/", new_loan(household, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()) == [field]
    assert not Loan.objects.exists()


def test_a_loan_line_is_named_by_its_code(alice_api, household):
    body = new_loan(household, programme="GQVL", purpose="general", amount=20_000_000)
    response = alice_api.post(f"{API}/loans/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["purpose"] == "general"


def test_loans_are_not_updatable_or_deletable(sites, carol_api):
    path = f"{API}/loans/{sites['van_quan'].loan.pk}/"
    assert carol_api.patch(path, {"amount": 1}, format="json").status_code == 405
    assert carol_api.put(path, {"amount": 1}, format="json").status_code == 405
    assert carol_api.delete(path).status_code == 405


@pytest.fixture
def approved(cast, household) -> Loan:
    return approved_loan(household, "HN", amount=30_000_000, term=36, by=cast.alice, due_day=10)


def post(client, loan, action, body, **headers):
    return client.post(f"{API}/loans/{loan.pk}/{action}/", body, format="json", headers=headers)


def test_a_posting_to_an_undisbursed_loan_is_a_conflict(alice_api, approved):
    response = post(alice_api, approved, "repayments", {"value_date": "2025-01-01", "amount": 5})
    assert response.status_code == 409
    assert response.json()["code"] == "loan_state"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 30_000_001, "value_date": "2025-01-10"}, "amount"),  # above the approval
        ({"amount": 0, "value_date": "2025-01-10"}, "amount"),
        ({"amount": 1_000_000, "value_date": TOMORROW}, "value_date"),
        ({"amount": 1_000_000, "value_date": "2019-12-31"}, "value_date"),  # before approval
        ({"amount": 1_000_000, "value_date": "10/01/2025"}, "value_date"),  # ISO 8601 only
        ({"amount": 1_000_000}, "value_date"),
        ({"amount": "1000000.5", "value_date": "2025-01-10"}, "amount"),
    ],
)
def test_it_rejects_an_invalid_disbursement(alice_api, approved, body, field):
    response = post(alice_api, approved, "disbursements", body)
    assert response.status_code == 400, response.json()
    assert list(response.json()) == [field]
    assert not LoanTransaction.objects.exists()


@pytest.fixture
def disbursed(cast, approved) -> Loan:
    from loans import services

    services.disburse(approved, amount=30_000_000, on=date(2025, 1, 10), by=cast.alice)
    return approved


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value_date": "2025-02-10", "amount": 100, "interest": 100}, "amount"),
        ({"value_date": "2025-02-10"}, "non_field_errors"),
        ({"value_date": "2025-02-10", "principal": 0, "interest": 0}, "non_field_errors"),
        ({"value_date": "2025-02-10", "principal": -1}, "principal"),
        ({"value_date": "2025-02-10", "principal": 30_000_001}, "principal"),  # above owed
        ({"value_date": "2025-02-10", "interest": 10_000_000}, "interest"),  # above owed
        ({"value_date": "2025-01-09", "interest": 1_000}, "value_date"),  # before disbursement
    ],
)
def test_it_rejects_an_invalid_repayment(alice_api, disbursed, body, field):
    response = post(alice_api, disbursed, "repayments", body)
    assert response.status_code == 400, response.json()
    assert list(response.json()) == [field]


def test_a_total_pays_interest_first_then_principal(alice_api, disbursed):
    # Interest due 10 Feb 2025: 31 days × 30,000,000 × 6.6% / 365 = 168,164.4 -> 168,164.
    response = post(
        alice_api, disbursed, "repayments", {"value_date": "2025-02-10", "amount": 1_168_164}
    )
    assert response.status_code == 201, response.json()
    kinds = {t["kind"]: t["amount"] for t in response.json()["transactions"]}
    assert kinds == {"interest_payment": 168_164, "principal_repayment": 1_000_000}
    assert response.json()["loan"]["outstanding_principal"] == 29_000_000


def test_a_reversal_needs_a_reason(alice_api, disbursed):
    entry = disbursed.transactions.get()
    response = post(alice_api, disbursed, "reversals", {"transaction": entry.pk, "reason": " "})
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


def test_a_reversed_disbursement_returns_the_loan_to_approved(alice_api, disbursed):
    entry = disbursed.transactions.get()
    response = post(
        alice_api, disbursed, "reversals", {"transaction": entry.pk, "reason": "Sai số"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["loan"]["status"] == "approved"
    assert response.json()["transactions"][0]["kind"] == "reversal"
    detail = alice_api.get(f"{API}/loans/{disbursed.pk}/").json()
    assert detail["schedule"] == []
    assert detail["contract_rate"] is None


def test_an_idempotency_key_is_not_reused_across_loans(cast, alice_api, disbursed, household):
    other = approved_loan(household, "HN", amount=1_000_000, term=12, by=cast.alice)
    body = {"amount": 1_000_000, "value_date": "2025-01-10"}
    first = post(alice_api, other, "disbursements", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.json()
    again = post(alice_api, disbursed, "disbursements", body, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 409


@pytest.mark.parametrize("key", ["", "x" * 101, "khóa-có-dấu", "two words"])
def test_a_malformed_idempotency_key_is_refused(alice_api, disbursed, key):
    body = {"value_date": "2025-02-10", "interest": 1_000}
    response = post(alice_api, disbursed, "repayments", body, **{"Idempotency-Key": key})
    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert not PostingRequest.objects.exists()


def test_a_refused_posting_is_not_remembered_for_its_key(alice_api, disbursed):
    too_much = {"value_date": "2025-02-10", "interest": 10_000_000}
    assert (
        post(alice_api, disbursed, "repayments", too_much, **{"Idempotency-Key": "k-2"}).status_code
        == 400
    )
    assert not PostingRequest.objects.exists()
    fine = {"value_date": "2025-02-10", "interest": 1_000}
    assert (
        post(alice_api, disbursed, "repayments", fine, **{"Idempotency-Key": "k-2"}).status_code
        == 201
    )


@pytest.mark.parametrize("as_of", [TOMORROW, "2025-02-30", "yesterday", "10/02/2025"])
def test_a_position_date_must_be_a_real_past_date(alice_api, disbursed, as_of):
    response = alice_api.get(f"{API}/loans/{disbursed.pk}/position/", {"as_of": as_of})
    assert response.status_code == 400
    assert list(response.json()) == ["as_of"]


def test_the_position_defaults_to_today_and_matches_the_detail(alice_api, disbursed):
    position = alice_api.get(f"{API}/loans/{disbursed.pk}/position/").json()
    assert position["as_of"] == timezone.localdate().isoformat()
    assert alice_api.get(f"{API}/loans/{disbursed.pk}/").json()["position"] == position


def test_a_position_before_the_disbursement_is_empty(alice_api, disbursed):
    response = alice_api.get(f"{API}/loans/{disbursed.pk}/position/", {"as_of": "2024-12-31"})
    assert response.status_code == 200
    assert response.json()["status"] == "not_disbursed"
    assert response.json()["outstanding_principal"] == 0


def test_loans_are_filtered_by_programme_code_and_status(carol_api, sites):
    response = carol_api.get(f"{API}/loans/", {"programme": "HN", "status": "active"})
    assert response.json()["count"] == 2
    assert carol_api.get(f"{API}/loans/", {"programme": "HCN"}).json()["count"] == 0
    assert carol_api.get(f"{API}/loans/", {"status": "nonsense"}).status_code == 400


def test_lists_page_up_to_500_rows(carol_api, sites):
    body = carol_api.get(f"{API}/loans/", {"page_size": 1}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["next"] is not None
