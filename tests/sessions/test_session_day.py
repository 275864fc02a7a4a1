"""The hand-computed session of a group of three households (DOMAIN.md §4, §7).

Loans of 50,000,000 (A), 20,000,000 (B) and 10,000,000 (C), HN 6.6 %/yr, disbursed 10 Jan 2025,
due day 10. Interest due on 10 Feb 2025 covers 10 Jan..9 Feb = 31 days, actual/365, rounded
half-up once per period:
  A: 31 × 50,000,000 × 0.066 / 365 = 280,273.97 -> 280,274
  B: 31 × 20,000,000 × 0.066 / 365 = 112,109.59 -> 112,110
  C: 31 × 10,000,000 × 0.066 / 365 =  56,054.79 ->  56,055
The first principal instalment falls on 10 Jul 2025 (6 months): principal due 0 on 10 Feb.
At the session A pays her interest, B her interest and 1,000,000 of principal ahead of the
schedule, C her interest: cash = 280,274 + 112,110 + 1,000,000 + 56,055 = 1,448,439.
"""

from loans.models import LoanTransaction
from loans.sessions.models import CollectionSheet, Receipt

from .conftest import API, DISBURSED_ON, SESSION_DATE, open_session

INTEREST = (280_274, 112_110, 56_055)
CASH = 280_274 + 112_110 + 1_000_000 + 56_055  # 1,448,439


def sheet_body(trio, *, cash=CASH, **extra):
    a, b, c = trio.loans
    return {
        "savings_group": trio.group.pk,
        "cash_counted": cash,
        "lines": [
            {"loan": a.pk, "interest": INTEREST[0]},
            {"loan": b.pk, "interest": INTEREST[1], "principal": 1_000_000},
            {"loan": c.pk, "interest": INTEREST[2], "principal": 0},
        ],
        **extra,
    }


