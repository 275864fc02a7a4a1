"""Every step of an application is one service: each runs in a transaction, locks the
application's row, checks its rule, records who did it and when (and the audit history), and
raises ApplicationError with a message a branch officer understands.

- submit_application (01/TD): the household may be lent this now (caps, eligibility, Decree 28)
- record_vote (10/TD): a majority of the members present, no more present than the group has
- certify (03/TD): after the vote (a direct programme: after the submission), before the decision
- approve_application, reject_application (04/TD): after the certification; approval checks
  every rule again and creates the loan through `loans.services.create_loan`
- withdraw_application: the officer withdraws it, before the decision
"""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.models import Borrower
from borrowers.selectors import office_ids_for
from core.errors import DomainError
from loans import services as loan_services
from programmes.models import LoanPurpose, Programme

from .models import ApplicationStatus, LoanApplication
from .selectors import group_member_count

DECIDE_PERMISSION = "origination.decide_loanapplication"
STATE = "application_state"
# loans.services calls the loan line `purpose`; an application's `purpose` is what the money is
# for (01/TD), so the line's errors are reported on `loan_line`.
ELIGIBILITY_FIELDS = {"purpose": "loan_line"}


class ApplicationError(DomainError):
    """A broken rule of an application (đề nghị vay vốn). `code` is "application_state" when
    its status, or what changed since it was submitted, refuses the step (the API answers 409),
    else "invalid" (400) with the message on `field`."""


# --- 01/TD -----------------------------------------------------------------------------------


@transaction.atomic
def submit_application(
    *,
    borrower: Borrower,
    programme: Programme,
    amount: int,
    term_months: int,
    purpose: str,
    applied_on: date,
    by: AbstractBaseUser,
    loan_line: LoanPurpose | None = None,
    grace_months: int | None = None,
    principal_frequency_months: int = 6,
    due_day: int | None = None,
    approved_list_ref: str = "",
    approved_list_date: date | None = None,
) -> LoanApplication:
    """Receive a household's application (giấy đề nghị vay vốn 01/TD). The household is active
    (for an entrusted programme: in an active group), has no other open application in the
    programme, and the programme's caps, eligibility and Decree 28 list hold now, not only at
    approval (`loans.services.check_eligibility`)."""
    # One submission of a household at a time, as create_loan serialises its approvals.
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    _check_dated(applied_on, field="applied_on")
    application = LoanApplication(
        borrower=borrower,
        programme=programme,
        loan_line=loan_line,
        savings_group_id=borrower.savings_group_id,
        transaction_point_id=borrower.transaction_point_id,
        office_id=borrower.office_id,
        amount=amount,
        term_months=term_months,
        grace_months=programme.grace_months if grace_months is None else grace_months,
        principal_frequency_months=principal_frequency_months,
        due_day=due_day,
        approved_list_ref=(approved_list_ref or "").strip(),
        approved_list_date=approved_list_date,
        purpose=_given(purpose, field="purpose", message=_("Phải ghi mục đích sử dụng vốn vay.")),
        applied_on=applied_on,
        submitted_by=by,
    )
    _check_household(application, code="invalid")
    _check_eligible(application)
    _check_no_open_application(application)
    _save(application, by=by)
    return application


def _check_household(application: LoanApplication, *, code: str) -> None:
    """The household still does business with the bank, and an entrusted programme's group too."""
    borrower = application.borrower
    field = "borrower" if code == "invalid" else None
    # Borrower.is_active comes with deactivation (issue 14, roles); until then all are active.
    if not getattr(borrower, "is_active", True):
        raise ApplicationError(
            _("Hộ vay đã ngừng giao dịch với ngân hàng."), field=field, code=code
        )
    group = borrower.savings_group
    if application.needs_vote and group is not None and not group.is_active:
        raise ApplicationError(
            _("Tổ TK&VV “%(group)s” đã ngừng hoạt động.") % {"group": group.name},
            field=field,
            code=code,
        )


def _check_eligible(application: LoanApplication) -> None:
    try:
        loan_services.check_eligibility(**_loan_terms(application))
    except loan_services.LoanError as err:
        field = ELIGIBILITY_FIELDS.get(err.field or "", err.field)
        raise ApplicationError(err.message, field=field) from err


def _check_no_open_application(application: LoanApplication) -> None:
    """One open application per household and programme: a second is a double entry."""
    other = LoanApplication.objects.filter(
        borrower=application.borrower,
        programme=application.programme,
        status__in=LoanApplication.OPEN,
    ).first()
    if other is not None:
        raise ApplicationError(
            _("Hộ đã có đề nghị vay vốn #%(id)s của chương trình này đang chờ xử lý.")
            % {"id": other.pk},
            field="programme",
        )


