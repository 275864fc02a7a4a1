"""What the steps of an application share: its error, the order of the steps, the dates, the
row lock, the one writer of its status, and the checks that run both at submission and approval."""

from datetime import date

from django.utils.translation import gettext as _

from core.errors import DomainError
from loans import services as loan_services

from ..models import ApplicationStatus, LoanApplication

DECIDE_PERMISSION = "origination.decide_loanapplication"
STATE = "application_state"


class ApplicationError(DomainError):
    """A broken rule of an application (đề nghị vay vốn). `code` is "application_state" when
    its status, or what changed since it was submitted, refuses the step (the API answers 409),
    else "invalid" (400) with the message on `field`."""


def check_household(application: LoanApplication, *, code: str) -> None:
    """The household still does business with the bank, and an entrusted programme's group too."""
    borrower = application.borrower
    field = "borrower" if code == "invalid" else None
    if not borrower.is_active:
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


def loan_terms(application: LoanApplication) -> dict:
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


STEP_FROM = {
    "vote": (ApplicationStatus.SUBMITTED,),
    "certify": (ApplicationStatus.VOTED,),
    "decide": (ApplicationStatus.CERTIFIED,),
    "withdraw": LoanApplication.OPEN,
}


def check_step(application: LoanApplication, step: str) -> None:
    """A step comes in its order, or it is refused (409) with the reason."""
    allowed = STEP_FROM[step]
    if step == "certify" and not application.needs_vote:
        allowed = (ApplicationStatus.SUBMITTED,)
    if application.status not in allowed:
        raise ApplicationError(out_of_order(application, step), code=STATE)


def out_of_order(application: LoanApplication, step: str) -> str:
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


def check_still_in_group(application: LoanApplication) -> None:
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


def check_dated(day: date, *, field: str, after: tuple[date, str] | None = None) -> None:
    """A step's date is not in the future, nor before the step it follows."""
    if day > loan_services.today():
        raise ApplicationError(_("Ngày không được sau ngày hôm nay."), field=field)
    if after is not None and day < after[0]:
        raise ApplicationError(
            _("Ngày không được trước %(what)s (%(d)s).")
            % {"what": after[1], "d": f"{after[0]:%d/%m/%Y}"},
            field=field,
        )


def given(text: str | None, *, field: str, message: str) -> str:
    if not (text or "").strip():
        raise ApplicationError(message, field=field)
    return (text or "").strip()


def locked(application: LoanApplication) -> LoanApplication:
    """The application's row, locked until the step commits: two steps at once take turns."""
    return (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("borrower", "programme", "savings_group")
        .get(pk=application.pk)
    )


def move(application: LoanApplication, status: str, *, by) -> None:
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
    save(application, by=by)


def save(application: LoanApplication, *, by) -> None:
    application._history_user = by  # who, in the audit history (when: its history_date)
    application.save()
