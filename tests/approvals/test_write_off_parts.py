"""A write-off (xóa nợ) of the interest, the principal or both (Decision 50/2010 as amended by
08/2021: the risk dossier's treatment "write-off of interest or principal"). The loan is written
off once nothing remains owed; a part leaving the other owed keeps the loan's status.

Loan B is DOMAIN.md's worked example B: 50,000,000 đồng HN disbursed 10 Jan 2025 at 6.6%/yr,
due day 10. One day of interest on 50,000,000 = 50,000,000 × 6.6% / 365 = 9,041.10 → 9,041.
Interest due 10 Feb – 10 Jun (periods of 31, 28, 31, 30, 31 days):
280,274 + 253,151 + 280,274 + 271,233 + 280,274 = 1,365,206."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from loans import services
from loans.approvals import dossiers
from loans.approvals import services as approvals
from loans.approvals.forms import RiskDossierForm
from loans.approvals.models import RiskDossier
from loans.models import LoanStatus, TransactionKind
from loans.selectors import position_of
from loans.services.checks import amounts_owed
from tests.api.conftest import API, token_client
from tests.loans.test_services import hn_loan

K = TransactionKind
JUNE_10 = date(2025, 6, 10)
DUE_THROUGH_JUNE_10 = 1_365_206
ONE_DAY = 9_041


@pytest.fixture
def loan_b(cast, household):
    return hn_loan(cast, household, disbursed_on=date(2025, 1, 10))


def kinds(entries) -> list[tuple[str, int]]:
    return [(entry.kind, entry.amount) for entry in entries]


def test_an_interest_write_off_leaves_the_loan_open(cast, loan_b):
    entries = services.write_off(
        loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12/2025", part="interest"
    )
    # Owed through 10 Jun: the 1,365,206 due and 10 Jun's own day (the principal stays): 9,041.
    assert kinds(entries) == [(K.INTEREST_WRITE_OFF, DUE_THROUGH_JUNE_10 + ONE_DAY)]
    loan_b.refresh_from_db()
    assert (loan_b.status, loan_b.outstanding_principal) == (LoanStatus.ACTIVE, 50_000_000)
    assert loan_b.interest_written_off_total == 1_374_247
    # On 10 Jul the period 10 Jun – 9 Jul (30 days) = 271,233 falls due, its first day written
    # off already: 271,233 − 9,041 = 262,192 owed (example B's 1,636,439 − 1,374,247).
    position = position_of(loan_b, as_of=date(2025, 7, 10))
    assert position["interest_due"] == 1_636_439
    assert position["interest_arrears"] == 262_192
    paid = services.record_repayment(loan_b, interest=262_192, on=date(2025, 7, 10), by=cast.alice)
    assert kinds(paid) == [(K.INTEREST_PAYMENT, 262_192)]


def test_a_principal_write_off_keeps_the_interest_owed(cast, loan_b):
    entries = services.write_off(
        loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12/2025", part="principal"
    )
    # Principal written off on 10 Jun earns nothing that day: 1,365,206 of interest stays owed.
    assert kinds(entries) == [(K.WRITE_OFF, 50_000_000)]
    loan_b.refresh_from_db()
    assert (loan_b.status, loan_b.outstanding_principal) == (LoanStatus.ACTIVE, 0)
    assert amounts_owed(loan_b, JUNE_10)["interest"] == DUE_THROUGH_JUNE_10
    # No principal, no accrual: the same 1,365,206 at the year's end, nothing overdue.
    position = position_of(loan_b, as_of=date(2025, 12, 31))
    assert (position["interest_arrears"], position["interest_accrued_not_due"]) == (
        DUE_THROUGH_JUNE_10,
        0,
    )
    assert position["overdue_principal"] == 0
    # Writing off the interest too leaves nothing owed: the loan is written off.
    rest = services.write_off(
        loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 13/2025", part="interest"
    )
    assert kinds(rest) == [(K.INTEREST_WRITE_OFF, DUE_THROUGH_JUNE_10)]
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.WRITTEN_OFF


def test_the_interest_left_after_a_principal_write_off_settles_the_loan(cast, loan_b):
    services.write_off(loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12", part="principal")
    services.record_repayment(loan_b, interest=DUE_THROUGH_JUNE_10, on=JUNE_10, by=cast.alice)
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.CLOSED  # paid up: tất toán


def test_a_principal_write_off_on_the_disbursement_day_leaves_nothing_owed(cast, loan_b):
    # Written off on 10 Jan itself: no balance at the end of that day, no interest at all.
    entries = services.write_off(
        loan_b, on=date(2025, 1, 10), by=cast.alice, reason="QĐ 1", part="principal"
    )
    assert kinds(entries) == [(K.WRITE_OFF, 50_000_000)]
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.WRITTEN_OFF


def test_all_is_the_default_and_writes_off_both(cast, loan_b):
    entries = services.write_off(loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12/2025")
    assert kinds(entries) == [(K.WRITE_OFF, 50_000_000), (K.INTEREST_WRITE_OFF, 1_365_206)]
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.WRITTEN_OFF


def test_nothing_left_of_the_part_is_refused(cast, loan_b):
    services.write_off(loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12", part="interest")
    with pytest.raises(services.LoanError) as err:
        services.write_off(loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12", part="interest")
    assert (err.value.code, err.value.message) == ("loan_state", "Khoản vay không còn lãi để xóa.")
    with pytest.raises(services.LoanError) as err:
        services.write_off(loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12", part="half")
    assert err.value.field == "part"


def test_reversing_an_interest_write_off_keeps_a_frozen_loan_frozen(cast, loan_b):
    services.freeze(loan_b, start=JUNE_10, end=None, decision_ref="QĐ 5", by=cast.alice)
    (entry,) = services.write_off(
        loan_b, on=JUNE_10, by=cast.alice, reason="QĐ 12", part="interest"
    )
    loan_b.refresh_from_db()
    assert loan_b.status == LoanStatus.FROZEN
    services.reverse(entry, reason="Quyết định bị hủy", by=cast.alice)
    loan_b.refresh_from_db()
    assert (loan_b.status, loan_b.interest_written_off_total) == (LoanStatus.FROZEN, 0)


# --- the API, the admin's loan page, the risk dossier ----------------------------------------

# The roles' loan (tests/approvals/conftest.py): 20,000,000 đồng HN at 6.6% disbursed 10 Jan
# 2025, due day 21. Written off on 10 Feb 2025: the open period 10 Jan – 10 Feb (32 days),
# 20,000,000 × 6.6% × 32 / 365 = 115,726.03 → 115,726 of interest owed.
FEB_10 = "2025-02-10"
INTEREST_FEB_10 = 115_726


def test_the_api_writes_off_a_part(roles, loan):
    client = token_client(roles.users["administrator"])  # may write off alone
    url = f"{API}/loans/{loan.pk}/write-offs/"
    bad = client.post(url, {"value_date": FEB_10, "reason": "QĐ 1", "part": "half"}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"part": ["Phần xóa nợ phải là all, interest hoặc principal."]}
    body = {"value_date": FEB_10, "reason": "QĐ 1", "part": "interest"}
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert [(t["kind"], t["amount"]) for t in response.json()["transactions"]] == [
        ("interest_write_off", INTEREST_FEB_10)
    ]
    assert response.json()["loan"]["status"] == "active"


def test_the_loan_pages_write_off_offers_the_part(client, roles, loan):
    client.force_login(roles.users["administrator"])
    url = reverse("admin:loans_loan_write_off", args=[loan.pk])
    assert "Chỉ gốc" in client.get(url).content.decode()
    form = {"value_date": "10/02/2025", "reason": "QĐ 1", "part": "principal"}
    assert client.post(url, {**form, "part": "half"}).status_code == 200  # error on the form
    assert loan.transactions.count() == 1
    response = client.post(url, form)
    assert response.status_code == 302
    # 20,000,000 of principal; written off on 10 Feb, the principal earns nothing that day:
    # 31 days (10 Jan – 9 Feb) × 20,000,000 × 6.6% / 365 = 112,109.59 → 112,110 stays owed.
    assert list(loan.transactions.filter(kind=K.WRITE_OFF).values_list("amount", flat=True)) == [
        20_000_000
    ]
    assert amounts_owed(loan, date(2025, 2, 10))["interest"] == 112_110


def test_a_dossier_proposes_an_interest_write_off(roles, loan):
    form = RiskDossierForm(
        {
            "contract_number": loan.contract_number,
            "cause": RiskDossier.Cause.DEATH_OR_MISSING,
            "loss_percent": "90",
            "treatment": RiskDossier.Treatment.WRITE_OFF,
            "decision_ref": "QĐ 30/QĐ-HĐQT",
            "on": "10/02/2025",
            "part": "interest",
        },
        user=roles.users["officer"],
    )
    assert form.is_valid(), form.errors
    assert form.submit(by=roles.users["officer"]), form.errors
    approval = form.dossier.approval
    assert approval.parameters == {
        "value_date": FEB_10,
        "part": "interest",
        "reason": "QĐ 30/QĐ-HĐQT",
    }
    decision = approvals.approve(approval, by=roles.users["director"])
    assert [(t["kind"], t["amount"]) for t in decision.body["transactions"]] == [
        ("interest_write_off", INTEREST_FEB_10)
    ]
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE


def test_a_dossiers_write_off_part_is_checked_when_opened(roles, loan):
    body, errors = dossiers.treatment_body(
        loan, "write-offs", {"value_date": str(timezone.localdate()), "reason": "x", "part": "?"}
    )
    assert body is None
    assert list(errors) == ["part"]
