"""The whole path from the application 01/TD to the first disbursement through the admin, as
the roles share it: the officer receives the application and records the group's vote and the
commune's certification, the office director decides, the officer disburses, and a
disbursement above the four-eyes threshold waits until the controller approves it."""

from django.urls import reverse

from loans.approvals.models import ApprovalRequest
from loans.models import LoanStatus
from loans.origination.models import ApplicationStatus, LoanApplication
from tests.approvals.conftest import roles

from .conftest import M
from .test_admin import ADD, application_form, page, step

__all__ = ["roles"]  # the roles' cast (tests/approvals/conftest.py)


def test_the_roles_take_an_application_to_its_first_disbursement(
    client, roles, applicant, settings
):
    settings.FOUR_EYES_DISBURSEMENT_THRESHOLD = 30 * M
    officer, director = roles.users["officer"], roles.users["director"]
    controller = roles.users["controller"]

    client.force_login(officer)
    added = client.post(reverse(ADD), application_form(applicant))
    assert added.status_code == 302
    application = LoanApplication.objects.get()
    assert (application.status, application.submitted_by) == (ApplicationStatus.SUBMITTED, officer)
    # The officer may not decide: the decision's form is not on her page.
    meeting = {"meeting_date": "10/03/2025", "members_present": "8", "votes_for": "7"}
    assert step(client, application, "vote", **meeting).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.VOTED
    certification = {"certified_on": "14/03/2025", "reference": "12/XN-UBND"}
    assert step(client, application, "certify", **certification).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CERTIFIED
    decision = {"decision": "approve", "decided_on": "20/03/2025"}
    assert step(client, application, "decide", **decision).status_code == 403

    client.force_login(director)
    assert 'value="decide"' in client.get(page(application)).text
    assert step(client, application, "decide", **decision).status_code == 302
    application.refresh_from_db()
    loan = application.loan
    assert application.status == ApplicationStatus.APPROVED
    assert (loan.status, loan.approved_amount) == (LoanStatus.APPROVED, 50 * M)

    # 50,000,000 đồng is above the 30,000,000 threshold: the officer's disbursement waits.
    client.force_login(officer)
    disburse = reverse("admin:loans_loan_disburse", args=[loan.pk])
    held = client.post(disburse, {"amount": "50.000.000", "value_date": "10/04/2025"})
    request = ApprovalRequest.objects.get()
    assert held.url == reverse("admin:approvals_approvalrequest_change", args=[request.pk])
    loan.refresh_from_db()
    assert (loan.status, loan.disbursed_total) == (LoanStatus.APPROVED, 0)

    client.force_login(controller)
    approve = reverse("admin:approvals_approvalrequest_approve", args=[request.pk])
    assert client.post(approve, {}).status_code == 302
    request.refresh_from_db()
    loan.refresh_from_db()
    assert (request.status, request.checker) == (ApprovalRequest.Status.APPROVED, controller)
    assert (loan.status, loan.disbursed_total) == (LoanStatus.ACTIVE, 50 * M)
    assert loan.first_disbursed_on.isoformat() == "2025-04-10"
    # 6 instalments: 5 × 8,333,000 and the last 50,000,000 − 41,665,000 = 8,335,000.
    instalments = list(loan.instalments.order_by("seq").values_list("principal", flat=True))
    assert instalments == [8_333_000] * 5 + [8_335_000]
