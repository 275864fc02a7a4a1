"""Four eyes on a member's savings reversal (issue 14: "reversal" is in the default list): the
journal's "Hủy bút toán" by a user who may not reverse alone stores a request and moves
nothing; a checker of the household's office (or the branch), never the maker, approves it and
only then the reversal posts, the entry checked again."""

from datetime import date

import pytest
from django.urls import reverse

from loans.approvals import services
from loans.approvals.models import ApprovalRequest
from loans.approvals.roles import ROLE_BY_KEY, ROLES, access_table, role_may
from loans.approvals.selectors import waiting_for
from loans.approvals.services import ApprovalError
from loans.savings import services as savings
from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction
from tests.api.conftest import API
from tests.factories import BorrowerFactory

Status = ApprovalRequest.Status
D = date(2025, 3, 10)
FORM = {"value_date": "12/03/2025", "reason": "Ghi nhầm hộ"}


@pytest.fixture
def deposit(cast, household):
    """300,000 đồng deposited on 10/03/2025 by the Văn Quan household (balance 300,000)."""
    return savings.deposit(household, 300_000, D, cast.alice)


def url(entry) -> str:
    return reverse("admin:savings_reverse", args=[entry.pk])


def held_by(client, user, entry) -> ApprovalRequest:
    client.force_login(user)
    response = client.post(url(entry), FORM)
    assert response.status_code == 302
    request = ApprovalRequest.objects.get()
    assert response["Location"] == reverse(
        "admin:approvals_approvalrequest_change", args=[request.pk]
    )
    return request


def balance(household) -> int:
    return SavingsAccount.objects.get(borrower=household).balance


def test_an_officers_reversal_waits_for_a_second_person(client, roles, household, deposit):
    request = held_by(client, roles.users["officer"], deposit)
    assert (request.operation, request.status, request.loan_id) == (
        "savings-reversals",
        Status.PENDING,
        None,
    )
    assert request.office == household.office
    assert request.parameters == {
        "entry": deposit.pk,
        "value_date": "2025-03-12",
        "reason": "Ghi nhầm hộ",
    }
    # Nothing moved: the one deposit, the balance 300,000.
    assert SavingsTransaction.objects.count() == 1
    assert balance(household) == 300_000
    page = client.get(reverse("admin:approvals_approvalrequest_changelist"))
    assert "savings-reversals" in page.content.decode()


def test_a_controller_approves_and_the_reversal_posts_once(client, roles, household, deposit):
    officer, controller = roles.users["officer"], roles.users["controller"]
    request = held_by(client, officer, deposit)
    assert request in waiting_for(controller)  # the checker's queue "Chờ duyệt"
    decision = services.approve(request, by=controller, key="k-1")
    reversal = SavingsTransaction.objects.get(reverses=deposit)
    # Posted as the maker, dated as asked: 300,000 − 300,000 = 0 left.
    assert (reversal.kind, reversal.delta, reversal.value_date) == (
        SavingsKind.REVERSAL,
        -300_000,
        date(2025, 3, 12),
    )
    assert reversal.posted_by == officer
    assert balance(household) == 0
    assert decision.body["balance"] == 0
    assert decision.body["savings_transactions"][0]["id"] == reversal.pk
    request.refresh_from_db()
    assert (request.status, request.checker, request.outcome) == (
        Status.APPROVED,
        controller,
        decision.body,
    )
    # The same approval replayed (same key) runs nothing again; another is refused (409).
    assert services.approve(request, by=controller, key="k-1").replayed
    with pytest.raises(ApprovalError) as err:
        services.approve(request, by=roles.users["director"])
    assert err.value.code == "approval_state"
    assert SavingsTransaction.objects.filter(reverses=deposit).count() == 1


def test_the_maker_may_not_approve_their_own_reversal(client, roles, household, deposit):
    # The director may decide, but not a request of their own: refused in the service.
    director = roles.users["director"]
    request = held_by(client, director, deposit)
    with pytest.raises(ApprovalError) as err:
        services.approve(request, by=director)
    assert err.value.code == "forbidden"
    with pytest.raises(ApprovalError) as err:
        services.approve(request, by=roles.other_controller)  # Bắc Sơn's controller
    assert err.value.code == "forbidden"
    request.refresh_from_db()
    assert request.status == Status.PENDING
    assert balance(household) == 300_000


def test_the_branch_may_check_any_office(client, roles, household, deposit):
    request = held_by(client, roles.users["officer"], deposit)
    services.approve(request, by=roles.users["branch"])
    assert balance(household) == 0


