"""The loan page: terms, schedule, journal and position, and the posting forms, every one
of them through `loans.services`."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from borrowers.admin.base import ScopedOfficeFilter
from core.admin import NoDeleteMixin, ScopedAdmin, money_display, rate_display
from core.admin_exports import ExportMixin
from core.money import format_dong

from .. import forms
from ..admin_columns import (
    LastPositionColumns,
    with_last_position,
)
from ..models import (
    Loan,
)
from ..selectors import get_loan_for, loans_for, schedule_in_force
from .inlines import JournalInline, ScheduleInline, render_position


@admin.register(Loan)
class LoanAdmin(ExportMixin, LastPositionColumns, NoDeleteMixin, ScopedAdmin):
    export_fields = [
        "contract_number",
        "borrower__national_id",
        "borrower__full_name",
        "programme__code",
        "office",
        "approved_amount",
        "first_disbursed_on",
        "outstanding_principal",
        "status",
    ]
    list_display = [
        "contract_number",
        "borrower",
        "programme",
        "office",
        "approved_amount_display",
        "status",
        *LastPositionColumns.position_columns,
    ]
    list_filter = [
        ("office", ScopedOfficeFilter),
        "programme",
        "status",
        *LastPositionColumns.position_filters,
    ]
    list_select_related = ["borrower", "programme", "office"]
    search_fields = ["=contract_number", "=borrower__national_id", "borrower__full_name"]
    show_full_result_count = False
    inlines = [ScheduleInline, JournalInline]
    fieldsets = [
        # The position first: with the toolbar above it, it is on screen without scrolling.
        (_("Dư nợ hiện tại"), {"fields": ["position_block"], "classes": ["loan-position-set"]}),
        (None, {"fields": ["contract_number", "borrower", "programme", "purpose", "status"]}),
        (_("Nơi vay"), {"fields": ["savings_group", "transaction_point", "office"]}),
        (
            _("Điều kiện vay"),
            {
                "fields": [
                    "approved_amount_display",
                    "approved_on",
                    "term_months",
                    "grace_months",
                    "principal_frequency_months",
                    "due_day",
                    "contract_rate_display",
                    "first_disbursed_on",
                    "approved_list_ref",
                    "approved_list_date",
                ]
            },
        ),
        (
            _("Số dư theo sổ"),
            {
                "fields": [
                    "disbursed_display",
                    "repaid_display",
                    "written_off_display",
                    "outstanding_display",
                    "interest_paid_display",
                    "interest_written_off_display",
                ]
            },
        ),
        (None, {"fields": ["created_by", "created_at"]}),
    ]
    readonly_fields = [name for _title, spec in fieldsets for name in spec["fields"]]

    approved_amount_display = money_display(Loan, "approved_amount")
    contract_rate_display = rate_display(Loan, "contract_rate")
    disbursed_display = money_display(Loan, "disbursed_total")
    repaid_display = money_display(Loan, "principal_repaid_total")
    written_off_display = money_display(Loan, "written_off_total")
    outstanding_display = money_display(Loan, "outstanding_principal")
    interest_paid_display = money_display(Loan, "interest_paid_total")
    interest_written_off_display = money_display(Loan, "interest_written_off_total")

    def get_queryset(self, request):
        return with_last_position(loans_for(request.user))

    def has_change_permission(self, request, obj=None):
        # Terms and balances never change in a form; postings have their own views.
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("tình hình nợ"))
    def position_block(self, obj: Loan) -> str:
        return render_position(obj, timezone.localdate())

    def get_urls(self):
        def route(suffix: str, view, name: str, **kwargs):
            wrapped = self.admin_site.admin_view(view)
            return path(f"<path:object_id>/{suffix}/", wrapped, kwargs, name=f"loans_loan_{name}")

        postings = [
            route(op.replace("_", "-"), self.posting_view, op, operation=op)
            for op in forms.POSTING_FORMS
        ]
        return [*postings, route("position", self.position_view, "position"), *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["loan_links"] = self._loan_links(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _loan_links(self, request, loan: Loan) -> list[tuple[str, str]]:
        links = []
        if request.user.has_perm("loans.change_loan"):
            for op, form in forms.POSTING_FORMS.items():
                if loan.status in form.offered_in:
                    title = self.link_title(request, op, form.title)
                    links.append((reverse(f"admin:loans_loan_{op}", args=[loan.pk]), title))
        links.append((reverse("admin:loans_loan_position", args=[loan.pk]), _("Dư nợ theo ngày")))
        return links

    # --- views: approval, postings, position ---

    def add_view(self, request, form_url="", extra_context=None):
        """Approve a loan through `services.create_loan` (never a bare model save)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        bound = request.method == "POST"
        form = forms.LoanApprovalForm(
            request.POST if bound else None,
            user=request.user,
            admin_site=self.admin_site,
            initial=request.GET.dict(),
        )
        if bound and form.is_valid() and form.submit(by=request.user):
            loan = form.result
            self.log_addition(request, loan, [{"added": {}}])
            messages.success(request, _("Đã phê duyệt khoản vay %(loan)s.") % {"loan": loan})
            return redirect("admin:loans_loan_change", loan.pk)
        title = _("Phê duyệt khoản vay")
        return self._render_form(request, form, title=title, loan=None, submit_label=_("Phê duyệt"))

    def posting_view(self, request, object_id, operation: str):
        """One posting form (disbursement, repayment, reversal, ...) submitted to its service."""
        loan = get_loan_for(request.user, object_id)  # another office's loan: 404
        if not request.user.has_perm("loans.change_loan"):
            raise PermissionDenied
        bound = request.method == "POST"
        form = forms.POSTING_FORMS[operation](request.POST if bound else None, loan=loan)
        if bound and form.is_valid() and (held := self.gate(request, loan, operation, form)):
            return held
        if bound and form.is_valid() and form.submit(by=request.user):
            message = form.success_message()
            self.log_change(request, loan, str(message))
            messages.success(request, message)
            return redirect("admin:loans_loan_change", loan.pk)
        title = f"{form.title}: {loan.contract_number}"
        position = render_position(loan, timezone.localdate())
        return self._render_form(
            request, form, title=title, loan=loan, position=position, submit_label=_("Ghi sổ")
        )

    def gate(self, request, loan: Loan, operation: str, form):
        """A response instead of the posting (the four-eyes approvals' request), or None."""
        return None

    def link_title(self, request, operation: str, title) -> str:
        """The loan page's link to an operation (the approvals say "request approval")."""
        return title

    def position_view(self, request, object_id):
        """The loan's position at the end of any day (?as_of=dd/mm/yyyy), by the nightly engine."""
        loan = get_loan_for(request.user, object_id)
        if not self.has_view_permission(request, loan):
            raise PermissionDenied
        form = forms.PositionAsOfForm(request.GET or None)
        as_of = timezone.localdate()
        if form.is_valid() and form.cleaned_data["as_of"]:
            as_of = form.cleaned_data["as_of"]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Dư nợ khoản vay %(loan)s") % {"loan": loan.contract_number},
            "loan": loan,
            "form": form,
            "media": self.media + form.media,
            "position": render_position(loan, as_of),
            "schedule": [
                (row.seq, row.due_date, format_dong(row.principal))
                for row in schedule_in_force(loan, as_of)
            ],
        }
        return TemplateResponse(request, "admin/loans/loan/position.html", context)

    def _render_form(self, request, form, *, title, loan: Loan | None, **extra):
        visible = [field.name for field in form.visible_fields()]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "loan": loan,
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": visible})], {}),
            "media": self.media + form.media,
            **extra,
        }
        return TemplateResponse(request, "admin/loans/loan/service_form.html", context)
