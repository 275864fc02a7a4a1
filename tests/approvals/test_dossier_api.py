"""Risk dossiers opened through the API (POST /api/v1/risk-dossiers/) and the admin's form:
the dossier is kept, its treatment is a four-eyes request that runs when a second person
approves it."""

from datetime import date

from loans.approvals.models import ApprovalRequest, RiskDossier
from loans.models import LoanStatus
from tests.api.conftest import API, token_client

from .conftest import DISBURSED_ON


def freeze_body(loan, /, **changes) -> dict:
    body = {
        "loan": loan.pk,
        "cause": "natural_disaster",
        "loss_percent": 60,
        "treatment": "freezes",
        "decision_ref": "QĐ 21/QĐ-HĐQT",
        "parameters": {"start": str(DISBURSED_ON), "decision_ref": "QĐ 21/QĐ-HĐQT"},
    }
    return {**body, **changes}


def test_a_dossier_opened_through_the_api_freezes_the_loan_once_approved(roles, loan):
    officer = token_client(roles.users["officer"])
    response = officer.post(f"{API}/risk-dossiers/", freeze_body(loan), format="json")
    assert response.status_code == 202, response.json()
    dossier = RiskDossier.objects.get()
    assert response.json() == {
        "dossier": dossier.pk,
        "approval": dossier.approval_id,
        "status": "pending",
    }
    assert (dossier.cause, dossier.loss_percent, dossier.treatment) == (
        "natural_disaster",
        60,
        "freezes",
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE  # nothing moved yet
    listed = officer.get(f"{API}/risk-dossiers/").json()["results"]
    assert [(d["id"], d["status"]) for d in listed] == [(dossier.pk, "pending")]

    director = token_client(roles.users["director"])
    approved = director.post(f"{API}/approvals/{dossier.approval_id}/approve/")
    assert approved.status_code == 200, approved.json()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.FROZEN
    # The maker may not approve their own dossier's treatment.
    own = officer.post(f"{API}/risk-dossiers/", freeze_body(loan, loss_percent=70), format="json")
    assert own.status_code == 202
    again = officer.post(f"{API}/approvals/{own.json()['approval']}/approve/")
    assert again.status_code == 403


def test_a_bad_dossier_is_a_400_on_its_field_and_nothing_is_kept(roles, loan, cast):
    officer = token_client(roles.users["officer"])
    cases = [
        ({"cause": "bad_luck"}, "cause"),
        ({"loss_percent": 30}, "loss_percent"),  # a freeze needs 40% (our default)
        ({"loss_percent": 101}, "loss_percent"),
        ({"parameters": {"decision_ref": "QĐ 1"}}, "parameters.start"),  # no start
        ({"loan": 999_999}, "loan"),
    ]
    for changes, field in cases:
        response = officer.post(
            f"{API}/risk-dossiers/", freeze_body(loan, **changes), format="json"
        )
        assert response.status_code == 400, (changes, response.json())
        assert list(response.json()) == [field], response.json()
    # Another office's officer does not find the loan.
    bob = token_client(cast.bob)
    assert bob.post(f"{API}/risk-dossiers/", freeze_body(loan), format="json").status_code == 400
    # The analyst and the controller may not open dossiers.
    for role in ["analyst", "controller"]:
        client = token_client(roles.users[role])
        assert (
            client.post(f"{API}/risk-dossiers/", freeze_body(loan), format="json").status_code
            == 403
        )
    assert not RiskDossier.objects.exists() and not ApprovalRequest.objects.exists()


def test_the_admin_form_opens_a_write_off_dossier_approved_by_the_controller(roles, loan, client):
    client.force_login(roles.users["officer"])
    assert client.get("/admin/approvals/riskdossier/add/").status_code == 200
    form = {
        "contract_number": loan.contract_number,
        "cause": "death_or_missing",
        "loss_percent": "100",
        "treatment": "write-offs",
        "decision_ref": "QĐ 30/QĐ-HĐQT",
        "on": f"{date.today():%d/%m/%Y}",
        "reason": "",
    }
    bad = client.post("/admin/approvals/riskdossier/add/", {**form, "loss_percent": "50"})
    assert bad.status_code == 200 and "loss_percent" in bad.context["form"].errors
    response = client.post("/admin/approvals/riskdossier/add/", form, follow=True)
    dossier = RiskDossier.objects.get()
    assert "chờ người thứ hai duyệt" in response.content.decode()
    assert dossier.approval.parameters == {
        "value_date": str(date.today()),
        "reason": "QĐ 30/QĐ-HĐQT",  # the decision, when no other reason is given
        "part": "all",  # principal and interest, the default part
    }
    client.force_login(roles.users["controller"])
    done = client.post(f"/admin/approvals/approvalrequest/{dossier.approval_id}/approve/", {})
    assert done.status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF
    # Offered nowhere it is refused: the analyst has no add page.
    client.force_login(roles.users["analyst"])
    assert client.get("/admin/approvals/riskdossier/add/").status_code == 403
