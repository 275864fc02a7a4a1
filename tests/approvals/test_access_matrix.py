"""Every role against every loan operation and the other writes, as loans/approvals/roles.py
says (the one definition the README's table is written from): done alone, 202 pending a second
person, or refused (403)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from loans.approvals.models import ApprovalRequest
from loans.approvals.roles import (
    MARKERS,
    OPERATION_PERMISSIONS,
    ROLE_BY_KEY,
    ROLES,
    access_table,
    role_may,
)
from loans.selectors import schedule_in_force
from tests.api.conftest import API

ROLE_KEYS = [role.key for role in ROLES]


def body(operation: str, loan) -> dict:
    """A request the service would accept on a disbursed loan (unfreeze: refused, not frozen)."""
    today = timezone.localdate()
    rows = schedule_in_force(loan, today)
    entry = loan.transactions.get()
    return {
        "disbursements": {"amount": 1, "value_date": str(today)},
        "repayments": {"value_date": str(today), "principal": 1_000_000},
        "reversals": {"transaction": entry.pk, "reason": "Nhầm số tiền"},
        "write-offs": {"value_date": str(today), "reason": "QĐ 12/QĐ-HĐQT"},
        "freezes": {"start": str(today), "decision_ref": "QĐ 13/QĐ-HĐQT"},
        "unfreezes": {"on": str(today)},
        "extensions": {
            "due_date": str(rows[0].due_date),
            "new_due_date": str(rows[0].due_date + timedelta(days=90)),
            "on": str(today),
            "reason": "Thiên tai",
        },
        "schedule-adjustments": {
            "rows": [{"due_date": str(r.due_date), "principal": r.principal} for r in rows],
            "on": str(today),
            "reason": "Hộ đề nghị",
        },
    }[operation]


@pytest.mark.parametrize("operation", list(OPERATION_PERMISSIONS))
@pytest.mark.parametrize("role", ROLE_KEYS)
def test_each_role_may_do_each_operation_as_the_table_says(
    settings, clients, loan, role, operation
):
    settings.FOUR_EYES_DISBURSEMENT_THRESHOLD = 0  # every disbursement is "above" it here
    expected = role_may(ROLE_BY_KEY[role], operation)
    response = clients[role].post(
        f"{API}/loans/{loan.pk}/{operation}/", body(operation, loan), format="json"
    )
    if expected == "refused":
        assert response.status_code == 403
    elif expected == "four eyes":
        assert response.status_code == 202, response.json()
        approval = ApprovalRequest.objects.get()
        assert response.json() == {"approval": approval.pk, "status": "pending"}
        assert approval.operation == operation
        assert loan.transactions.count() == 1  # nothing moved
    else:
        # Reached the service: done (201), or refused by a rule of the loan (not by the role).
        assert response.status_code in {201, 400, 409}, response.json()
        assert not ApprovalRequest.objects.exists()


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_only_the_roles_that_approve_loans_create_them(clients, household, role):
    response = clients[role].post(
        f"{API}/loans/",
        {
            "borrower": household.pk,
            "programme": "HN",
            "amount": 10_000_000,
            "term_months": 12,
            "approved_on": "2025-01-02",
        },
        format="json",
    )
    may = ROLE_BY_KEY[role].key in {"director", "branch", "administrator"}
    assert (response.status_code == 201) is may, response.json()
    assert (response.status_code == 403) is not may


def test_the_defaults_put_the_risky_operations_behind_four_eyes():
    officer = ROLE_BY_KEY["officer"]
    assert role_may(officer, "repayments") == "alone"
    assert role_may(officer, "unfreezes") == "alone"
    for operation in ["reversals", "write-offs", "freezes", "extensions", "schedule-adjustments"]:
        assert role_may(officer, operation) == "four eyes"
        assert role_may(ROLE_BY_KEY["director"], operation) == "four eyes"
        assert role_may(ROLE_BY_KEY["analyst"], operation) == "refused"
        assert role_may(ROLE_BY_KEY["controller"], operation) == "refused"
        assert role_may(ROLE_BY_KEY["administrator"], operation) == "alone"


def test_the_readme_table_is_the_one_from_the_roles(settings):
    readme = (settings.BASE_DIR / "README.md").read_text()
    start, end = MARKERS
    assert readme.split(start)[1].split(end)[0].strip() == access_table()
    call_command("access_table", "--check")  # the command that writes it agrees


def test_the_demo_logins_include_vanquans_checkers(db, monkeypatch):
    import io
    import re

    from django.contrib.auth import get_user_model

    from borrowers.models import Branch, TransactionOffice
    from borrowers.reference_data import BRANCH

    branch = Branch.objects.create(code=BRANCH["code"], name=BRANCH["name"])
    for code, name in [("VQU", "PGD Văn Quan"), ("BSO", "PGD Bắc Sơn")]:
        TransactionOffice.objects.create(branch=branch, code=code, name=name)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("create_demo_logins", stdout=out)
    users = get_user_model().objects
    controller = users.get(username="kiemsoat.vanquan")
    director = users.get(username="giamdoc.vanquan")
    assert re.search(r"user: kiemsoat\.vanquan  password: \S+  \(Kiểm soát viên", out.getvalue())
    assert "giamdoc.vanquan" in out.getvalue()
    assert controller.staff_profile.office.code == director.staff_profile.office.code == "VQU"
    assert controller.has_perm("approvals.decide_approvalrequest")
    assert not controller.has_perm("loans.add_loantransaction")
    assert director.has_perm("origination.decide_loanapplication")
    officer = users.get(username="canbo.vanquan")
    assert not officer.has_perm("loans.add_loan")  # the director approves loans
    assert not officer.has_perm("approvals.bypass_four_eyes")


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_a_branch_wide_night_is_the_branchs_and_an_office_run_the_offices(
    clients, cast, role, django_capture_on_commit_callbacks
):
    # Only a role with tasks.add_jobrun starts runs; an office role only for its own office.
    branch_run = {"kind": "arrears", "as_of": "2025-07-20"}
    office_run = {**branch_run, "office": cast.van_quan.pk}
    with django_capture_on_commit_callbacks(execute=True):
        whole = clients[role].post(f"{API}/jobs/", branch_run, format="json").status_code
        own = clients[role].post(f"{API}/jobs/", office_run, format="json").status_code
    may_start = role in {"officer", "director", "branch", "administrator"}
    assert (own == 202) is may_start, own
    assert (whole == 202) is (role in {"branch", "administrator"}), whole
