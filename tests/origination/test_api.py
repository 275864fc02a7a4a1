"""The applications API: the whole path from the application 01/TD to the first disbursement,
and its answers: 400 with field messages, 409 for a step out of order, 404 for another office's
application, 403 for a decision without the director's permission."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from loans.models import Loan, LoanStatus
from loans.origination.models import ApplicationStatus
from tests.api.conftest import API, token_client
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory, staff_user

from .conftest import APPLIED_ON, CERTIFIED_ON, DECIDED_ON, MEETING, M, certified, submit

APPLICATIONS = f"{API}/applications/"


def post(client, path: str, body: dict):
    return client.post(path, body, format="json")


def application_body(borrower, **fields) -> dict:
    return {
        "borrower": borrower.pk,
        "programme": "HN",
        "amount": 50 * M,
        "term_months": 36,
        "principal_frequency_months": 6,
        "due_day": 10,
        "purpose": "Mua 01 con trâu sinh sản",
        "applied_on": APPLIED_ON.isoformat(),
        **fields,
    }


@pytest.fixture
def alice_api(cast):
    return token_client(cast.alice)


def test_from_the_application_to_the_first_disbursement(cast, applicant, alice_api):
    url = _submitted(alice_api, applicant, office=cast.van_quan)
    _voted_and_certified(alice_api, url, officer=cast.alice)
    loan_id = _approved(alice_api, url)

    loan = alice_api.get(f"{API}/loans/{loan_id}/").json()
    assert (loan["status"], loan["amount"], loan["approved_on"]) == (
        "approved",
        50 * M,
        "2025-03-20",
    )
    assert loan["schedule"] == []

    disbursed = post(
        alice_api,
        f"{API}/loans/{loan_id}/disbursements/",
        {"amount": 50 * M, "value_date": "2025-04-10"},
    )
    assert disbursed.status_code == 201, disbursed.json()
    loan = alice_api.get(f"{API}/loans/{loan_id}/").json()
    assert loan["status"] == "active"
    assert loan["contract_rate"] == "6.6000"
    # 50,000,000 over 36 months, principal every 6 months from 10 Apr 2025 on the 10th:
    # 6 instalments of 50,000,000 / 6 = 8,333,333 -> 8,333,000, the last 8,335,000.
    assert [row["principal"] for row in loan["schedule"]] == [8_333_000] * 5 + [8_335_000]
    assert [row["due_date"] for row in loan["schedule"]][:2] == ["2025-10-10", "2026-04-10"]
    assert loan["schedule"][-1]["due_date"] == "2028-04-10"


def _submitted(client, applicant, *, office) -> str:
    created = post(client, APPLICATIONS, application_body(applicant))
    assert created.status_code == 201, created.json()
    application = created.json()
    assert application["status"] == "submitted"
    assert application["purpose"] == "Mua 01 con trâu sinh sản"
    assert application["loan_line"] is None
    steps = (application["vote"], application["certification"], application["decision"])
    assert steps == (None, None, None)
    assert application["office"] == office.pk
    assert "approved_on" not in application
    return f"{APPLICATIONS}{application['id']}/"


def _voted_and_certified(client, url: str, *, officer) -> None:
    vote = {"meeting_date": MEETING.isoformat(), "members_present": 9, "votes_for": 8}
    voted = post(client, f"{url}vote/", vote)
    assert voted.status_code == 200, voted.json()
    assert voted.json()["status"] == "voted"
    assert voted.json()["vote"]["votes_for"] == 8
    assert voted.json()["vote"]["recorded_by"] == officer.pk

    certification = {"certified_on": CERTIFIED_ON.isoformat(), "reference": "Số 12/XN-UBND"}
    certified_ = post(client, f"{url}certify/", certification)
    assert certified_.status_code == 200, certified_.json()
    assert certified_.json()["certification"]["reference"] == "Số 12/XN-UBND"


def _approved(client, url: str) -> int:
    decision = {"decision": "approve", "decided_on": DECIDED_ON.isoformat()}
    decided = post(client, f"{url}decide/", decision)
    assert decided.status_code == 201, decided.json()
    body = decided.json()
    assert body["status"] == "approved"
    assert body["decision"]["decision"] == "approve"
    assert body["decision"]["loan"] == body["loan"]
    shown = client.get(url).json()
    assert [shown[k] is not None for k in ("vote", "certification", "decision")] == [True] * 3
    assert shown["loan"] == body["loan"]
    return body["loan"]


def test_the_loan_line_is_loan_line_and_purpose_is_the_use_of_the_money(cast, alice_api, group):
    applicant = BorrowerFactory(savings_group=group)
    body = application_body(
        applicant,
        programme="ND28-SX",
        amount=70 * M,
        term_months=120,
        loan_line="land",
        approved_list_ref="QĐ 456/QĐ-UBND",
        purpose="Mua 0,5 ha đất sản xuất",
    )
    created = post(alice_api, APPLICATIONS, body)
    assert created.status_code == 201, created.json()
    assert (created.json()["loan_line"], created.json()["purpose"]) == (
        "land",
        "Mua 0,5 ha đất sản xuất",
    )

    other = post(alice_api, APPLICATIONS, {**body, "programme": "HN", "loan_line": "land"})
    assert other.status_code == 400
    assert set(other.json()) == {"loan_line"}


def test_bad_input_is_a_400_with_field_messages(cast, applicant, alice_api):
    missing = post(alice_api, APPLICATIONS, {"borrower": applicant.pk})
    assert missing.status_code == 400
    assert {"programme", "amount", "term_months", "purpose", "applied_on"} <= set(missing.json())

    over_cap = post(alice_api, APPLICATIONS, application_body(applicant, amount=100 * M + 1))
    assert over_cap.status_code == 400
    assert set(over_cap.json()) == {"amount"}

    tomorrow = date.fromordinal(timezone.localdate().toordinal() + 1).isoformat()
    future = post(alice_api, APPLICATIONS, application_body(applicant, applied_on=tomorrow))
    assert set(future.json()) == {"applied_on"}

    application = submit(applicant, by=cast.alice)
    minority = post(
        alice_api,
        f"{APPLICATIONS}{application.pk}/vote/",
        {"meeting_date": MEETING.isoformat(), "members_present": 8, "votes_for": 4},
    )
    assert minority.status_code == 400
    assert set(minority.json()) == {"votes_for"}


def test_a_step_out_of_order_is_a_409_with_the_reason(cast, applicant, alice_api):
    application = submit(applicant, by=cast.alice)
    url = f"{APPLICATIONS}{application.pk}/"
    early = post(alice_api, f"{url}certify/", {"certified_on": "2025-03-14", "reference": "12"})
    assert early.status_code == 409
    assert early.json()["code"] == "application_state"
    assert "10/TD" in early.json()["detail"]

    undecided = post(alice_api, f"{url}decide/", {"decision": "approve"})
    assert undecided.status_code == 409
    assert "03/TD" in undecided.json()["detail"]
    assert not Loan.objects.exists()


def test_a_rejection_answers_200_and_needs_its_reason(cast, applicant, alice_api):
    application = certified(applicant, by=cast.alice)
    url = f"{APPLICATIONS}{application.pk}/decide/"
    no_reason = post(alice_api, url, {"decision": "reject"})
    assert no_reason.status_code == 400
    assert set(no_reason.json()) == {"reason"}

    rejected = post(alice_api, url, {"decision": "reject", "reason": "Hộ chưa có phương án"})
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision"] == {
        **rejected.json()["decision"],
        "decision": "reject",
        "reason": "Hộ chưa có phương án",
        "loan": None,
    }


def test_an_approval_that_no_longer_holds_is_a_409(cast, applicant, alice_api):
    application = certified(applicant, by=cast.alice)
    applicant.household_category = "near_poor"
    applicant.save()
    response = post(alice_api, f"{APPLICATIONS}{application.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 409
    assert "HN" in response.json()["detail"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CERTIFIED


def test_another_offices_application_does_not_exist(cast, applicant):
    application = submit(applicant, by=cast.alice)
    bob = token_client(cast.bob)
    url = f"{APPLICATIONS}{application.pk}/"
    assert bob.get(url).status_code == 404
    for step, body in [
        ("vote/", {"meeting_date": "2025-03-10", "members_present": 8, "votes_for": 7}),
        ("certify/", {"certified_on": "2025-03-14", "reference": "12"}),
        ("decide/", {"decision": "reject", "reason": "x"}),
        ("withdraw/", {"reason": "x"}),
    ]:
        assert post(bob, url + step, body).status_code == 404, step
    assert bob.get(APPLICATIONS).json()["results"] == []
    # Nor may an officer apply for another office's household.
    created = post(bob, APPLICATIONS, application_body(applicant, programme="NSVSMT"))
    assert created.status_code == 400
    assert set(created.json()) == {"borrower"}


def test_the_decision_needs_the_directors_permission(cast, applicant):
    application = certified(applicant, by=cast.alice)
    officer = staff_user("dung", office=cast.van_quan, branch=cast.branch)
    officer.user_permissions.remove(Permission.objects.get(codename="decide_loanapplication"))
    client = token_client(officer)
    url = f"{APPLICATIONS}{application.pk}/decide/"
    assert post(client, url, {"decision": "approve"}).status_code == 403
    # The officer still records the other steps and reads the application.
    assert client.get(f"{APPLICATIONS}{application.pk}/").status_code == 200


def test_the_list_is_scoped_and_filtered(cast, applicant, alice_api, point):
    first = submit(applicant, by=cast.alice)
    other_group = SavingsGroupFactory(transaction_point=PointFactory(office=cast.van_quan))
    second = submit(BorrowerFactory(savings_group=other_group), by=cast.alice, code="NSVSMT")
    certified(BorrowerFactory(savings_group=applicant.savings_group), by=cast.alice)
    bac_son = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    submit(BorrowerFactory(savings_group=bac_son), by=cast.bob)

    def ids(**query) -> list[int]:
        response = alice_api.get(APPLICATIONS, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert len(ids()) == 3
    assert ids(status="submitted") == [second.pk, first.pk]
    assert ids(savings_group=other_group.pk) == [second.pk]
    assert ids(programme="NSVSMT") == [second.pk]
    assert ids(office=cast.van_quan.pk, programme="HN", status="certified") != []
    assert ids(office=cast.bac_son.pk) == []
    assert len(token_client(cast.carol).get(APPLICATIONS).json()["results"]) == 4


def test_a_withdrawal_through_the_api(cast, applicant, alice_api):
    application = submit(applicant, by=cast.alice)
    url = f"{APPLICATIONS}{application.pk}/withdraw/"
    withdrawn = post(alice_api, url, {"reason": "Hộ không vay nữa"})
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["withdrawal"]["reason"] == "Hộ không vay nữa"
    assert post(alice_api, url, {"reason": "again"}).status_code == 409


def test_the_approved_loan_is_an_approved_loan_like_any(cast, applicant, alice_api):
    application = certified(applicant, by=cast.alice)
    post(alice_api, f"{APPLICATIONS}{application.pk}/decide/", {"decision": "approve"})
    application.refresh_from_db()
    assert application.loan.status == LoanStatus.APPROVED
    assert application.loan.approved_on == timezone.localdate()  # decided today by default
