"""From the application 01/TD to the first disbursement with the roles: the officer records,
the director decides, the officer disburses; and the admin's loan page through four eyes."""

import pytest
from django.urls import reverse

from loans.approvals.models import ApprovalRequest
from loans.models import LoanStatus, TransactionKind
from tests.api.conftest import API
from tests.origination.conftest import M, applicant, group, point  # noqa: F401 (fixtures)
from tests.origination.test_api import _submitted, _voted_and_certified, application_body, post


def test_from_the_application_to_the_first_disbursement_with_the_roles(
    cast,
    roles,
    clients,
    applicant,  # noqa: F811
):
    officer = clients["officer"]
    url = _submitted(officer, applicant, office=cast.van_quan)
    _voted_and_certified(officer, url, officer=roles.users["officer"])
    decision = {"decision": "approve", "decided_on": "2025-03-20"}
    assert post(officer, f"{url}decide/", decision).status_code == 403  # the director's
    decided = post(clients["director"], f"{url}decide/", decision)
    assert decided.status_code == 201, decided.json()
    loan_id = decided.json()["loan"]

    # 50,000,000 is under the 100,000,000 threshold: the officer disburses alone.
    disbursed = post(
        officer,
        f"{API}/loans/{loan_id}/disbursements/",
        {"amount": 50 * M, "value_date": "2025-04-10"},
    )
    assert disbursed.status_code == 201, disbursed.json()
    assert disbursed.json()["loan"]["status"] == LoanStatus.ACTIVE
    assert application_body(applicant)["amount"] == disbursed.json()["transactions"][0]["amount"]


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_admin_loan_page_asks_for_approval_and_a_checker_approves(
    roles, loan, admin_client_for
):
    officer = admin_client_for(roles.users["officer"])
    page = officer.get(reverse("admin:loans_loan_change", args=[loan.pk])).content.decode()
    assert "Đề nghị duyệt: Xóa nợ" in page  # no plain write-off button for an officer
    entry = loan.transactions.get()
    officer.post(
        reverse("admin:loans_loan_reverse", args=[loan.pk]),
        {"transaction": entry.pk, "reason": "Nhầm", "key": "admin-1"},
    )
    approval = ApprovalRequest.objects.get()
    assert approval.parameters == {"transaction": entry.pk, "reason": "Nhầm"}
    assert loan.transactions.count() == 1  # nothing moved

    controller = admin_client_for(roles.users["controller"])
    index = controller.get(reverse("admin:index")).content.decode()
    assert "(1 chờ duyệt)" in index
    approve = reverse("admin:approvals_approvalrequest_approve", args=[approval.pk])
    assert controller.get(approve).status_code == 200
    done = controller.post(approve, {}, follow=True)
    assert [str(m) for m in done.context["messages"]] == [f"Đã duyệt yêu cầu #{approval.pk}."]
    approval.refresh_from_db()
    assert approval.status == ApprovalRequest.Status.APPROVED
    assert loan.transactions.filter(kind=TransactionKind.REVERSAL).count() == 1

    maker = admin_client_for(roles.users["officer"])
    listing = maker.get(reverse("admin:approvals_approvalrequest_changelist")).content.decode()
    assert "Đã duyệt" in listing  # the maker sees the state of their request
