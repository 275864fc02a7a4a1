"""Origination speaks English under `en` (the catalogue has every string; tests/test_i18n.py
checks it is complete): the model's names, a step's refusal, and the API's answer."""

import pytest
from django.utils import translation

from loans.origination.models import LoanApplication
from tests.api.conftest import API, token_client

from .conftest import submit


@pytest.fixture(autouse=True)
def default_language_afterwards():
    # A request with Accept-Language activates its language for the thread (LocaleMiddleware)
    # and leaves it active: the tests after these expect the default again.
    yield
    translation.deactivate()


def test_the_application_is_named_in_english_and_vietnamese():
    with translation.override("en"):
        assert str(LoanApplication._meta.verbose_name) == "loan application"
        assert str(LoanApplication._meta.verbose_name_plural) == "loan applications"
        statuses = dict(LoanApplication._meta.get_field("status").flatchoices)
        assert str(statuses["voted"]) == "Voted by the group"
    with translation.override("vi"):
        assert str(LoanApplication._meta.verbose_name) == "đề nghị vay vốn"


def test_a_step_out_of_order_is_refused_in_the_clients_language(cast, applicant):
    application = submit(applicant, by=cast.alice)
    path = f"{API}/applications/{application.pk}/certify/"
    body = {"certified_on": "2025-03-14", "reference": "12"}
    client = token_client(cast.alice)

    english = client.post(path, body, format="json", headers={"Accept-Language": "en"})
    assert english.status_code == 409
    assert english.json()["detail"] == (
        "The group has not voted on this application yet: the minutes of the group's meeting "
        "(10/TD) come before the certification."
    )
    vietnamese = client.post(path, body, format="json")
    assert vietnamese.json()["detail"] == (
        "Tổ chưa bình xét đề nghị này: cần biên bản họp tổ (10/TD) trước xác nhận."
    )


def test_a_vote_without_a_majority_is_refused_in_english(cast, applicant):
    application = submit(applicant, by=cast.alice)
    response = token_client(cast.alice).post(
        f"{API}/applications/{application.pk}/vote/",
        {"meeting_date": "2025-03-10", "members_present": 8, "votes_for": 4},
        format="json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "votes_for": [
            "Not more than half of the members present voted for it (4/8): the group does not "
            "propose the loan."
        ]
    }
