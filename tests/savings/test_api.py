"""The savings API: a household's savings as of a date, and the savings rates.
Figures: tests/savings/test_interest.py (A: 1,200,000 on 30 Jun 2025 before its 4,970 credit)."""

from datetime import date

from loans.savings import services
from loans.savings.models import SavingsTransaction
from programmes.models import SavingsRate

API = "/api/v1"


def test_the_savings_of_a_household_as_of_a_date(accounts, alice_api):
    a, _b = accounts
    # 30 Jun not credited yet: the half-year's whole interest is accrued, not credited.
    body = alice_api.get(f"{API}/borrowers/{a.pk}/savings/?as_of=2025-06-30").json()
    assert set(body) == {
        "balance",
        "interest_credited",
        "interest_accrued_not_credited",
        "transactions",
    }
    assert (body["balance"], body["interest_credited"]) == (1_200_000, 0)
    assert body["interest_accrued_not_credited"] == 4_970
    assert [t["kind"] for t in body["transactions"]] == ["deposit", "deposit", "withdrawal"]
    assert body["transactions"][2]["delta"] == -300_000
    services.credit_half_year(date(2025, 6, 30))
    body = alice_api.get(f"{API}/borrowers/{a.pk}/savings/?as_of=2025-06-30").json()
    assert (body["balance"], body["interest_credited"]) == (1_204_970, 4_970)
    assert body["interest_accrued_not_credited"] == 0
    # 1–10 Jul: 1,204,970 × 100 bp × 10 days = 1,204,970,000 / 3,650,000 = 330.1 -> 330.
    body = alice_api.get(f"{API}/borrowers/{a.pk}/savings/?as_of=2025-07-10").json()
    assert body["interest_accrued_not_credited"] == 330
    # Before the first deposit: nothing.
    body = alice_api.get(f"{API}/borrowers/{a.pk}/savings/?as_of=2024-12-14").json()
    assert body == {
        "balance": 0,
        "interest_credited": 0,
        "interest_accrued_not_credited": 0,
        "transactions": [],
    }


def test_another_offices_household_is_not_found(accounts, bob_api):
    response = bob_api.get(f"{API}/borrowers/{accounts[0].pk}/savings/")
    assert response.status_code == 404


def test_a_bad_as_of_is_a_400(accounts, alice_api):
    response = alice_api.get(f"{API}/borrowers/{accounts[0].pk}/savings/?as_of=2099-01-01")
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_the_journal_takes_no_change_through_the_api(accounts, alice_api):
    url = f"{API}/borrowers/{accounts[0].pk}/savings/"
    for method in (alice_api.put, alice_api.patch, alice_api.delete, alice_api.post):
        assert method(url, {"balance": 1}, format="json").status_code == 405
    assert SavingsTransaction.objects.count() == 4


def test_the_rates_are_listed_with_the_example(db, alice_api):
    body = alice_api.get(f"{API}/savings-rates/").json()["results"]
    assert body == [
        {
            "id": body[0]["id"],
            "rate": "0.50",
            "effective_from": "2000-01-01",
            "is_example": True,
            "note": body[0]["note"],
        }
    ]


def test_the_branch_adds_a_rate(cast, carol_api, alice_api):
    payload = {"rate": "0.60", "effective_from": "2026-01-01"}
    assert alice_api.post(f"{API}/savings-rates/", payload, format="json").status_code == 403
    response = carol_api.post(f"{API}/savings-rates/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["is_example"] is False
    assert SavingsRate.objects.get(effective_from=date(2026, 1, 1)).basis_points == 60
    again = carol_api.post(f"{API}/savings-rates/", payload, format="json")
    assert again.status_code == 400
    assert "effective_from" in again.json()


def test_no_rate_into_a_credited_half_year(accounts, carol_api):
    services.credit_half_year(date(2025, 6, 30))
    payload = {"rate": "0.70", "effective_from": "2025-06-01"}
    response = carol_api.post(f"{API}/savings-rates/", payload, format="json")
    assert response.status_code == 400
    assert "effective_from" in response.json()
    bad = carol_api.post(
        f"{API}/savings-rates/", {"rate": "-1", "effective_from": "2026-02-01"}, format="json"
    )
    assert bad.status_code == 400
    assert "rate" in bad.json()