def _loan_terms(application: LoanApplication) -> dict:
    """The application's terms as `loans.services` names them."""
    return {
        "borrower": application.borrower,
        "programme": application.programme,
        "amount": application.amount,
        "term_months": application.term_months,
        "grace_months": application.grace_months,
        "principal_frequency_months": application.principal_frequency_months,
        "due_day": application.due_day,
        "purpose": application.loan_line,
        "approved_list_ref": application.approved_list_ref,
        "approved_list_date": application.approved_list_date,
    }


# --- 10/TD and 03/TD -------------------------------------------------------------------------


@transaction.atomic
def record_vote(
    application: LoanApplication,
    *,
    meeting_date: date,
    members_present: int,
    votes_for: int,
    by: AbstractBaseUser,
) -> LoanApplication:
    """Record the group's vote (biên bản họp tổ 10/TD): held on or after the application, with
    at most as many present as the group has members, and more than half of those present for
    it (votes_for × 2 > members_present)."""
    application = _locked(application)
    if not application.needs_vote:
        raise ApplicationError(
            _("Chương trình cho vay trực tiếp: không qua bình xét của tổ TK&VV."), code=STATE
        )
    _check_step(application, "vote")
    _check_still_in_group(application)
    _check_dated(
        meeting_date, field="meeting_date", after=(application.applied_on, _("ngày đề nghị"))
    )
    _check_votes(application, members_present=members_present, votes_for=votes_for)
    application.meeting_date = meeting_date
    application.members_present = members_present
    application.votes_for = votes_for
    application.vote_recorded_at = timezone.now()
    application.vote_recorded_by = by
    _move(application, ApplicationStatus.VOTED, by=by)
    return application


def _check_votes(application: LoanApplication, *, members_present: int, votes_for: int) -> None:
    if members_present < 1:
        raise ApplicationError(_("Phải có ít nhất một thành viên dự họp."), field="members_present")
    members = group_member_count(application.savings_group_id)
    if members_present > members:
        raise ApplicationError(
            _("Số thành viên dự họp (%(present)s) vượt số thành viên của tổ (%(members)s).")
            % {"present": members_present, "members": members},
            field="members_present",
        )
    if not 0 <= votes_for <= members_present:
        raise ApplicationError(
            _("Số thành viên đồng ý phải từ 0 đến số thành viên dự họp."), field="votes_for"
        )
    if votes_for * 2 <= members_present:
        raise ApplicationError(
            _(
                "Chưa quá nửa số thành viên dự họp đồng ý (%(votes)s/%(present)s): tổ không "
                "bình xét cho vay."
            )
            % {"votes": votes_for, "present": members_present},
            field="votes_for",
        )


@transaction.atomic
def certify(
    application: LoanApplication, *, certified_on: date, reference: str, by: AbstractBaseUser
) -> LoanApplication:
    """Record the commune's certification (xác nhận của UBND xã) of the group's list 03/TD that
    names the household: after the group's vote (a direct programme: after the application),
    and before the decision."""
    application = _locked(application)
    _check_step(application, "certify")
    if application.needs_vote:
        after = (application.meeting_date, _("ngày họp tổ"))
    else:
        after = (application.applied_on, _("ngày đề nghị"))
    _check_dated(certified_on, field="certified_on", after=after)
    application.certification_ref = _given(
        reference, field="reference", message=_("Phải ghi số xác nhận của UBND xã.")
    )
    application.certified_on = certified_on
    application.certification_recorded_at = timezone.now()
    application.certification_recorded_by = by
    _move(application, ApplicationStatus.CERTIFIED, by=by)
    return application


# --- 04/TD -----------------------------------------------------------------------------------


@transaction.atomic
def approve_application(
    application: LoanApplication, *, by: AbstractBaseUser, decided_on: date | None = None
) -> LoanApplication:
    """The office director approves a certified application (thông báo 04/TD). Every rule is
    checked again against the household's state now (active, still in the group that voted,
    caps, eligibility, the Decree 28 list): the loan is created by `loans.services.create_loan`,
    whose refusal is the application's (409, with its reason)."""
    application = _locked(application)
    decided_on = _check_decision(application, by=by, decided_on=decided_on)
    _check_household(application, code=STATE)
    _check_still_in_group(application)
    try:
        loan = loan_services.create_loan(approved_on=decided_on, by=by, **_loan_terms(application))
    except loan_services.LoanError as err:
        raise ApplicationError(err.message, code=STATE) from err
    application.loan = loan
    _record_decision(application, decided_on=decided_on, by=by)
    _move(application, ApplicationStatus.APPROVED, by=by)
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
    application = _locked(application)
    decided_on = _check_decision(application, by=by, decided_on=decided_on)
    application.decision_reason = _given(
        reason, field="reason", message=_("Phải ghi lý do không phê duyệt.")
    )
    _record_decision(application, decided_on=decided_on, by=by)
    _move(application, ApplicationStatus.REJECTED, by=by)
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
    _check_step(application, "decide")
    decided_on = decided_on or loan_services.today()
    after = (application.certified_on, _("ngày UBND xã xác nhận"))
    _check_dated(decided_on, field="decided_on", after=after)
    return decided_on


