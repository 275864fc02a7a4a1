"""The checkers' queue ("Chờ duyệt", counted in the menu), approve and reject pages, and the
loan page's operations going through the same four-eyes path as the API."""

from django import forms as django_forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from borrowers.selectors import scope
from core.admin import ReadOnlyMixin, ScopedAdmin
from core.admin_exports import ExportMixin
from core.errors import DomainError
from loans.admin import LoanAdmin
from loans.models import Loan

from . import services
from .forms import RiskDossierForm
from .models import ApprovalRequest, RiskDossier
from .roles import ADMIN_POSTINGS as ADMIN_OPERATIONS
from .roles import DECIDE
from .selectors import approvals_for, get_approval_for


class ReasonForm(django_forms.Form):
    reason = django_forms.CharField(
        label=_("Lý do"), required=False, widget=django_forms.Textarea(attrs={"rows": 3})
    )


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ExportMixin, ReadOnlyMixin, ScopedAdmin):
    list_display = [
        "id",
        "operation",
        "loan",
        "status",
        "maker",
        "created_at",
        "checker",
        "decided_at",
        "reason",
    ]
    list_filter = ["status", "operation"]
    list_select_related = ["loan", "maker", "checker"]
    search_fields = ["=loan__contract_number"]
    fields = [*list_display[1:], "parameters", "outcome", "decision"]
    readonly_fields = fields

    def get_queryset(self, request):
        return approvals_for(request.user)

    def menu_count(self, request) -> int:
        """The requests waiting for this user (a checker; never their own)."""
        if not request.user.has_perm(DECIDE):
            return 0
        pending = approvals_for(request.user).filter(status=ApprovalRequest.Status.PENDING)
        return pending.exclude(maker=request.user).count()

    @admin.display(description=_("duyệt"))
    def decision(self, obj: ApprovalRequest) -> str:
        if obj.status != ApprovalRequest.Status.PENDING:
            return ""
        approve = reverse("admin:approvals_approvalrequest_approve", args=[obj.pk])
        reject = reverse("admin:approvals_approvalrequest_reject", args=[obj.pk])
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            approve,
            _("Duyệt"),
            reject,
            _("Từ chối"),
        )

    def get_urls(self):
        def route(name: str):
            view = self.admin_site.admin_view(self.decide_view)
            return path(
                f"<path:object_id>/{name}/",
                view,
                {"verdict": name},
                name=f"approvals_approvalrequest_{name}",
            )

        return [route("approve"), route("reject"), *super().get_urls()]

    def decide_view(self, request, object_id, verdict: str):
        """Confirm (and, for a rejection, give the reason); the service decides who may."""
        approval = get_approval_for(request.user, object_id)
        if not request.user.has_perm(DECIDE):
            raise PermissionDenied
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                if verdict == "approve":
                    services.approve(approval, by=request.user)
                    messages.success(request, _("Đã duyệt yêu cầu #%(id)s.") % {"id": approval.pk})
                else:
                    services.reject(approval, by=request.user, reason=form.cleaned_data["reason"])
                    messages.success(
                        request, _("Đã từ chối yêu cầu #%(id)s.") % {"id": approval.pk}
                    )
            except DomainError as err:
                messages.error(request, err.message)
            return redirect("admin:approvals_approvalrequest_change", approval.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Duyệt yêu cầu #%(id)s") % {"id": approval.pk}
            if verdict == "approve"
            else _("Từ chối yêu cầu #%(id)s") % {"id": approval.pk},
            "approval": approval,
            "form": form,
            "verdict": verdict,
        }
        return TemplateResponse(request, "admin/approvals/decide.html", context)


# The loan page's operations go through the same four-eyes path as the API.
admin.site.unregister(Loan)


@admin.register(Loan)
class FourEyesLoanAdmin(LoanAdmin):
    def gate(self, request, loan: Loan, operation: str, form):
        name = ADMIN_OPERATIONS[operation]
        data = form.cleaned_data
        if not services.needs_approval(request.user, operation=name, data=data):
            return None
        try:
            approval = services.request_approval(
                loan, operation=name, parameters=services.plain(data), by=request.user
            )
        except DomainError as err:
            messages.error(request, err.message)
            return redirect("admin:loans_loan_change", loan.pk)
        messages.success(
            request,
            _("Đã gửi yêu cầu #%(id)s: %(title)s chờ người thứ hai duyệt.")
            % {"id": approval.pk, "title": form.title},
        )
        return redirect("admin:approvals_approvalrequest_change", approval.pk)

    def link_title(self, request, operation: str, title) -> str:
        name = ADMIN_OPERATIONS[operation]
        # A disbursement is held only above the threshold: its link stays as it is.
        if name != "disbursements" and services.needs_approval(
            request.user, operation=name, data={}
        ):
            return _("Đề nghị duyệt: %(title)s") % {"title": title}
        return title


@admin.register(RiskDossier)
class RiskDossierAdmin(ReadOnlyMixin, ScopedAdmin):
    """Risk dossiers; each treatment is the linked four-eyes request (opened by the service)."""

    list_display = ["loan", "cause", "loss_percent", "treatment", "decision_ref", "approval"]
    list_filter = ["cause", "treatment"]
    list_select_related = ["loan", "approval"]
    search_fields = ["=loan__contract_number", "decision_ref"]

    def get_queryset(self, request):
        return scope(RiskDossier.objects.all(), request.user, office_field="loan__office")

    def has_add_permission(self, request, obj=None):
        # Opened through RiskDossierForm, whose treatment is a four-eyes request.
        return request.user.has_perm("loans.add_loantransaction")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        bound = request.method == "POST"
        form = RiskDossierForm(request.POST if bound else None, user=request.user)
        if bound and form.is_valid() and form.submit(by=request.user):
            approval = form.dossier.approval
            messages.success(
                request,
                _("Đã lập hồ sơ; biện pháp xử lý chờ người thứ hai duyệt (yêu cầu #%(id)s).")
                % {"id": approval.pk},
            )
            return redirect("admin:approvals_approvalrequest_change", approval.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Lập hồ sơ xử lý nợ bị rủi ro"),
            "form": form,
        }
        return TemplateResponse(request, "admin/approvals/open_dossier.html", context)
