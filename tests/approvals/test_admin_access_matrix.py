"""Every role against every admin write action, through the admin with Django's test client, as
loans/approvals/roles.py says (`admin_may` for the admin's rows, `role_may` for the rule pages;
the README's table is written from the same definitions): done alone, held for a second person
(a request is stored and nothing moves), or refused (403)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from borrowers.models import Borrower
from loans.approvals.models import ApprovalRequest, RiskDossier
from loans.approvals.roles import (
    ADMIN_LIMITED,
    ADMIN_POSTINGS,
    ADMIN_REQUESTS,
    ADMIN_WRITES,
    ROLE_BY_KEY,
    ROLES,
    RULE_PERMISSIONS,
    admin_may,
    role_may,
)
from loans.selectors import schedule_in_force
from programmes.models import FeeRule, Programme
from tasks.models import JobRun
from tests.factories import BorrowerFactory
from tests.origination.conftest import applicant, certify, group, point, submit, vote

from .test_rule_changes import _programme_post, fee_rule_form

ROLE_KEYS = [role.key for role in ROLES]


def dmy(day) -> str:
    return f"{day:%d/%m/%Y}"


def posting_form(action: str, loan) -> dict:
    """A form the loan page would accept (unfreeze: refused by the service, not frozen)."""
    today = timezone.localdate()
    first_due = schedule_in_force(loan, today)[0].due_date
    return {
        "disburse": {"amount": "1", "value_date": dmy(today)},
        "repay": {"value_date": dmy(today), "principal": "1.000.000"},
        "reverse": {"transaction": loan.transactions.get().pk, "reason": "Nhầm số tiền"},
        "extend": {
            "due_date": first_due.isoformat(),
            "new_due_date": dmy(first_due + timedelta(days=90)),
            "on": dmy(today),
            "reason": "Thiên tai",
        },
        "freeze": {"start": dmy(today), "decision_ref": "QĐ 13/QĐ-HĐQT"},
        "unfreeze": {"on": dmy(today)},
        "write_off": {"value_date": dmy(today), "reason": "QĐ 12/QĐ-HĐQT"},
    }[action]


def outcome(response, requests_before: int) -> str:
    """What the admin did: refused (403), held (a request stored), or went its way alone."""
    if response.status_code == 403:
        return "refused"
    assert response.status_code in {200, 302}, response.status_code
    return "four eyes" if ApprovalRequest.objects.count() > requests_before else "alone"


@pytest.mark.parametrize("action", list(ADMIN_POSTINGS))
@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_on_each_loan_page_posting(settings, client, roles, loan, role, action):
    settings.FOUR_EYES_DISBURSEMENT_THRESHOLD = 0  # every disbursement is "above" it here
    client.force_login(roles.users[role])
    url = reverse(f"admin:loans_loan_{action}", args=[loan.pk])
    response = client.post(url, posting_form(action, loan))
    assert outcome(response, 0) == admin_may(ROLE_BY_KEY[role], action)
    if ApprovalRequest.objects.exists():
        assert ApprovalRequest.objects.get().operation == ADMIN_POSTINGS[action]
        assert loan.transactions.count() == 1  # nothing moved


__all__ = ["applicant", "group", "point"]  # the origination's fixtures: a ten-member group


@pytest.fixture
def application(cast, applicant):
    return submit(applicant, by=cast.alice)


def other_write(action: str, client, cast, application):
    """Post the admin's form of the action; an empty or invalid form is enough to tell a
    refusal (403) from a page that takes it."""
    if action == "loan-approval":
        return client.post("/admin/loans/loan/add/", {})
    if action == "application":
        return client.post("/admin/origination/loanapplication/add/", {})
    page = f"/admin/origination/loanapplication/{application.pk}/change/"
    if action == "application-step":
        return client.post(page, {"_step": "vote", "vote-members_present": "8"})
    if action == "application-decision":
        certify(vote(application, by=cast.alice), by=cast.alice)
        return client.post(page, {"_step": "decide", "decide-decision": "reject"})
    raise AssertionError(action)


@pytest.mark.parametrize("action", [a for a in ADMIN_WRITES if a != "request-decision"])
@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_on_each_other_admin_write(client, roles, cast, application, role, action):
    client.force_login(roles.users[role])
    response = other_write(action, client, cast, application)
    assert outcome(response, 0) == admin_may(ROLE_BY_KEY[role], action)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_on_a_request_waiting_in_the_queue(client, roles, cast, loan, role):
    pending = ApprovalRequest.objects.create(
        operation="freezes",
        loan=loan,
        office=loan.office,
        maker=cast.alice,
        parameters={"start": str(timezone.localdate()), "decision_ref": "QĐ 1"},
    )
    client.force_login(roles.users[role])
    response = client.post(f"/admin/approvals/approvalrequest/{pending.pk}/approve/", {})
    pending.refresh_from_db()
    done = "refused" if response.status_code == 403 else "alone"
    assert done == admin_may(ROLE_BY_KEY[role], "request-decision")
    assert (pending.status != ApprovalRequest.Status.PENDING) is (done == "alone")


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_on_the_risk_dossier_form(client, roles, loan, role):
    client.force_login(roles.users[role])
    form = {
        "contract_number": loan.contract_number,
        "cause": "natural_disaster",
        "loss_percent": "60",
        "treatment": "freezes",
        "decision_ref": "QĐ 21/QĐ-HĐQT",
        "on": dmy(timezone.localdate()),
    }
    response = client.post("/admin/approvals/riskdossier/add/", form)
    assert outcome(response, 0) == admin_may(ROLE_BY_KEY[role], "risk-dossier")
    assert RiskDossier.objects.exists() is (response.status_code == 302)
    assert list(ADMIN_REQUESTS) == ["risk-dossier"]


def rule_post(rule: str, client, programme_page):
    if rule == "fee-rules":
        example = FeeRule.objects.get(is_example=True, payee="group_leader")
        url = f"/admin/programmes/feerule/{example.pk}/change/"
        return client.post(url, fee_rule_form(example, rate="7"))
    if rule == "savings-rates":
        form = {"rate": "0.60", "effective_from": "01/01/2027", "note": "QĐ 5"}
        return client.post("/admin/programmes/savingsrate/add/", form)
    programme = Programme.objects.get(code="HN")
    data = programme_page(programme)
    total = int(data["rates-TOTAL_FORMS"])
    data.update(
        {
            "rates-TOTAL_FORMS": str(total + 1),
            f"rates-{total}-annual_rate": "6.9",
            f"rates-{total}-effective_from": "01/01/2027",
            f"rates-{total}-programme": str(programme.pk),
        }
    )
    return client.post(f"/admin/programmes/programme/{programme.pk}/change/", data)


@pytest.mark.parametrize("rule", list(RULE_PERMISSIONS))
@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_on_each_rule_page(client, roles, admin_client, rule, role):
    def programme_page(programme):
        # The page as a branch user sees it (an office role's page has no rate form).
        page = admin_client.get(f"/admin/programmes/programme/{programme.pk}/change/")
        return _programme_post(page, programme)

    client.force_login(roles.users[role])
    response = rule_post(rule, client, programme_page)
    expected = role_may(ROLE_BY_KEY[role], rule)
    assert outcome(response, 0) == expected
    if expected == "alone":
        assert response.status_code == 302  # saved


def limited_write(action: str, client, cast, loan) -> bool:
    """Post the admin's page of the action; whether it was done (a run started, a household
    deleted)."""
    if action.startswith("job-"):
        office = str(cast.van_quan.pk) if action == "job-own-office" else ""
        as_of = dmy(timezone.localdate() - timedelta(days=1))
        client.post("/admin/tasks/jobrun/run-arrears/", {"as_of": as_of, "office": office})
        return JobRun.objects.exists()
    if action == "household-delete":
        household = BorrowerFactory(savings_group=loan.borrower.savings_group)  # no business
    else:
        household = loan.borrower  # has a loan
    client.post(f"/admin/borrowers/borrower/{household.pk}/delete/", {"post": "yes"})
    return not Borrower.objects.filter(pk=household.pk).exists()


@pytest.mark.parametrize("action", list(ADMIN_LIMITED))
@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_on_the_job_page_and_the_household_delete(
    client, roles, cast, loan, role, action
):
    # An office role's job page takes its own office only (Toàn chi nhánh is not offered);
    # a household that ever had a loan is deleted by nobody.
    client.force_login(roles.users[role])
    done = limited_write(action, client, cast, loan)
    assert ("alone" if done else "refused") == admin_may(ROLE_BY_KEY[role], action)


@pytest.mark.parametrize("role", ["officer", "director"])
def test_an_office_role_starts_no_job_for_another_office(client, roles, cast, role):
    client.force_login(roles.users[role])
    as_of = dmy(timezone.localdate() - timedelta(days=1))
    page = client.post(
        "/admin/tasks/jobrun/run-arrears/", {"as_of": as_of, "office": str(cast.bac_son.pk)}
    )
    assert page.status_code == 200  # the form refuses the choice
    assert not JobRun.objects.exists()
