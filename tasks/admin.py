"""Job runs with their progress, and the pages that start a run: the nightly arrears for a date
(of the whole branch, or of one office: an officer's own), the monthly reconciliation for a
month; a stalled or failed run is resumed from its page. The reconciliation's results have
their pages in loans/reports/admin/.

Officers see the branch's runs and their own office's, and of each only their office's part
(tasks/selectors.py); the figures are shown per request, hence the columns of RunFigures
built in `get_list_display` and `get_fields`."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from borrowers.admin.base import is_branch_level
from borrowers.models import TransactionOffice
from borrowers.selectors import offices_for
from core.admin import ReadOnlyMixin
from core.errors import DomainError
from core.forms import DateField, MonthField
from loans.reconciliation.months import previous_month

from .jobs import runs
from .models import JobRun
from .results import progress_json, result_lines
from .selectors import can_start_for, job_runs_for, run_view_for
from .tasks import resume_run, start_arrears, start_reconciliation


class ArrearsRunForm(forms.Form):
    """The business date to compute positions for (any past date), and the office: the whole
    branch, or one office (an officer's own office, which they must choose)."""

    as_of = DateField(label=_("ngày số liệu"), help_text=_("dd/mm/yyyy; mặc định là hôm qua."))
    office = forms.ModelChoiceField(
        label=_("phòng giao dịch"),
        queryset=TransactionOffice.objects.none(),
        required=False,
        empty_label=_("Toàn chi nhánh"),
        error_messages={
            "required": _(
                "Cán bộ phòng giao dịch chỉ chạy cho phòng giao dịch của mình, "
                "không chạy cho toàn chi nhánh."
            )
        },
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        office = self.fields["office"]
        office.queryset = offices_for(user).order_by("code")
        if not is_branch_level(user):
            office.required, office.empty_label = True, None
            office.help_text = _("Chỉ phòng giao dịch của mình.")

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("Ngày số liệu không được sau ngày hôm nay."))
        return as_of


class ReconciliationRunForm(forms.Form):
    """The month to reconcile (the month just ended by default)."""

    month = MonthField(
        label=_("tháng"),
        help_text=_("mm/yyyy; chạy lại một tháng sẽ thay thế kết quả cũ."),
    )

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise forms.ValidationError(_("Tháng không được sau tháng hiện tại."))
        return month


class RunFigures:
    """The columns whose figures depend on who looks (an officer: their office's part)."""

    def __init__(self, request) -> None:
        self.user = request.user

    def _view(self, obj: JobRun):
        return run_view_for(self.user, obj)

    @admin.display(description=_("tiến độ"))
    def progress(self, obj: JobRun) -> str:
        return f"{self._view(obj).progress}%"

    @admin.display(description=JobRun._meta.get_field("counts").verbose_name)
    def counts(self, obj: JobRun) -> str:
        lines = result_lines(self._view(obj).counts)
        if not lines:
            return "–"
        return format_html_join("", "<div>{}: {}</div>", lines)

    @admin.display(description=JobRun._meta.get_field("parts_done").verbose_name)
    def parts(self, obj: JobRun) -> str:
        figures = self._view(obj)
        return f"{figures.parts_done}/{figures.parts_total}"

    @admin.display(description=JobRun._meta.get_field("error").verbose_name)
    def error(self, obj: JobRun) -> str:
        return self._view(obj).error or "–"

    @admin.display(description=_("từng phòng giao dịch"))
    def partitions(self, obj: JobRun) -> str:
        rows = [
            (part.office.name, part.get_status_display(), _("%(n)d lần") % {"n": part.attempts})
            for part in self._view(obj).partitions
        ]
        if not rows:
            return "–"
        return format_html_join("", "<div>{}: {} ({})</div>", rows)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_filter = ["kind", "status", "scope"]
    search_fields = ["=period"]

    def get_queryset(self, request):
        return job_runs_for(request.user)

    def get_list_display(self, request):
        figures = RunFigures(request)
        return [
            "id",
            "kind",
            "period",
            "scope_display",
            "status",
            figures.progress,
            figures.counts,
            "started_at",
            "finished_at",
            "duration",
            "created_by_display",
        ]

    def get_fields(self, request, obj=None):
        figures = RunFigures(request)
        return [
            "kind",
            "period",
            "scope_display",
            "status",
            figures.progress,
            figures.parts,
            figures.partitions,
            figures.counts,
            figures.error,
            "created_at",
            "started_at",
            "finished_at",
            "progressed_at",
            "duration",
            "created_by_display",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_urls(self):
        def view(name, func, route):
            return path(route, self.admin_site.admin_view(func), name=f"tasks_jobrun_{name}")

        return [
            view("run_arrears", self.run_arrears_view, "run-arrears/"),
            view("run_reconciliation", self.run_reconciliation_view, "run-reconciliation/"),
            view("resume", self.resume_view, "<int:object_id>/resume/"),
            view("progress", self.progress_view, "<int:object_id>/progress/"),
            *super().get_urls(),
        ]

    def _can_run_jobs(self, request) -> bool:
        return request.user.has_perm("tasks.add_jobrun")

    def _can_run_reconciliation(self, request) -> bool:
        # A run covers every office: branch level with the permission to start jobs.
        return is_branch_level(request.user) and self._can_run_jobs(request)

    def changelist_view(self, request, extra_context=None):
        runs.mark_stalled()  # a run that stopped shows as stalled even without beat
        extra = {
            "can_run_jobs": self._can_run_jobs(request),
            "can_run_reconciliation": self._can_run_reconciliation(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        runs.mark_stalled()
        run = self.get_queryset(request).filter(pk=object_id).first()
        resumable = run is not None and run.status in (JobRun.Status.STALLED, JobRun.Status.FAILED)
        extra = {
            "can_resume": resumable and can_start_for(request.user, runs.scope_of(run)),
            "live": run and progress_json(run, run_view_for(request.user, run)),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def run_arrears_view(self, request):
        """Run the nightly arrears job for any date (tính nợ quá hạn cho một ngày)."""
        if not self._can_run_jobs(request):
            raise PermissionDenied
        yesterday = timezone.localdate() - timedelta(days=1)
        form = ArrearsRunForm(request.POST or None, initial={"as_of": yesterday}, user=request.user)
        if request.method == "POST" and form.is_valid():
            office = form.cleaned_data["office"]
            offices = None if office is None else [office.pk]
            if not can_start_for(request.user, offices):
                raise PermissionDenied
            run = start_arrears(
                as_of=form.cleaned_data["as_of"], by=request.user, offices=offices, background=True
            )
            messages.success(
                request,
                _("Đã bắt đầu tính nợ quá hạn ngày %(d)s: %(s)s.")
                % {"d": f"{form.cleaned_data['as_of']:%d/%m/%Y}", "s": run.get_status_display()},
            )
            return redirect(reverse("admin:tasks_jobrun_change", args=[run.pk]))
        return self._run_form(request, form, _("Chạy tính nợ quá hạn"))

    def run_reconciliation_view(self, request):
        """Run the reconciliation for a month (đối chiếu tháng)."""
        if not self._can_run_reconciliation(request):
            raise PermissionDenied
        initial = {"month": previous_month(timezone.localdate())}
        form = ReconciliationRunForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            month = form.cleaned_data["month"]
            run = start_reconciliation(month=month, by=request.user, background=True)
            messages.success(
                request,
                _("Đã bắt đầu đối chiếu tháng %(m)s: %(s)s.")
                % {"m": f"{month:%m/%Y}", "s": run.get_status_display()},
            )
            return redirect(reverse("admin:tasks_jobrun_change", args=[run.pk]))
        return self._run_form(request, form, _("Chạy đối chiếu tháng"))

    def resume_view(self, request, object_id: int):
        """Run what a stalled or failed run has left (chạy tiếp), for whoever may start it."""
        if request.method != "POST":
            return redirect(reverse("admin:tasks_jobrun_change", args=[object_id]))
        run = self.get_queryset(request).filter(pk=object_id).first()
        if run is None:
            raise Http404
        if not can_start_for(request.user, runs.scope_of(run)):
            raise PermissionDenied
        try:
            run = resume_run(run=run)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Đã chạy tiếp lần chạy: %(s)s.") % {"s": run.get_status_display()}
            )
        return redirect(reverse("admin:tasks_jobrun_change", args=[object_id]))

    def progress_view(self, request, object_id: int):
        """The run's state as JSON, which the run's page polls (config/static/vbsp/jobrun.js)."""
        run = self.get_queryset(request).filter(pk=object_id).first()
        if run is None:
            raise Http404
        return JsonResponse(progress_json(run, run_view_for(request.user, run)))

    def _run_form(self, request, form: forms.Form, title: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": title,
        }
        return TemplateResponse(request, "admin/tasks/jobrun/run_form.html", context)

    @admin.display(description=JobRun._meta.get_field("scope").verbose_name)
    def scope_display(self, obj: JobRun) -> str:
        if obj.is_branch_wide:
            return str(obj.get_scope_display())
        return ", ".join(office.name for office in obj.offices.all())

    @admin.display(description=_("người chạy"))
    def created_by_display(self, obj: JobRun) -> str:
        return obj.created_by.get_username() if obj.created_by else _("Lịch tự động")

    @admin.display(description=_("thời gian chạy"))
    def duration(self, obj: JobRun) -> str:
        if not (obj.started_at and obj.finished_at):
            return "–"
        seconds = int((obj.finished_at - obj.started_at).total_seconds())
        if seconds >= 60:
            return _("%(m)d phút %(s)d giây") % {"m": seconds // 60, "s": seconds % 60}
        return _("%(s)d giây") % {"s": seconds}