def test_the_sheet_is_prefilled_as_of_the_session_date(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    response = alice_api.get(
        f"{API}/sessions/{session['id']}/sheet/", {"savings_group": trio.group.pk}
    )
    assert response.status_code == 200, response.json()
    lines = {line["loan"]: line for line in response.json()["lines"]}
    for loan, interest in zip(trio.loans, INTEREST, strict=True):
        assert lines[loan.pk]["interest_due"] == interest
        assert lines[loan.pk]["principal_due"] == 0
        assert lines[loan.pk]["borrower"] == loan.borrower_id
        assert lines[loan.pk]["savings_balance"] == 0
    assert response.json()["totals"]["interest_due"] == sum(INTEREST)  # 448,439
    assert response.json()["totals"]["outstanding_principal"] == 80_000_000


def test_posting_the_three_households(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    response = alice_api.post(
        f"{API}/sessions/{session['id']}/collections/", sheet_body(trio), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    # 3 interest payments and 1 principal repayment, all value-dated on the session date.
    assert sorted((t["kind"], t["amount"]) for t in body["transactions"]) == sorted(
        [("interest_payment", i) for i in INTEREST] + [("principal_repayment", 1_000_000)]
    )
    assert {t["value_date"] for t in body["transactions"]} == {SESSION_DATE.isoformat()}
    assert body["totals"]["cash"] == CASH
    assert body["totals"]["interest"] == sum(INTEREST)
    assert body["totals"]["principal"] == 1_000_000
    # One receipt 01/BL per member, numbered per point and year in the sheet's order, and the
    # receipt number written on the member's journal entries.
    code = trio.point.code
    assert [r["number"] for r in body["receipts"]] == [f"{code}/2025/00000{n}" for n in (1, 2, 3)]
    assert [r["interest"] for r in body["receipts"]] == list(INTEREST)
    b_entries = LoanTransaction.objects.filter(loan=trio.loans[1], value_date=SESSION_DATE)
    assert set(b_entries.values_list("receipt_number", flat=True)) == {f"{code}/2025/000002"}
    trio.loans[1].refresh_from_db()
    assert trio.loans[1].outstanding_principal == 19_000_000
    # The session's totals: cash in = 1,448,439, nothing out.
    detail = alice_api.get(f"{API}/sessions/{session['id']}/").json()
    assert detail["totals"]["cash_in"] == CASH
    assert detail["totals"]["cash_out"] == 0
    assert detail["totals"]["receipts"] == 3


def test_the_next_session_continues_the_receipt_numbers(alice_api, trio):
    first = open_session(alice_api, trio.point).json()
    alice_api.post(f"{API}/sessions/{first['id']}/collections/", sheet_body(trio), format="json")
    second = open_session(alice_api, trio.point, on=SESSION_DATE.replace(month=3)).json()
    # 10 Mar: interest of 10 Feb..9 Mar = 28 days; A: 28 × 50,000,000 × 0.066/365 = 253,150.68
    # -> 253,151.
    response = alice_api.post(
        f"{API}/sessions/{second['id']}/collections/",
        {
            "savings_group": trio.group.pk,
            "cash_counted": 253_151,
            "lines": [{"loan": trio.loans[0].pk, "interest": 253_151}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["receipts"][0]["number"] == f"{trio.point.code}/2025/000004"


def test_the_cash_counted_must_match(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    # The leader hands over 1,448,000: 439 đồng short of 1,448,439.
    response = alice_api.post(
        f"{API}/sessions/{session['id']}/collections/",
        sheet_body(trio, cash=1_448_000),
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["cash_counted"][0]
    assert "439" in message and "1.448.439" in message
    assert not CollectionSheet.objects.exists()
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()


def test_a_bad_line_posts_nothing_and_is_keyed_by_its_line(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    # C owes 56,055 due plus the accrual of the open period (10 Feb itself: 10,000,000 ×
    # 0.066 / 365 = 1,808); 100,000 more than that is refused.
    body = sheet_body(trio, cash=CASH + 100_000)
    body["lines"][2]["interest"] = INTEREST[2] + 100_000
    response = alice_api.post(f"{API}/sessions/{session['id']}/collections/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["lines[2].interest"]
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()
    assert not Receipt.objects.exists()


def test_shape_errors_are_keyed_by_line_too(alice_api, trio):
    session = open_session(alice_api, trio.point).json()
    body = sheet_body(trio)
    body["lines"][1]["principal"] = -5
    response = alice_api.post(f"{API}/sessions/{session['id']}/collections/", body, format="json")
    assert response.status_code == 400
    assert "lines[1].principal" in response.json()


def test_a_loan_of_another_group_is_a_line_error(alice_api, trio, cast):
    from .conftest import build_group

    other = build_group(cast.van_quan, cast.alice, size=1)
    session = open_session(alice_api, trio.point).json()
    body = sheet_body(trio, cash=CASH + 1_000)
    body["lines"].append({"loan": other.loans[0].pk, "interest": 1_000})
    response = alice_api.post(f"{API}/sessions/{session['id']}/collections/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["lines[3].loan"]


# --- with the members' savings ---------------------------------------------------------------
#
# Savings before the session: A deposited 200,000 and B 500,000 on 10 Jan 2025; C has none.
# At the session A deposits 50,000; B withdraws 100,000 in cash and pays 300,000 of principal
# from her savings (no cash); C deposits 20,000.
#   cash = interest 448,439 + principal 1,000,000 + deposits 70,000 − withdrawals 100,000
#        = 1,418,439 (the 300,000 from savings moves no cash)
#   B's savings: 500,000 − 300,000 − 100,000 = 100,000; A's 250,000; C's 20,000
#   B's loan: 20,000,000 − 1,000,000 − 300,000 = 18,700,000
FULL_CASH = 448_439 + 1_000_000 + 70_000 - 100_000  # 1,418,439


def savings_before(trio, user):
    from loans.savings import services as savings

    a, b, _c = trio.households
    savings.deposit(a, 200_000, DISBURSED_ON, user)
    savings.deposit(b, 500_000, DISBURSED_ON, user)


def full_body(trio, *, cash=FULL_CASH):
    a, b, c = trio.households
    body = sheet_body(trio, cash=cash)
    body["lines"][1]["principal_from_savings"] = 300_000
    body["savings"] = [
        {"borrower": a.pk, "deposit": 50_000},
        {"borrower": b.pk, "withdrawal": 100_000},
        {"borrower": c.pk, "deposit": 20_000, "withdrawal": 0},
    ]
    return body


def test_the_sheet_shows_the_savings_balances(alice_api, trio, cast):
    savings_before(trio, cast.alice)
    session = open_session(alice_api, trio.point).json()
    sheet = alice_api.get(
        f"{API}/sessions/{session['id']}/sheet/", {"savings_group": trio.group.pk}
    ).json()
    balances = {line["borrower"]: line["savings_balance"] for line in sheet["lines"]}
    a, b, c = trio.households
    assert balances == {a.pk: 200_000, b.pk: 500_000, c.pk: 0}
    assert sheet["totals"]["savings_balance"] == 700_000


def test_the_three_households_with_their_savings(alice_api, trio, cast):
    from loans.savings.selectors import balances_as_of

    savings_before(trio, cast.alice)
    session = open_session(alice_api, trio.point).json()
    response = alice_api.post(
        f"{API}/sessions/{session['id']}/collections/", full_body(trio), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    a, b, c = trio.households
    assert balances_as_of([a.pk, b.pk, c.pk], SESSION_DATE) == {
        a.pk: 250_000,
        b.pk: 100_000,
        c.pk: 20_000,
    }
    assert sorted((t["kind"], t["amount"]) for t in body["savings_transactions"]) == sorted(
        [("deposit", 50_000), ("deposit", 20_000), ("withdrawal", 300_000), ("withdrawal", 100_000)]
    )
    trio.loans[1].refresh_from_db()
    assert trio.loans[1].outstanding_principal == 18_700_000
    assert body["totals"] == {
        "interest": 448_439,
        "principal": 1_000_000,
        "principal_from_savings": 300_000,
        "savings_deposit": 70_000,
        "savings_withdrawal": 100_000,
        "cash": FULL_CASH,
    }
    receipts = {r["borrower"]: r for r in body["receipts"]}
    assert (receipts[a.pk]["interest"], receipts[a.pk]["savings_deposit"]) == (280_274, 50_000)
    assert (receipts[b.pk]["interest"], receipts[b.pk]["savings_withdrawal"]) == (112_110, 100_000)
    assert (receipts[c.pk]["interest"], receipts[c.pk]["savings_deposit"]) == (56_055, 20_000)
    # Cash in 1,518,439 (interest, principal, deposits), out 100,000 (B's withdrawal).
    totals = alice_api.get(f"{API}/sessions/{session['id']}/").json()["totals"]
    assert (totals["cash_in"], totals["cash_out"]) == (1_518_439, 100_000)


def test_principal_from_savings_moves_no_cash(alice_api, trio, cast):
    savings_before(trio, cast.alice)
    session = open_session(alice_api, trio.point).json()
    # Counting the 300,000 from savings as cash is 300,000 too much.
    response = alice_api.post(
        f"{API}/sessions/{session['id']}/collections/",
        full_body(trio, cash=FULL_CASH + 300_000),
        format="json",
    )
    assert response.status_code == 400
    assert "300.000" in response.json()["cash_counted"][0]


def test_a_withdrawal_below_zero_posts_nothing(alice_api, trio, cast):
    savings_before(trio, cast.alice)
    session = open_session(alice_api, trio.point).json()
    body = full_body(trio, cash=FULL_CASH - 50_000)  # 50,000 more paid out
    # C has 0 + 20,000 deposited at the session: withdrawing 50,000 goes below 0.
    body["savings"][2]["withdrawal"] = 50_000
    response = alice_api.post(f"{API}/sessions/{session['id']}/collections/", body, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()) == ["savings[2].withdrawal"]
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()
    from loans.savings.models import SavingsTransaction

    assert not SavingsTransaction.objects.filter(value_date=SESSION_DATE).exists()
