"""Maker-checker: the request moves nothing; a checker of the same office (or the branch), never
the maker, approves it and only then the operation runs, its rules checked again."""

import pytest

from loans.approvals import services
from loans.approvals.models import ApprovalRequest
from loans.approvals.services import ApprovalError
from loans.models import LoanStatus, TransactionKind
from tests.api.conftest import API

Status = ApprovalRequest.Status


def reversal_request(loan, user) -> ApprovalRequest:
    entry = loan.transactions.get()
    return services.request_approval(
        loan,
        operation="reversals",
        parameters={"transaction": entry.pk, "reason": "Nhầm số tiền"},
        by=user,
    )


def test_the_maker_may_not_approve_their_own_request_even_with_the_right(roles, loan):
    # The director may decide, but not what they asked for themselves: refused in the service.
    director = roles.users["director"]
    request = reversal_request(loan, director)
    with pytest.raises(ApprovalError) as err:
        services.approve(request, by=director)
    assert err.value.code == "forbidden"
    request.refresh_from_db()
    assert request.status == Status.PENDING
    assert loan.transactions.count() == 1


def test_a_checker_of_another_office_may_not_decide(roles, loan):
    request = reversal_request(loan, roles.users["officer"])
    with pytest.raises(ApprovalError) as err:
        services.reject(request, by=roles.other_controller, reason="Không đúng")
    assert err.value.code == "forbidden"


def test_an_officer_is_no_checker(roles, loan):
    request = reversal_request(loan, roles.users["director"])
    with pytest.raises(ApprovalError):
        services.approve(request, by=roles.users["officer"])


def test_the_controller_approves_and_the_reversal_runs_once(roles, loan):
    request = reversal_request(loan, roles.users["officer"])
    decision = services.approve(request, by=roles.users["controller"])
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert request.checker == roles.users["controller"]
    assert request.decided_at is not None
    # The disbursement of 20,000,000 reversed: the loan is back to approved, nothing out.
    reversal = loan.transactions.get(kind=TransactionKind.REVERSAL)
    assert decision.body["transactions"][0]["id"] == reversal.pk
    assert request.outcome == decision.body
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    assert loan.outstanding_principal == 0
    with pytest.raises(ApprovalError) as err:  # decided: a second approval is refused
        services.approve(request, by=roles.users["director"])
    assert err.value.code == "approval_state"


def test_a_request_that_no_longer_holds_is_refused_with_the_reason_kept(roles, loan, cast):
    officer = roles.users["officer"]
    request = reversal_request(loan, officer)
    # Meanwhile the same entry is reversed by someone acting alone.
    from loans import services as loan_services

    loan_services.reverse(loan.transactions.get(), reason="Sai", by=cast.alice)
    with pytest.raises(ApprovalError) as err:
        services.approve(request, by=roles.users["controller"])
    assert err.value.code == "approval_stale"
    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert request.reason == err.value.message
    assert request.checker == roles.users["controller"]
    assert loan.transactions.filter(kind=TransactionKind.REVERSAL).count() == 1


def test_rejecting_needs_a_reason_and_moves_nothing(roles, loan):
    request = reversal_request(loan, roles.users["officer"])
    with pytest.raises(ApprovalError):
        services.reject(request, by=roles.users["controller"], reason="  ")
    services.reject(request, by=roles.users["controller"], reason="Chứng từ chưa đủ")
    request.refresh_from_db()
    assert (request.status, request.reason) == (Status.REJECTED, "Chứng từ chưa đủ")
    assert loan.transactions.count() == 1


# --- through the API -------------------------------------------------------------------------


def test_the_whole_path_through_the_api(clients, loan):
    entry = loan.transactions.get()
    asked = clients["officer"].post(
        f"{API}/loans/{loan.pk}/reversals/",
        {"transaction": entry.pk, "reason": "Nhầm số tiền"},
        format="json",
    )
    assert asked.status_code == 202
    approval = asked.json()["approval"]

    queue = clients["controller"].get(f"{API}/approvals/", {"status": "pending"}).json()
    assert [row["id"] for row in queue["results"]] == [approval]
    assert queue["results"][0]["parameters"]["reason"] == "Nhầm số tiền"

    own = clients["officer"].post(f"{API}/approvals/{approval}/approve/")
    assert own.status_code == 403

    key = {"HTTP_IDEMPOTENCY_KEY": "approve-1"}
    done = clients["controller"].post(f"{API}/approvals/{approval}/approve/", **key)
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "approved"
    assert done.json()["transactions"][0]["reverses"] == entry.pk
    again = clients["controller"].post(f"{API}/approvals/{approval}/approve/", **key)
    assert again.status_code == 200
    assert again.json() == done.json()
    assert loan.transactions.filter(kind=TransactionKind.REVERSAL).count() == 1

    mine = clients["officer"].get(f"{API}/approvals/{approval}/").json()
    assert mine["status"] == "approved"
    assert (
        clients["controller"].get(f"{API}/approvals/", {"status": "pending"}).json()["count"] == 0
    )


def test_a_stale_approval_is_a_409_with_the_reason(clients, loan, cast):
    from loans import services as loan_services

    entry = loan.transactions.get()
    asked = clients["officer"].post(
        f"{API}/loans/{loan.pk}/reversals/",
        {"transaction": entry.pk, "reason": "Nhầm"},
        format="json",
    )
    loan_services.reverse(entry, reason="Sai", by=cast.alice)
    answer = clients["director"].post(f"{API}/approvals/{asked.json()['approval']}/approve/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "approval_stale"
    failed = ApprovalRequest.objects.get()
    assert failed.status == Status.FAILED
    assert failed.reason == answer.json()["detail"]


def test_reject_through_the_api(clients, loan):
    asked = clients["officer"].post(
        f"{API}/loans/{loan.pk}/write-offs/",
        {"value_date": str(loan.first_disbursed_on), "reason": "QĐ 1"},
        format="json",
    )
    approval = asked.json()["approval"]
    assert clients["controller"].post(f"{API}/approvals/{approval}/reject/", {}).status_code == 400
    answer = clients["controller"].post(
        f"{API}/approvals/{approval}/reject/", {"reason": "Thiếu hồ sơ"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "rejected"
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE


def test_a_disbursement_above_the_threshold_waits_for_a_second_person(
    settings, clients, household, cast
):
    from datetime import date

    from tests.conftest import approved_loan

    settings.FOUR_EYES_DISBURSEMENT_THRESHOLD = 10_000_000
    loan = approved_loan(
        household, "HN", amount=30_000_000, term=24, by=cast.alice, approved_on=date(2025, 1, 2)
    )
    url = f"{API}/loans/{loan.pk}/disbursements/"
    big = {"amount": 10_000_001, "value_date": "2025-01-10"}
    small = {"amount": 10_000_000, "value_date": "2025-01-10"}
    assert clients["officer"].post(url, big, format="json").status_code == 202
    assert clients["officer"].post(url, small, format="json").status_code == 201
