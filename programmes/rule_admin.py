"""The admin's side of four eyes on the fee and rate rules: a change by a user who may not make
it alone is stored as a request (programmes.rule_changes) and nothing changes; the page says it
waits for approval and opens the request."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import rule_changes

HELD = "_rule_change_held"  # the request's attribute carrying the held request's id


def form_change(form, *, new: bool, skip=()) -> dict:
    """The fields a form changes: every field of a new rule, the changed ones of an old one."""
    names = form.fields if new else form.changed_data
    return {n: form.cleaned_data[n] for n in names if n in form.cleaned_data and n not in skip}


def held_message(request, approval_id: int) -> None:
    messages.warning(
        request,
        _("Thay đổi quy định đang chờ người thứ hai duyệt (yêu cầu #%(id)s); chưa có gì thay đổi.")
        % {"id": approval_id},
    )


class FourEyesRuleAdmin:
    """For a ModelAdmin of a rule: `rule_operation` names it in the four-eyes list."""

    rule_operation: str

    def save_model(self, request, obj, form, change):
        data = form_change(form, new=not change)
        if data:
            instance = obj if change else None
            held = rule_changes.hold(
                request.user, self.rule_operation, rule_changes.change_of(instance, data)
            )
            if held is not None:
                setattr(request, HELD, held)
                return
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(self, request, form, formsets, change):
        if not hasattr(request, HELD):
            super().save_related(request, form, formsets, change)  # type: ignore[misc]

    def log_addition(self, request, obj, message):
        if not hasattr(request, HELD):
            return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request, obj, message):
        if not hasattr(request, HELD):
            return super().log_change(request, obj, message)  # type: ignore[misc]

    def response_add(self, request, obj, post_url_continue=None):
        if hasattr(request, HELD):
            return self._held_response(request)
        return super().response_add(request, obj, post_url_continue)  # type: ignore[misc]

    def response_change(self, request, obj):
        if hasattr(request, HELD):
            return self._held_response(request)
        return super().response_change(request, obj)  # type: ignore[misc]

    def _held_response(self, request):
        approval_id = getattr(request, HELD)
        held_message(request, approval_id)
        return redirect(reverse("admin:approvals_approvalrequest_change", args=[approval_id]))


def hold_inline_rates(request, programme, formset) -> bool:
    """The programme page's rate rows: each new or changed row is held as its own request when
    the user may not change rates alone (True), else nothing is held (False: save them)."""
    rows = [f for f in formset.forms if f.has_changed() and f not in formset.deleted_forms]
    held = []
    for row in rows:
        new = row.instance.pk is None
        data = form_change(row, new=new, skip=("id", "DELETE", "programme"))
        if new:
            data["programme"] = programme.pk
        instance = None if new else row.instance
        approval_id = rule_changes.hold(
            request.user, "interest-rates", rule_changes.change_of(instance, data)
        )
        if approval_id is None:
            return False
        held.append(approval_id)
    for approval_id in held:
        held_message(request, approval_id)
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    return bool(held)
