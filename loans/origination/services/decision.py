"""The office director's decision (thông báo kết quả phê duyệt 04/TD): approve, creating the
loan, or reject with the reason."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.selectors import office_ids_for
from loans import services as loan_services

from ..models import ApplicationStatus, LoanApplication
from .common import (
    DECIDE_PERMISSION,
    STATE,
    ApplicationError,
    check_dated,
    check_household,
    check_step,
    check_still_in_group,
    given,
    loan_terms,
    locked,
    move,
)


@transaction.atomic
def approve_application(
    application: LoanApplication, *, by: AbstractBaseUser, decided_on: date | None = None
) -> LoanApplication:
    """The office director approves a certified application (thông báo 04/TD). Every rule is
    checked again against the household's state now (active, still in the group that voted,
    caps, eligibility, the Decree 28 list): the loan is created by `loans.services.create_loan`,
    whose refusal is the application's (409, with its reason)."""
    application = locked(application)
    decided_on = _check_decision(application, by=by, decided_on=decided_on)
    check_household(application, code=STATE)
    check_still_in_group(application)
    try:
        loan = loan_services.create_loan(approved_on=decided_on, by=by, **loan_terms(application))
    except loan_services.LoanError as err:
        raise ApplicationError(err.message, code=STATE) from err
    application.loan = loan
    _record_decision(application, decided_on=decided_on, by=by)
    move(application, ApplicationStatus.APPROVED, by=by)
    return application


@transaction.atomic
def reject_application(
    application: LoanApplication,
    *,
    reason: str,
    by: AbstractBaseUser,
    decided_on: date | None = None,
) -> LoanApplication:
    """The office director refuses a certified application, with the reason (04/TD)."""
    application = locked(application)
    decided_on = _check_decision(application, by=by, decided_on=decided_on)
    application.decision_reason = given(
        reason, field="reason", message=_("Phải ghi lý do không phê duyệt.")
    )
    _record_decision(application, decided_on=decided_on, by=by)
    move(application, ApplicationStatus.REJECTED, by=by)
    return application


def _check_decision(
    application: LoanApplication, *, by: AbstractBaseUser, decided_on: date | None
) -> date:
    """The decider is entitled in the application's office; it is certified; the day of the
    decision (today if not given) is from the certification to today."""
    office_ids = office_ids_for(by)
    in_office = office_ids is None or application.office_id in office_ids
    if not (in_office and by.has_perm(DECIDE_PERMISSION)):
        raise PermissionDenied(_("Chỉ giám đốc phòng giao dịch hoặc chi nhánh được quyết định."))
    check_step(application, "decide")
    decided_on = decided_on or loan_services.today()
    after = (application.certified_on, _("ngày UBND xã xác nhận"))
    check_dated(decided_on, field="decided_on", after=after)
    return decided_on


def _record_decision(application: LoanApplication, *, decided_on: date, by) -> None:
    application.decided_on = decided_on
    application.decided_at = timezone.now()
    application.decided_by = by
