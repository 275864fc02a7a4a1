"""Four eyes on the fee and rate rules: the gate the approvals app registers in
programmes.rule_changes (the rules' screens call it, and may not import this app), and what a
checker of a rule change must hold."""

from django.db import transaction
from django.utils.translation import gettext as _

from borrowers.selectors import office_ids_for
from programmes import rule_changes

from .models import ApprovalRequest


def hold_rule_change(user, operation: str, change: dict) -> int | None:
    """Store the change as a request when this user may not make it alone; None otherwise."""
    from .services import needs_approval

    if not needs_approval(user, operation=operation, data={}):
        return None
    with transaction.atomic():
        request = ApprovalRequest.objects.create(
            operation=operation, loan=None, office=None, parameters=change, maker=user
        )
    return request.pk


def rule_checker_error(request: ApprovalRequest, user) -> str | None:
    """Why this user may not decide a rule change (None: they may): a branch-level user who
    may change the rule themself."""
    rule = rule_changes.RULES.get(request.operation)
    if rule is None:
        return _("Nghiệp vụ không hợp lệ.")
    if office_ids_for(user) is not None or not user.has_perm(rule.permission):
        return _("Chỉ cán bộ chi nhánh có quyền sửa quy định này mới được duyệt.")
    return None


def register() -> None:
    rule_changes.set_gate(hold_rule_change)
