"""The office director's decision (04/TD): approval creates the loan through
`loans.services.create_loan` after every rule is checked again (the household's state may have
changed since it applied); rejection keeps the reason; only the entitled decide."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from loans.models import Loan, LoanStatus
from loans.origination import services
from loans.origination.models import ApplicationStatus
from loans.origination.services import ApplicationError
from programmes.models import LoanPurpose
from tests.conftest import approved_loan, programme
from tests.factories import SavingsGroupFactory, staff_user

from .conftest import CERTIFIED_ON, DECIDED_ON, M, certified, submit, vote


def refused_approval(application, *, by) -> str:
    with pytest.raises(ApplicationError) as raised:
        services.approve_application(application, by=by, decided_on=DECIDED_ON)
    assert raised.value.code == "application_state"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CERTIFIED
    assert application.loan is None
    return raised.value.message


def test_approval_creates_the_loan_with_the_applications_terms(cast, applicant):
    line = LoanPurpose.objects.get(programme__code="ND28-SX", code="land")
    application = certified(
        applicant,
        by=cast.alice,
        code="ND28-SX",
        amount=70 * M,
        term_months=120,
        grace_months=12,
        principal_frequency_months=12,
        loan_line=line,
        approved_list_date=CERTIFIED_ON - timedelta(days=300),
    )
    approved = services.approve_application(application, by=cast.alice, decided_on=DECIDED_ON)

    approved.refresh_from_db()
    loan = approved.loan
    assert approved.status == ApplicationStatus.APPROVED
    assert (approved.decided_on, approved.decided_by) == (DECIDED_ON, cast.alice)
    assert approved.decided_at is not None
    assert loan.status == LoanStatus.APPROVED
    assert loan.borrower == applicant
    assert (loan.programme.code, loan.purpose) == ("ND28-SX", line)
    assert (loan.approved_amount, loan.term_months, loan.grace_months) == (70 * M, 120, 12)
    assert loan.principal_frequency_months == 12
    assert loan.due_day == 21  # the point's session day: the application left it blank
    assert loan.approved_on == DECIDED_ON
    assert loan.approved_list_ref == "QĐ 456/QĐ-UBND ngày 01/03/2024"
    assert loan.approved_list_date == CERTIFIED_ON - timedelta(days=300)
    assert loan.created_by == cast.alice
    assert loan.application == approved


def test_the_decision_comes_after_the_certification(cast, applicant):
    application = submit(applicant, by=cast.alice)
    for step in (services.approve_application, services.reject_application):
        kwargs = {"reason": "x"} if step is services.reject_application else {}
        with pytest.raises(ApplicationError) as raised:
            step(application, by=cast.alice, **kwargs)
        assert raised.value.code == "application_state"
        assert "03/TD" in raised.value.message
    vote(application, by=cast.alice)
    with pytest.raises(ApplicationError, match="03/TD"):
        services.approve_application(application, by=cast.alice)
    assert not Loan.objects.exists()


def test_a_decision_is_taken_once(cast, applicant):
    application = certified(applicant, by=cast.alice)
    services.approve_application(application, by=cast.alice, decided_on=DECIDED_ON)
    with pytest.raises(ApplicationError) as raised:
        services.reject_application(application, reason="Nhầm", by=cast.alice)
    assert raised.value.code == "application_state"
    assert "Đã phê duyệt" in raised.value.message
    assert Loan.objects.count() == 1


def test_the_decision_is_not_dated_before_the_certification(cast, applicant):
    application = certified(applicant, by=cast.alice)
    with pytest.raises(ApplicationError) as raised:
        services.approve_application(
            application, by=cast.alice, decided_on=CERTIFIED_ON - timedelta(days=1)
        )
    assert raised.value.field == "decided_on"


def test_approval_checks_the_cap_again(cast, applicant):
    application = certified(applicant, by=cast.alice)  # 50,000,000 asked
    approved_loan(applicant, "HN", amount=60 * M, term=36, by=cast.alice)
    # Since it applied the household got 60,000,000: 110,000,000 > the 100,000,000 cap.
    assert "100.000.000" in refused_approval(application, by=cast.alice)
    assert Loan.objects.count() == 1


def test_approval_checks_eligibility_again(cast, applicant):
    application = certified(applicant, by=cast.alice)
    applicant.household_category = "near_poor"  # left the poor list meanwhile
    applicant.save()
    assert "HN" in refused_approval(application, by=cast.alice)


def test_approval_checks_the_programme_is_still_open(cast, applicant):
    application = certified(applicant, by=cast.alice)
    hn = programme("HN")
    hn.is_active = False
    hn.save()
    assert "không còn áp dụng" in refused_approval(application, by=cast.alice)


def test_approval_checks_the_decree_28_rules_again(cast, applicant):
    line = LoanPurpose.objects.get(programme__code="ND28-SX", code="job_change")
    application = certified(
        applicant, by=cast.alice, code="ND28-SX", amount=50 * M, term_months=60, loan_line=line
    )
    # Meanwhile the household got production land: only one of the two (Decree 28/2022).
    approved_loan(applicant, "ND28-SX", amount=30 * M, term=120, by=cast.alice)
    assert "Nghị định 28/2022" in refused_approval(application, by=cast.alice)


def test_approval_checks_the_decree_28_list_again(cast, applicant):
    application = certified(applicant, by=cast.alice, code="NSVSMT", amount=20 * M)
    water = programme("NSVSMT")
    water.requires_approved_list = True  # the programme now lends on an approved list only
    water.save()
    assert "danh sách" in refused_approval(application, by=cast.alice)


def test_approval_refuses_a_household_that_left_the_group(cast, applicant, point):
    application = certified(applicant, by=cast.alice)
    applicant.savings_group = SavingsGroupFactory(transaction_point=point)
    applicant.save()
    assert "chuyển khỏi tổ" in refused_approval(application, by=cast.alice)


def test_approval_refuses_a_household_deactivated_meanwhile(cast, applicant):
    application = certified(applicant, by=cast.alice)
    applicant.is_active = False
    applicant.save()
    assert "ngừng giao dịch" in refused_approval(application, by=cast.alice)


def test_rejection_keeps_the_reason_and_creates_no_loan(cast, applicant):
    application = certified(applicant, by=cast.alice)
    with pytest.raises(ApplicationError) as raised:
        services.reject_application(application, reason="  ", by=cast.alice)
    assert raised.value.field == "reason"

    services.reject_application(
        application, reason="Hộ đang nợ quá hạn", by=cast.alice, decided_on=DECIDED_ON
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert (application.decision_reason, application.decided_by) == (
        "Hộ đang nợ quá hạn",
        cast.alice,
    )
    assert not Loan.objects.exists()


def test_only_a_user_entitled_to_decide_decides(cast, applicant):
    application = certified(applicant, by=cast.alice)
    officer = staff_user("dung", office=cast.van_quan, branch=cast.branch)
    officer.user_permissions.remove(Permission.objects.get(codename="decide_loanapplication"))
    with pytest.raises(PermissionDenied):
        services.approve_application(application, by=officer)
    with pytest.raises(PermissionDenied):
        services.reject_application(application, reason="x", by=officer)
    # Bob decides in Bắc Sơn, not in Văn Quan; the branch decides everywhere.
    with pytest.raises(PermissionDenied):
        services.approve_application(application, by=cast.bob)
    services.approve_application(application, by=cast.carol, decided_on=DECIDED_ON)
    application.refresh_from_db()
    assert application.decided_by == cast.carol


def test_every_step_is_in_the_audit_history(cast, applicant):
    application = certified(applicant, by=cast.alice)
    services.approve_application(application, by=cast.carol, decided_on=DECIDED_ON)
    rows = application.history.order_by("history_date", "history_id")
    assert [(row.status, row.history_user) for row in rows] == [
        ("submitted", cast.alice),
        ("voted", cast.alice),
        ("certified", cast.alice),
        ("approved", cast.carol),
    ]
