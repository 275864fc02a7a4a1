"""Job runs with their progress, and the monthly reconciliation: months, their pages per
level, fee statements, discrepancies, and the collection list 13/TD. Written by the jobs, only
looked at here."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from borrowers.selectors import associations_for, offices_for, savings_groups_for, scope
from config.admin_site import ReadOnlyMixin, ScopedAdmin, ScopedOfficeFilter, is_branch_level
from core.money import group_digits
from loans.collection_list import collection_list

from . import exports
from . import reconciliation_reports as reports
from .jobs.months import parse_month, previous_month
from .models import Discrepancy, FeePayment, JobRun, Reconciliation
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
        if seconds >= 60:
            return _("%(m)d phút %(s)d giây") % {"m": seconds // 60, "s": seconds % 60}
        return _("%(s)d giây") % {"s": seconds}


# --- the monthly reconciliation --------------------------------------------------------------


def _grouped(value) -> str:
    """1234567 -> '1.234.567' for the tables (Vietnamese grouping, no currency sign)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    return group_digits(value)


def _download(content: bytes, filename: str, fmt: str) -> HttpResponse:
    content_type = exports.XLSX_CONTENT_TYPE if fmt == "xlsx" else exports.CSV_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


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


class ReportFilterForm(forms.Form):
    """Level and scope of a reconciliation page; choices limited to the user's offices."""

    level = forms.ChoiceField(
        label=_("tổng hợp theo"),
        choices=[(level, _(exports.LEVEL_LABELS[level])) for level in reports.LEVELS],
        initial="savings_group",
        required=False,
    )
    office = forms.ModelChoiceField(queryset=None, label=_("phòng giao dịch"), required=False)
    association = forms.ModelChoiceField(queryset=None, label=_("hội đoàn thể"), required=False)
    savings_group = forms.ModelChoiceField(queryset=None, label=_("tổ TK&VV"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices_for(user)
        self.fields["association"].queryset = associations_for(user).order_by("level", "name")
        self.fields["savings_group"].queryset = savings_groups_for(user).order_by("code")

    def filters(self) -> reports.Filters:
        data = self.cleaned_data
        return reports.Filters(
            office=data.get("office"),
            association=data.get("association"),
            savings_group=data.get("savings_group"),
        )


class CollectionListForm(forms.Form):
    savings_group = forms.ModelChoiceField(queryset=None, label=_("tổ TK&VV"))
    session_date = forms.DateField(
        label=_("ngày giao dịch"), input_formats=["%d/%m/%Y", "%Y-%m-%d"], help_text="dd/mm/yyyy"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["savings_group"].queryset = savings_groups_for(user).order_by("code")


class DiscrepancyInline(admin.TabularInline):
    """The loans behind each discrepancy, in the user's offices."""

    model = Discrepancy
    extra = 0
    can_delete = False
    fields = ["loan", "office", "kind", "field", "expected", "actual", "difference_display"]
    readonly_fields = fields
    verbose_name_plural = _("chênh lệch (khoản vay)")

    def get_queryset(self, request):
        return scope(super().get_queryset(request).select_related("loan", "office"), request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("chênh lệch"))
    def difference_display(self, obj):
        return _grouped(obj.difference)


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Months reconciled: totals, discrepancies, the pages per level, exports and 13/TD."""

    list_display = [
        "month_display",
        "status_display",
        "finished_at",
        "loan_count",
        "discrepancy_count",
        "closing_display",
        "pages",
    ]
    list_select_related = ["run"]
    fields = [
        "month_display",
        "status_display",
        "run",
        "finished_at",
        "loan_count",
        "discrepancy_count",
        "totals_display",
        "pages",
    ]
    readonly_fields = fields
    inlines = [DiscrepancyInline]
    # The stored totals and counts cover every office: officers read their office's figures
    # on the report pages instead.
    office_fields = ["month_display", "status_display", "finished_at", "pages"]

    def get_list_display(self, request):
        return self.list_display if is_branch_level(request.user) else self.office_fields

    def get_fields(self, request, obj=None):
        return self.fields if is_branch_level(request.user) else self.office_fields

    def get_urls(self):
        def view(name, func, route):
            return path(
                route, self.admin_site.admin_view(func), name=f"tasks_reconciliation_{name}"
            )

        return [
            view("run", self.run_view, "run/"),
            view("collection_list", self.collection_list_view, "collection-list/"),
            view("report", self.report_view, "<int:pk>/report/"),
            view("fee_statement", self.fee_statement_view, "<int:pk>/fee-statement/"),
            *super().get_urls(),
        ]

    def _can_run(self, request) -> bool:
        # A run covers every office: branch level with the permission to start jobs.
        return is_branch_level(request.user) and request.user.has_perm("tasks.add_jobrun")

    def changelist_view(self, request, extra_context=None):
        extra = {"can_run_reconciliation": self._can_run(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def _context(self, request, title: str, **context) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **context,
        }

    def run_view(self, request):
        """Run the reconciliation for a month (đối chiếu tháng)."""
        if not self._can_run(request):
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
        context = self._context(request, _("Chạy đối chiếu tháng"), form=form)
        return TemplateResponse(request, "admin/tasks/jobrun/run_form.html", context)

    def _month(self, request, pk: int) -> Reconciliation:
        if not self.has_view_permission(request):
            raise PermissionDenied
        recon = Reconciliation.objects.select_related("run").filter(pk=pk).first()
        if recon is None:
            raise Http404(_("Không tìm thấy đối chiếu tháng."))
        return recon

    def report_view(self, request, pk: int):
        """The month per level, with totals and discrepancies; prints on A4 landscape."""
        recon = self._month(request, pk)
        form = ReportFilterForm(request.GET or None, user=request.user)
        filters = form.filters() if form.is_valid() else reports.Filters()
        level = (form.cleaned_data.get("level") if form.is_valid() else None) or "savings_group"
        report = reports.reconciliation_report(recon, request.user, level=level, filters=filters)
        fmt = request.GET.get("format")
        if fmt == "xlsx":
            content = exports.reconciliation_xlsx(report)
            return _download(content, f"doi-chieu-{recon.period}-{level}", fmt)
        if fmt == "csv":
            content = exports.reconciliation_csv(report)
            return _download(content, f"doi-chieu-{recon.period}-{level}", fmt)
        columns = exports.reconciliation_columns(level)
        context = self._context(
            request,
            _("Đối chiếu tháng %(m)s") % {"m": f"{recon.month:%m/%Y}"},
            recon=recon,
            form=form,
            level_label=_(exports.LEVEL_LABELS[level]),
            headings=[exports.LABELS[c] for c in columns],
            rows=[
                [_grouped(exports.cell_value(c, row.get(c))) for c in columns]
                for row in report["rows"]
            ],
            totals=[_grouped(report["totals"].get(c)) for c in columns[1:]],
            discrepancies=report["discrepancies"],
            query=request.GET.urlencode(),
        )
        return TemplateResponse(request, "admin/tasks/reconciliation/report.html", context)

    def fee_statement_view(self, request, pk: int):
        """Commission per group leader and fee per association level for the month."""
        recon = self._month(request, pk)
        statement = reports.fee_statement(recon, request.user, reports.Filters())
        fmt = request.GET.get("format")
        if fmt == "xlsx":
            return _download(exports.fee_statement_xlsx(statement), f"phi-{recon.period}", fmt)
        if fmt == "csv":
            return _download(exports.fee_statement_csv(statement), f"phi-{recon.period}", fmt)
        context = self._context(
            request,
            _("Phí ủy thác, hoa hồng tháng %(m)s") % {"m": f"{recon.month:%m/%Y}"},
            recon=recon,
            leader_headings=[exports.LABELS[c] for c in exports.LEADER_COLUMNS],
            leaders=[
                [_grouped(exports.cell_value(c, row.get(c))) for c in exports.LEADER_COLUMNS]
                for row in statement["leaders"]
            ],
            association_headings=[exports.LABELS[c] for c in exports.ASSOCIATION_FEE_COLUMNS],
            associations=[
                [
                    _grouped(exports.cell_value(c, row.get(c)))
                    for c in exports.ASSOCIATION_FEE_COLUMNS
                ]
                for row in statement["associations"]
            ],
            totals={k: _grouped(v) for k, v in statement["totals"].items()},
        )
        return TemplateResponse(request, "admin/tasks/reconciliation/fee_statement.html", context)

    def collection_list_view(self, request):
        """The collection list 13/TD of a group for a session, printable and as Excel."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CollectionListForm(request.GET or None, user=request.user)
        cl = None
        if form.is_valid():
            group = form.cleaned_data["savings_group"]
            cl = collection_list(group, session_date=form.cleaned_data["session_date"])
            fmt = request.GET.get("format")
            name = f"13-TD-{group.code}-{cl.session_date:%Y-%m-%d}"
            if fmt == "xlsx":
                return _download(exports.collection_list_xlsx(cl), name, fmt)
            if fmt == "csv":
                return _download(exports.collection_list_csv(cl), name, fmt)
        context = self._context(
            request,
            _("Danh sách thu lãi, thu tiền gửi tiết kiệm (13/TD)"),
            form=form,
            cl=cl,
            header=exports.collection_list_header(cl) if cl else [],
            headings=[label for _key, label in exports.COLLECTION_COLUMNS],
            rows=[
                [_grouped(row.get(key)) for key, _label in exports.COLLECTION_COLUMNS]
                for row in (cl.rows if cl else [])
            ],
            totals={k: _grouped(v) for k, v in (cl.totals if cl else {}).items()},
            query=request.GET.urlencode(),
        )
        return TemplateResponse(request, "admin/tasks/reconciliation/collection_list.html", context)

    @admin.display(description=_("tháng"), ordering="month")
    def month_display(self, obj: Reconciliation) -> str:
        return f"{obj.month:%m/%Y}"

    @admin.display(description=_("trạng thái"))
    def status_display(self, obj: Reconciliation) -> str:
        return obj.run.get_status_display() if obj.run else "–"

    @admin.display(description=_("dư nợ cuối kỳ"))
    def closing_display(self, obj: Reconciliation) -> str:
        return _grouped(obj.totals.get("closing_outstanding"))

    @admin.display(description=_("tổng số liệu"))
    def totals_display(self, obj: Reconciliation) -> str:
        return format_html_join(
            ", ",
            "{}: {}",
            ((exports.LABELS.get(k, k), _grouped(v)) for k, v in obj.totals.items()),
        )

    @admin.display(description=_("xem / tải về"))
    def pages(self, obj: Reconciliation) -> str:
        report = reverse("admin:tasks_reconciliation_report", args=[obj.pk])
        fees = reverse("admin:tasks_reconciliation_fee_statement", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?format=xlsx">Excel</a> · '
            '<a href="{}">{}</a> · <a href="{}?format=xlsx">Excel</a>',
            report,
            _("Đối chiếu"),
            report,
            fees,
            _("Phí, hoa hồng"),
            fees,
        )


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyMixin, ScopedAdmin):
    """Every figure that did not reconcile, with its loan; a clean month has none."""

    list_display = [
        "reconciliation",
        "loan",
        "office",
        "kind",
        "field",
        "expected",
        "actual",
        "difference_display",
    ]
    list_filter = ["reconciliation", "kind", ("office", ScopedOfficeFilter)]
    list_select_related = ["reconciliation", "loan", "office"]
    search_fields = ["=loan__contract_number"]

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    @admin.display(description=_("chênh lệch"))
    def difference_display(self, obj: Discrepancy) -> str:
        return _grouped(obj.difference)


@admin.register(FeePayment)
class FeePaymentAdmin(ReadOnlyMixin, ScopedAdmin):
    """What each leader and association level earned from each group, month by month."""

    list_display = [
        "reconciliation",
        "savings_group",
        "payee",
        "association",
        "base_amount",
        "rate",
        "reduced",
        "amount",
    ]
    list_filter = ["reconciliation", "payee", "reduced", ("office", ScopedOfficeFilter)]
    list_select_related = ["reconciliation", "savings_group", "association"]
    search_fields = ["savings_group__code", "savings_group__name"]

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)
