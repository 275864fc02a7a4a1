"""Job runs with their progress: written by the jobs, only looked at here."""

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

from config.admin_site import ReadOnlyMixin

from .models import JobRun
from .tasks import start_arrears


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
        run = path(
            "run-arrears/",
            self.admin_site.admin_view(self.run_arrears_view),
            name="tasks_jobrun_run_arrears",
        )
        return [run, *super().get_urls()]

    def _can_run_jobs(self, request) -> bool:
        return request.user.has_perm("tasks.add_jobrun")

    def changelist_view(self, request, extra_context=None):
        extra = {"can_run_jobs": self._can_run_jobs(request), **(extra_context or {})}
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
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Chạy tính nợ quá hạn"),
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
        return f"{seconds // 60} phút {seconds % 60} giây" if seconds >= 60 else f"{seconds} giây"
