"""The steps between the application and the decision: the group's vote (10/TD), the commune's
certification of the group's list (03/TD: one application, or the whole list at once), and the
officer's withdrawal."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.models import SavingsGroup

from ..models import ApplicationStatus, LoanApplication
from ..selectors import group_member_count
from .common import (
    STATE,
    ApplicationError,
    check_dated,
    check_step,
    check_still_in_group,
    given,
    locked,
    move,
)


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
    application = locked(application)
    if not application.needs_vote:
        raise ApplicationError(
            _("Chương trình cho vay trực tiếp: không qua bình xét của tổ TK&VV."), code=STATE
        )
    check_step(application, "vote")
    check_still_in_group(application)
    check_dated(
        meeting_date, field="meeting_date", after=(application.applied_on, _("ngày đề nghị"))
    )
    _check_votes(application, members_present=members_present, votes_for=votes_for)
    application.meeting_date = meeting_date
    application.members_present = members_present
    application.votes_for = votes_for
    application.vote_recorded_at = timezone.now()
    application.vote_recorded_by = by
    move(application, ApplicationStatus.VOTED, by=by)
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
    application = locked(application)
    check_step(application, "certify")
    if application.needs_vote:
        after = (application.meeting_date, _("ngày họp tổ"))
    else:
        after = (application.applied_on, _("ngày đề nghị"))
    check_dated(certified_on, field="certified_on", after=after)
    application.certification_ref = given(
        reference, field="reference", message=_("Phải ghi số xác nhận của UBND xã.")
    )
    application.certified_on = certified_on
    application.certification_recorded_at = timezone.now()
    application.certification_recorded_by = by
    move(application, ApplicationStatus.CERTIFIED, by=by)
    return application


@transaction.atomic
def certify_group_list(
    group: SavingsGroup,
    *,
    meeting_date: date,
    certified_on: date,
    reference: str,
    by: AbstractBaseUser,
) -> list[LoanApplication]:
    """Record the commune's certification of a group's whole list 03/TD (one meeting): each
    application voted at it and not yet certified is certified, each by `certify` with its
    rule; all of them or none."""
    pending = LoanApplication.objects.filter(
        savings_group=group, meeting_date=meeting_date, status=ApplicationStatus.VOTED
    ).order_by("id")
    certified = [
        certify(application, certified_on=certified_on, reference=reference, by=by)
        for application in pending
    ]
    if not certified:
        raise ApplicationError(
            _("Danh sách 03/TD này không còn đề nghị nào chờ UBND xã xác nhận."), code=STATE
        )
    return certified


@transaction.atomic
def withdraw_application(
    application: LoanApplication, *, reason: str, by: AbstractBaseUser
) -> LoanApplication:
    """The officer withdraws an application before the decision (the household no longer asks
    for the loan, or it was entered by mistake), with the reason."""
    application = locked(application)
    check_step(application, "withdraw")
    application.withdrawal_reason = given(
        reason, field="reason", message=_("Phải ghi lý do rút đề nghị.")
    )
    application.withdrawn_at = timezone.now()
    application.withdrawn_by = by
    move(application, ApplicationStatus.WITHDRAWN, by=by)
    return application
