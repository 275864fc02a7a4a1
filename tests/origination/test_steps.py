"""The group's vote (10/TD), the commune's certification (03/TD) and the withdrawal: each step's
rule, and the order of the steps (a step out of order is refused with the reason, code
"application_state", which the API answers with 409)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loans.origination import services
from loans.origination.models import ApplicationStatus
from loans.origination.services import ApplicationError
from tests.factories import BorrowerFactory, SavingsGroupFactory

from .conftest import APPLIED_ON, CERTIFIED_ON, MEETING, M, certified, certify, submit, vote


def refused_vote(application, *, by, present: int, votes_for: int, **kw) -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        services.record_vote(
            application,
            meeting_date=kw.get("meeting_date", MEETING),
            members_present=present,
            votes_for=votes_for,
            by=by,
        )
    return raised.value


def out_of_order(step, *args, **kwargs) -> str:
    with pytest.raises(ApplicationError) as raised:
        step(*args, **kwargs)
    assert raised.value.code == "application_state"
    return raised.value.message


@pytest.fixture
def application(cast, applicant):
    return submit(applicant, by=cast.alice)


# --- the vote --------------------------------------------------------------------------------


def test_the_vote_is_recorded_with_who_and_when(cast, application):
    voted = vote(application, by=cast.alice, present=8, votes_for=7)
    voted.refresh_from_db()
    assert voted.status == ApplicationStatus.VOTED
    assert (voted.meeting_date, voted.members_present, voted.votes_for) == (MEETING, 8, 7)
    assert voted.vote_recorded_by == cast.alice
    assert voted.vote_recorded_at is not None
    assert voted.history.count() == 2  # submitted, voted


def test_the_vote_needs_more_than_half_of_the_members_present(cast, application):
    # 10 present: 5 for is half (5 × 2 = 10, not > 10), refused; 6 for is a majority.
    error = refused_vote(application, by=cast.alice, present=10, votes_for=5)
    assert error.field == "votes_for"
    assert "5/10" in error.message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    assert vote(application, by=cast.alice, present=10, votes_for=6).status == "voted"


def test_an_odd_meeting_needs_the_larger_half(cast, application):
    # 7 present: 3 for (6 ≤ 7) refused, 4 for (8 > 7) carries.
    assert refused_vote(application, by=cast.alice, present=7, votes_for=3).field == "votes_for"
    assert vote(application, by=cast.alice, present=7, votes_for=4).status == "voted"


def test_no_more_members_present_than_the_group_has(cast, application):
    # The group has ten member households (the applicant and nine others).
    error = refused_vote(application, by=cast.alice, present=11, votes_for=11)
    assert error.field == "members_present"
    assert "(11)" in error.message and "(10)" in error.message
    assert vote(application, by=cast.alice, present=10, votes_for=10).status == "voted"


def test_votes_for_cannot_exceed_those_present(cast, application):
    assert refused_vote(application, by=cast.alice, present=5, votes_for=6).field == "votes_for"
    assert refused_vote(application, by=cast.alice, present=0, votes_for=0).field == (
        "members_present"
    )


def test_the_meeting_is_not_before_the_application_nor_in_the_future(cast, application):
    before = APPLIED_ON - timedelta(days=1)
    tomorrow = timezone.localdate() + timedelta(days=1)
    for day in (before, tomorrow):
        error = refused_vote(application, by=cast.alice, present=8, votes_for=7, meeting_date=day)
        assert error.field == "meeting_date"


def test_a_household_that_moved_group_is_not_on_the_old_groups_list(cast, application, point):
    applicant = application.borrower
    applicant.savings_group = SavingsGroupFactory(transaction_point=point)
    applicant.save()
    message = out_of_order(vote, application, by=cast.alice)
    assert "rút đề nghị" in message


def test_a_direct_programme_has_no_group_vote(cast, applicant):
    # NOXH lends directly (collateral, no group): from the submission to the certification.
    application = submit(applicant, by=cast.alice, code="NOXH", amount=300 * M, term_months=240)
    assert "trực tiếp" in out_of_order(vote, application, by=cast.alice)
    assert certify(application, by=cast.alice).status == ApplicationStatus.CERTIFIED


# --- the certification -----------------------------------------------------------------------


def test_the_certification_is_recorded_with_who_and_when(cast, application):
    done = certify(vote(application, by=cast.alice), by=cast.alice)
    done.refresh_from_db()
    assert done.status == ApplicationStatus.CERTIFIED
    assert (done.certified_on, done.certification_ref) == (CERTIFIED_ON, "Số 12/XN-UBND")
    assert done.certification_recorded_by == cast.alice
    assert done.certification_recorded_at is not None


def test_the_certification_comes_after_the_vote(cast, application):
    message = out_of_order(certify, application, by=cast.alice)
    assert "10/TD" in message


def test_the_certification_is_not_dated_before_the_meeting(cast, application):
    vote(application, by=cast.alice)
    with pytest.raises(ApplicationError) as raised:
        services.certify(
            application, certified_on=MEETING - timedelta(days=1), reference="12", by=cast.alice
        )
    assert raised.value.field == "certified_on"
    assert "10/03/2025" in raised.value.message


def test_the_certification_needs_its_reference(cast, application):
    vote(application, by=cast.alice)
    with pytest.raises(ApplicationError) as raised:
        services.certify(application, certified_on=CERTIFIED_ON, reference=" ", by=cast.alice)
    assert raised.value.field == "reference"


def test_a_step_is_not_taken_twice(cast, application):
    vote(application, by=cast.alice)
    assert "10/03/2025" in out_of_order(vote, application, by=cast.alice)
    certify(application, by=cast.alice)
    assert "14/03/2025" in out_of_order(certify, application, by=cast.alice)


# --- withdrawal ------------------------------------------------------------------------------


def test_an_officer_withdraws_an_application_before_the_decision(cast, applicant):
    application = certified(applicant, by=cast.alice)
    services.withdraw_application(application, reason="Hộ không vay nữa", by=cast.alice)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert (application.withdrawn_by, application.withdrawal_reason) == (
        cast.alice,
        "Hộ không vay nữa",
    )
    assert "rút" in out_of_order(services.approve_application, application, by=cast.alice)
    # Withdrawn, it no longer blocks a new application in the programme.
    assert submit(applicant, by=cast.alice).status == ApplicationStatus.SUBMITTED


def test_a_withdrawal_needs_its_reason(cast, application):
    with pytest.raises(ApplicationError) as raised:
        services.withdraw_application(application, reason="", by=cast.alice)
    assert raised.value.field == "reason"


def test_a_decided_application_is_not_withdrawn_nor_voted_again(cast, applicant):
    application = certified(applicant, by=cast.alice)
    services.reject_application(application, reason="Hộ chưa có phương án", by=cast.alice)
    for step in (services.withdraw_application, vote):
        kwargs = {"reason": "x"} if step is services.withdraw_application else {}
        assert "Không phê duyệt" in out_of_order(step, application, by=cast.alice, **kwargs)


def test_the_member_count_is_the_groups_own(cast, application, point):
    # Members of another group do not count towards this group's meeting.
    BorrowerFactory.create_batch(3, savings_group=SavingsGroupFactory(transaction_point=point))
    assert refused_vote(application, by=cast.alice, present=11, votes_for=9).field == (
        "members_present"
    )


def test_the_whole_list_is_certified_at_once_or_not_at_all(cast, applicant, group):
    first = vote(submit(applicant, by=cast.alice), by=cast.alice)
    second = vote(submit(BorrowerFactory(savings_group=group), by=cast.alice), by=cast.alice)
    with pytest.raises(ApplicationError) as raised:  # before the meeting: neither is certified
        services.certify_group_list(
            group, meeting_date=MEETING, certified_on=APPLIED_ON, reference="12", by=cast.alice
        )
    assert raised.value.field == "certified_on"
    first.refresh_from_db()
    assert first.status == ApplicationStatus.VOTED

    done = services.certify_group_list(
        group, meeting_date=MEETING, certified_on=CERTIFIED_ON, reference="12", by=cast.alice
    )
    assert sorted(a.pk for a in done) == sorted([first.pk, second.pk])
    assert "chờ UBND xã xác nhận" in out_of_order(
        services.certify_group_list,
        group,
        meeting_date=MEETING,
        certified_on=CERTIFIED_ON,
        reference="12",
        by=cast.alice,
    )
