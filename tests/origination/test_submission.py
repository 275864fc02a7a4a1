"""The application 01/TD: what it records, and the rules checked when it is submitted (caps,
eligibility, the Decree 28 list, an active household in a group), not only at approval."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loans.origination.models import ApplicationStatus
from loans.origination.services import ApplicationError
from programmes.models import LoanPurpose
from tests.conftest import approved_loan, programme
from tests.factories import BorrowerFactory, PointFactory

from .conftest import APPLIED_ON, M, submit


def refused(borrower, *, by, **terms) -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        submit(borrower, by=by, **terms)
    assert raised.value.code == "invalid"
    return raised.value


def test_an_application_records_its_terms_its_place_and_who_took_it(cast, applicant):
    application = submit(applicant, by=cast.alice, due_day=10)

    assert application.status == ApplicationStatus.SUBMITTED
    assert (application.amount, application.term_months) == (50 * M, 36)
    assert application.grace_months == 0  # HN's default grace
    assert application.principal_frequency_months == 6
    assert application.due_day == 10
    assert application.purpose == "Mua 01 con trâu sinh sản"
    assert application.applied_on == APPLIED_ON
    assert application.savings_group == applicant.savings_group
    assert application.transaction_point == applicant.transaction_point
    assert application.office == cast.van_quan
    assert application.submitted_by == cast.alice
    assert application.submitted_at is not None
    history = application.history.get()
    assert (history.history_type, history.history_user) == ("+", cast.alice)


def test_a_decree_28_line_takes_its_default_grace(cast, applicant):
    application = submit(applicant, by=cast.alice, code="ND28-NHA", amount=40 * M, term_months=180)
    assert application.grace_months == 60  # DOMAIN.md §2: 60 months' grace on principal


def test_it_refuses_an_amount_above_the_programmes_cap(cast, applicant):
    error = refused(applicant, by=cast.alice, amount=100 * M + 1)  # HN: 100,000,000 a household
    assert error.field == "amount"
    assert "100.000.000" in error.message


def test_the_cap_counts_the_households_open_loans(cast, applicant):
    approved_loan(applicant, "HN", amount=60 * M, term=36, by=cast.alice)
    # 60,000,000 held + 50,000,000 asked = 110,000,000 > 100,000,000.
    error = refused(applicant, by=cast.alice)
    assert error.field == "amount"
    assert "60.000.000" in error.message


def test_it_refuses_a_household_outside_the_programmes_categories(cast, group):
    near_poor = BorrowerFactory(savings_group=group, household_category="near_poor")
    error = refused(near_poor, by=cast.alice)  # HN lends to poor households only
    assert error.field == "borrower"


def test_a_decree_28_application_needs_the_approved_list(cast, applicant):
    error = refused(
        applicant,
        by=cast.alice,
        code="ND28-NHA",
        amount=40 * M,
        term_months=180,
        approved_list_ref="  ",
    )
    assert error.field == "approved_list_ref"


def test_decree_28_allows_only_one_of_production_land_or_job_change(cast, applicant):
    approved_loan(applicant, "ND28-SX", amount=50 * M, term=120, by=cast.alice)
    purpose = LoanPurpose.objects.get(programme__code="ND28-SX", code="job_change")
    error = refused(
        applicant, by=cast.alice, code="ND28-SX", amount=20 * M, term_months=60, loan_line=purpose
    )
    assert error.field == "programme"


def test_a_loan_line_of_another_programme_is_reported_on_loan_line(cast, applicant):
    # loans.services calls the line `purpose`; an application's `purpose` is its use of money.
    other_line = LoanPurpose.objects.get(programme__code="ND28-SX", code="land")
    error = refused(applicant, by=cast.alice, loan_line=other_line)
    assert error.field == "loan_line"


def test_an_entrusted_programme_lends_to_group_members_only(cast):
    point = PointFactory(office=cast.van_quan)
    loner = BorrowerFactory(savings_group=None, transaction_point=point)
    assert refused(loner, by=cast.alice).field == "borrower"


def test_a_household_of_a_group_that_stopped_is_refused(cast, applicant):
    group = applicant.savings_group
    group.is_active = False
    group.save()
    error = refused(applicant, by=cast.alice)
    assert error.field == "borrower"
    assert group.name in error.message


def test_an_inactive_household_is_refused(cast, applicant):
    applicant.is_active = False
    applicant.save()
    assert refused(applicant, by=cast.alice).field == "borrower"


def test_a_second_open_application_in_the_programme_is_refused(cast, applicant):
    first = submit(applicant, by=cast.alice)
    error = refused(applicant, by=cast.alice, amount=10 * M)
    assert error.field == "programme"
    assert f"#{first.pk}" in error.message
    # Another programme is another application.
    submit(applicant, by=cast.alice, code="NSVSMT", amount=20 * M, term_months=60)


def test_the_purpose_of_the_money_must_be_written(cast, applicant):
    assert refused(applicant, by=cast.alice, purpose=" \n").field == "purpose"


def test_an_application_is_not_dated_in_the_future(cast, applicant):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert refused(applicant, by=cast.alice, applied_on=tomorrow).field == "applied_on"


def test_a_refused_application_leaves_nothing(cast, applicant):
    refused(applicant, by=cast.alice, amount=100 * M + 1)
    assert not applicant.applications.exists()
    assert programme("HN").applications.count() == 0