def _record_decision(application: LoanApplication, *, decided_on: date, by) -> None:
    application.decided_on = decided_on
    application.decided_at = timezone.now()
    application.decided_by = by


@transaction.atomic
def withdraw_application(
    application: LoanApplication, *, reason: str, by: AbstractBaseUser
) -> LoanApplication:
    """The officer withdraws an application before the decision (the household no longer asks
    for the loan, or it was entered by mistake), with the reason."""
    application = _locked(application)
    _check_step(application, "withdraw")
    application.withdrawal_reason = _given(
        reason, field="reason", message=_("Phải ghi lý do rút đề nghị.")
    )
    application.withdrawn_at = timezone.now()
    application.withdrawn_by = by
    _move(application, ApplicationStatus.WITHDRAWN, by=by)
    return application


# --- what the steps share --------------------------------------------------------------------

# The statuses each step may follow (LoanApplication.TRANSITIONS in the steps' words).
STEP_FROM = {
    "vote": (ApplicationStatus.SUBMITTED,),
    "certify": (ApplicationStatus.VOTED,),
    "decide": (ApplicationStatus.CERTIFIED,),
    "withdraw": LoanApplication.OPEN,
}


def _check_step(application: LoanApplication, step: str) -> None:
    """A step comes in its order, or it is refused (409) with the reason."""
    allowed = STEP_FROM[step]
    if step == "certify" and not application.needs_vote:
        allowed = (ApplicationStatus.SUBMITTED,)
    if application.status not in allowed:
        raise ApplicationError(_out_of_order(application, step), code=STATE)


def _out_of_order(application: LoanApplication, step: str) -> str:
    status = application.status
    if status == ApplicationStatus.WITHDRAWN:
        return _("Đề nghị vay vốn này đã được rút.")
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        return _("Đề nghị vay vốn này đã có quyết định: %(status)s.") % {
            "status": application.get_status_display()
        }
    if step == "vote":
        return _("Tổ đã bình xét đề nghị này (họp ngày %(d)s).") % {
            "d": f"{application.meeting_date:%d/%m/%Y}"
        }
    if step == "certify" and status == ApplicationStatus.SUBMITTED:
        return _("Tổ chưa bình xét đề nghị này: cần biên bản họp tổ (10/TD) trước xác nhận.")
    if step == "certify":
        return _("UBND xã đã xác nhận đề nghị này (ngày %(d)s).") % {
            "d": f"{application.certified_on:%d/%m/%Y}"
        }
    return _("Chưa có xác nhận của UBND xã (danh sách 03/TD): chưa quyết định được.")


def _check_still_in_group(application: LoanApplication) -> None:
    """The group voted for one of its members: a household that moved is not on its list."""
    if application.needs_vote and application.borrower.savings_group_id != (
        application.savings_group_id
    ):
        raise ApplicationError(
            _(
                "Hộ đã chuyển khỏi tổ “%(group)s” từ khi đề nghị; hãy rút đề nghị này và lập đề "
                "nghị mới ở tổ mới."
            )
            % {"group": application.savings_group.name},
            code=STATE,
        )


def _check_dated(day: date, *, field: str, after: tuple[date, str] | None = None) -> None:
    """A step's date is not in the future, nor before the step it follows."""
    if day > loan_services.today():
        raise ApplicationError(_("Ngày không được sau ngày hôm nay."), field=field)
    if after is not None and day < after[0]:
        raise ApplicationError(
            _("Ngày không được trước %(what)s (%(d)s).")
            % {"what": after[1], "d": f"{after[0]:%d/%m/%Y}"},
            field=field,
        )


def _given(text: str | None, *, field: str, message: str) -> str:
    if not (text or "").strip():
        raise ApplicationError(message, field=field)
    return (text or "").strip()


def _locked(application: LoanApplication) -> LoanApplication:
    """The application's row, locked until the step commits: two steps at once take turns."""
    return (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("borrower", "programme", "savings_group")
        .get(pk=application.pk)
    )


def _move(application: LoanApplication, status: str, *, by) -> None:
    """The one place an application's status changes (LoanApplication.TRANSITIONS)."""
    if status not in LoanApplication.TRANSITIONS.get(application.status, set()):
        raise ApplicationError(
            _("Đề nghị vay vốn không chuyển được từ “%(old)s” sang “%(new)s”.")
            % {
                "old": application.get_status_display(),
                "new": ApplicationStatus(status).label,
            },
            code=STATE,
        )
    application.status = status
    _save(application, by=by)


def _save(application: LoanApplication, *, by) -> None:
    application._history_user = by  # who, in the audit history (when: its history_date)
    application.save()
