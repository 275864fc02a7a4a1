"""Reads of the four-eyes requests, scoped to the user's offices."""

from django.db.models import QuerySet
from django.http import Http404

from borrowers.selectors import scope

from .models import ApprovalRequest


def approvals_for(user) -> QuerySet[ApprovalRequest]:
    return scope(ApprovalRequest.objects.select_related("loan", "maker", "checker"), user)


def get_approval_for(user, pk) -> ApprovalRequest:
    """One request the user may see, or 404 (another office's does not exist for them)."""
    try:
        return approvals_for(user).get(pk=pk)
    except (ApprovalRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Không tìm thấy yêu cầu duyệt.") from exc


def pending_count_for(user) -> int:
    return approvals_for(user).filter(status=ApprovalRequest.Status.PENDING).count()


def waiting_for(user) -> QuerySet[ApprovalRequest]:
    """The pending requests this user may decide (the checker's queue, the dashboard's panel):
    of their offices, never their own; none for a user who may not decide."""
    pending = approvals_for(user).filter(status=ApprovalRequest.Status.PENDING)
    if not user.has_perm("approvals.decide_approvalrequest"):
        return pending.none()
    return pending.exclude(maker=user)