def test_an_entry_reversed_meanwhile_is_refused_with_the_reason(client, roles, household, deposit):
    request = held_by(client, roles.users["officer"], deposit)
    # The administrator (who may reverse alone) reversed it while the request waited.
    savings.reverse_savings(deposit, roles.users["administrator"], D, "Đã hủy")
    response = _api(roles.users["controller"]).post(f"{API}/approvals/{request.pk}/approve/")
    assert response.status_code == 409
    assert response.json() == {"detail": "Bút toán này đã được hủy.", "code": "approval_stale"}
    request.refresh_from_db()
    assert (request.status, request.reason) == (Status.FAILED, "Bút toán này đã được hủy.")
    assert SavingsTransaction.objects.filter(reverses=deposit).count() == 1
    assert balance(household) == 0  # 300,000 reversed once


def test_the_api_approval_answers_with_the_reversal(client, roles, household, deposit):
    request = held_by(client, roles.users["officer"], deposit)
    response = _api(roles.users["controller"]).post(f"{API}/approvals/{request.pk}/approve/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["approval"], body["balance"]) == ("approved", request.pk, 0)
    assert body["savings_transactions"][0]["delta"] == -300_000


def test_a_reversal_that_would_be_refused_is_not_stored(client, roles, household, deposit):
    # 300,000 in, 200,000 out: reversing the deposit would leave −200,000; no reason at all.
    savings.withdraw(household, 200_000, D, roles.users["administrator"])
    client.force_login(roles.users["officer"])
    assert client.post(url(deposit), FORM).status_code == 200
    assert client.post(url(deposit), {**FORM, "reason": ""}).status_code == 200
    assert not ApprovalRequest.objects.exists()


@pytest.mark.parametrize("role", [role.key for role in ROLES])
def test_each_role_on_a_savings_reversal_as_the_table_says(client, roles, household, deposit, role):
    client.force_login(roles.users[role])
    response = client.post(url(deposit), FORM)
    reversed_now = SavingsTransaction.objects.filter(reverses=deposit).exists()
    if response.status_code == 403:
        done = "refused"
    elif ApprovalRequest.objects.exists():
        done = "four eyes"
        assert not reversed_now
    else:
        assert response.status_code == 302 and reversed_now
        done = "alone"
    assert done == role_may(ROLE_BY_KEY[role], "savings-reversals")
    assert "POST /borrowers/{id}/savings/reversals/" in access_table()


def _api(user):
    from tests.api.conftest import token_client

    return token_client(user)


# --- POST /api/v1/borrowers/{id}/savings/reversals/ --------------------------------------------


def api_body(entry) -> dict:
    return {"transaction": entry.pk, "value_date": "2025-03-12", "reason": "Ghi nhầm hộ"}


def reversals_url(household) -> str:
    return f"{API}/borrowers/{household.pk}/savings/reversals/"


@pytest.mark.parametrize("role", [role.key for role in ROLES])
def test_each_role_on_the_api_reversal_as_the_table_says(clients, household, deposit, role):
    response = clients[role].post(reversals_url(household), api_body(deposit), format="json")
    expected = role_may(ROLE_BY_KEY[role], "savings-reversals")
    if expected == "refused":
        assert response.status_code == 403
    elif expected == "four eyes":
        assert response.status_code == 202, response.json()
        approval = ApprovalRequest.objects.get()
        assert response.json() == {"approval": approval.pk, "status": "pending"}
        assert balance(household) == 300_000  # nothing moved
    else:
        assert response.status_code == 201, response.json()
        # 300,000 − 300,000: the balance is 0 after the reversal.
        assert response.json()["balance"] == 0
        assert response.json()["savings_transactions"][0]["reverses"] == deposit.pk


def test_the_api_refuses_what_the_service_refuses(clients, cast, household, deposit):
    admin = clients["administrator"]  # may reverse alone
    other = savings.deposit(
        BorrowerFactory(savings_group=household.savings_group), 50_000, D, cast.alice
    )
    wrong = admin.post(reversals_url(household), api_body(other), format="json")
    assert wrong.status_code == 400 and list(wrong.json()) == ["transaction"]
    early = admin.post(
        reversals_url(household), {**api_body(deposit), "value_date": "2025-03-09"}, format="json"
    )
    assert early.status_code == 400 and list(early.json()) == ["value_date"]
    assert admin.post(reversals_url(household), api_body(deposit), format="json").status_code == 201
    again = admin.post(reversals_url(household), api_body(deposit), format="json")
    assert (again.status_code, again.json()["code"]) == (409, "savings_state")
    # An officer's request for an entry already reversed is not stored either.
    officer = clients["officer"].post(reversals_url(household), api_body(deposit), format="json")
    assert officer.status_code == 409
    assert not ApprovalRequest.objects.exists()
