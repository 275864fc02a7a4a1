"""Job runs with their progress, and the pages that start a run: the nightly arrears for a date,
the monthly reconciliation for a month. The reconciliation's results have their pages in
loans/reports/admin/."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from borrowers.admin.base import is_branch_level
from core.admin import ReadOnlyMixin
from loans.reconciliation.months import parse_month, previous_month

from .models import JobRun
from .tasks import start_arrears, start_reconciliation


class ArrearsRunForm(forms.Form):
    """The business date to compute positions for (any past date)."""

    as_of = forms.DateField(
        label=_("ngày số liệu"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("dd/mm/yyyy; mặc định là hôm qua."),
    )

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("Ngày số liệu không được sau ngày hôm nay."))
        return as_of


class ReconciliationRunForm(forms.Form):
    """The month to reconcile (the month just ended by default)."""

    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        label=_("tháng"),
        help_text=_("YYYY-MM; chạy lại một tháng sẽ thay thế kết quả cũ."),
        error_messages={"invalid": _("Tháng phải có dạng YYYY-MM.")},
    )

    def clean_month(self):
        month = parse_month(self.cleaned_data["month"])
        if month > timezone.localdate():
            raise forms.ValidationError(_("Tháng không được sau tháng hiện tại."))
        return month


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "period",
        "status",
        "progress_display",
        "counts_display",
        "started_at",
        "finished_at",
        "duration",
        "created_by",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["=period"]
    list_select_related = ["created_by"]
    fields = [
        "kind",
        "period",
        "status",
        "progress_display",
        "parts_done",
        "parts_total",
        "counts_display",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "created_by",
    ]
    readonly_fields = fields

    def get_urls(self):
        def view(name, func, route):
            return path(route, self.admin_site.admin_view(func), name=f"tasks_jobrun_{name}")

        return [
            view("run_arrears", self.run_arrears_view, "run-arrears/"),
            view("run_reconciliation", self.run_reconciliation_view, "run-reconciliation/"),
            *super().get_urls(),
        ]

    def _can_run_jobs(self, request) -> bool:
        return request.user.has_perm("tasks.add_jobrun")

    def _can_run_reconciliation(self, request) -> bool:
        # A run covers every office: branch level with the permission to start jobs.
        return is_branch_level(request.user) and self._can_run_jobs(request)

    def changelist_view(self, request, extra_context=None):
        extra = {
            "can_run_jobs": self._can_run_jobs(request),
            "can_run_reconciliation": self._can_run_reconciliation(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def run_arrears_view(self, request):
        """Run the nightly arrears job for any date (tính nợ quá hạn cho một ngày)."""
        if not self._can_run_jobs(request):
            raise PermissionDenied
        yesterday = timezone.localdate() - timedelta(days=1)
        form = ArrearsRunForm(request.POST or None, initial={"as_of": yesterday})
        if request.method == "POST" and form.is_valid():
            run = start_arrears(as_of=form.cleaned_data["as_of"], by=request.user)
            messages.success(
                request,
                _("Đã chạy tính nợ quá hạn ngày %(d)s: %(s)s.")
                % {"d": f"{form.cleaned_data['as_of']:%d/%m/%Y}", "s": run.get_status_display()},
            )
            return redirect(reverse("admin:tasks_jobrun_change", args=[run.pk]))
        return self._run_form(request, form, _("Chạy tính nợ quá hạn"))

    def run_reconciliation_view(self, request):
        """Run the reconciliation for a month (đối chiếu tháng)."""
        if not self._can_run_reconciliation(request):
            raise PermissionDenied
        initial = {"month": f"{previous_month(timezone.localdate()):%Y-%m}"}
        form = ReconciliationRunForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            month = form.cleaned_data["month"]
            run = start_reconciliation(month=month, by=request.user)
            messages.success(
                request,
                _("Đã chạy đối chiếu tháng %(m)s: %(s)s.")
                % {"m": f"{month:%m/%Y}", "s": run.get_status_display()},
            )
            return redirect(reverse("admin:tasks_jobrun_change", args=[run.pk]))
        return self._run_form(request, form, _("Chạy đối chiếu tháng"))

    def _run_form(self, request, form: forms.Form, title: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": title,
        }
        return TemplateResponse(request, "admin/tasks/jobrun/run_form.html", context)

    @admin.display(description=_("tiến độ"))
    def progress_display(self, obj: JobRun) -> str:
        return f"{obj.progress}%"

    @admin.display(description=JobRun._meta.get_field("counts").verbose_name)
    def counts_display(self, obj: JobRun) -> str:
        if not obj.counts:
            return "–"
        return format_html_join(", ", "{}: {}", sorted(obj.counts.items()))

    @admin.display(description=_("thời gian chạy"))
    def duration(self, obj: JobRun) -> str:
        if not (obj.started_at and obj.finished_at):
            return "–"
        seconds = int((obj.finished_at - obj.started_at).total_seconds())
        if seconds >= 60:
            return _("%(m)d phút %(s)d giây") % {"m": seconds // 60, "s": seconds % 60}
        return _("%(s)d giây") % {"s": seconds}
