"""The monthly reconciliation in the admin: the months reconciled, their pages per level, the
fee statement, the discrepancies with their loans, and the fee rows. Written by the job (tasks),
only looked at here; a month is run from the job runs' page. Officers see their offices only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from borrowers.admin.base import ScopedOfficeFilter, is_branch_level
from borrowers.selectors import associations_for, offices_for, savings_groups_for, scope
from core.admin import ReadOnlyMixin, ScopedAdmin
from core.admin_exports import ExportMixin
from loans.reconciliation.models import Discrepancy, FeePayment, Reconciliation
from loans.reconciliation.selectors import Filters, run_status

from .. import columns, exports
from ..fee_statement import fee_statement
from ..reconciliation import LEVELS, reconciliation_report
from .collection_list import collection_list_page

TEMPLATES = "admin/reconciliation/reconciliation"


class ReportFilterForm(forms.Form):
    """Level and scope of a reconciliation page; choices limited to the user's offices."""

    level = forms.ChoiceField(
        label=_("tổng hợp theo"),
        choices=[(level, _(columns.LEVEL_LABELS[level])) for level in LEVELS],
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

    def level_and_filters(self) -> tuple[str, Filters]:
        """The level asked for (groups by default) and the filters; none if the form is bad."""
        if not self.is_valid():
            return "savings_group", Filters()
        data = self.cleaned_data
        filters = Filters(
            office=data.get("office"),
            association=data.get("association"),
            savings_group=data.get("savings_group"),
        )
        return data.get("level") or "savings_group", filters


def _table(keys: list[str], rows: list[dict]) -> list[list[str]]:
    return [[columns.shown(key, row.get(key)) for key in keys] for row in rows]


def _sections(level: str, report: dict) -> list[dict]:
    """The page's tables (principal, interest, fees), each with the level's keys first."""
    sections = []
    for title, keys, figures in columns.page_sections(level):
        sections.append(
            {
                "title": _(title),
                "headings": [_(columns.LABELS[key]) for key in [*keys, *figures]],
                "keys": len(keys),
                "rows": _table([*keys, *figures], report["rows"]),
                "totals": _table(figures, [report["totals"]])[0],
            }
        )
    return sections


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
        return columns.shown("difference", obj.difference)


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
    fields = [
        "month_display",
        "status_display",
        "run_id",
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
                route,
                self.admin_site.admin_view(func),
                name=f"reconciliation_reconciliation_{name}",
            )

        return [
            view("collection_list", self.collection_list_view, "collection-list/"),
            view("report", self.report_view, "<int:pk>/report/"),
            view("fee_statement", self.fee_statement_view, "<int:pk>/fee-statement/"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **context) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **context,
        }

    def _month(self, request, pk: int) -> Reconciliation:
        if not self.has_view_permission(request):
            raise PermissionDenied
        recon = Reconciliation.objects.filter(pk=pk).first()
        if recon is None:
            raise Http404(_("Không tìm thấy đối chiếu tháng."))
        return recon

    def report_view(self, request, pk: int):
        """The month per level, with totals and discrepancies; prints on A4 landscape."""
        recon = self._month(request, pk)
        form = ReportFilterForm(request.GET or None, user=request.user)
        level, filters = form.level_and_filters()
        report = reconciliation_report(recon, request.user, level=level, filters=filters)
        if (fmt := request.GET.get("format")) in exports.FORMATS:
            return exports.reconciliation_download(report).response(fmt)
        context = self._context(
            request,
            _("Đối chiếu tháng %(m)s") % {"m": f"{recon.month:%m/%Y}"},
            recon=recon,
            status=run_status(recon),
            form=form,
            level_label=_(columns.LEVEL_LABELS[level]),
            sections=_sections(level, report),
            discrepancies=report["discrepancies"],
            query=request.GET.urlencode(),
        )
        return TemplateResponse(request, f"{TEMPLATES}/report.html", context)

    def fee_statement_view(self, request, pk: int):
        """Commission per group leader and fee per association level for the month."""
        recon = self._month(request, pk)
        statement = fee_statement(recon, request.user, Filters())
        if (fmt := request.GET.get("format")) in exports.FORMATS:
            return exports.fee_statement_download(statement).response(fmt)
        context = self._context(
            request,
            _("Phí ủy thác, hoa hồng tháng %(m)s") % {"m": f"{recon.month:%m/%Y}"},
            recon=recon,
            leader_headings=[_(columns.LABELS[key]) for key in columns.LEADER_COLUMNS],
            leaders=_table(columns.LEADER_COLUMNS, statement["leaders"]),
            association_headings=[_(columns.LABELS[c]) for c in columns.ASSOCIATION_FEE_COLUMNS],
            associations=_table(columns.ASSOCIATION_FEE_COLUMNS, statement["associations"]),
            totals={key: columns.shown(key, v) for key, v in statement["totals"].items()},
        )
        return TemplateResponse(request, f"{TEMPLATES}/fee_statement.html", context)

    def collection_list_view(self, request):
        """The collection list 13/TD of a group for a session, printable and as Excel."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return collection_list_page(request, self._context)

    @admin.display(description=_("tháng"), ordering="month")
    def month_display(self, obj: Reconciliation) -> str:
        return f"{obj.month:%m/%Y}"

    @admin.display(description=_("trạng thái"))
    def status_display(self, obj: Reconciliation) -> str:
        status = run_status(obj)
        return status[1] if status else "–"

    @admin.display(description=_("dư nợ cuối kỳ"))
    def closing_display(self, obj: Reconciliation) -> str:
        return columns.shown("closing_outstanding", obj.totals.get("closing_outstanding"))

    @admin.display(description=_("tổng số liệu"))
    def totals_display(self, obj: Reconciliation) -> str:
        return format_html_join(
            ", ",
            "{}: {}",
            ((columns.LABELS.get(k, k), columns.shown(k, v)) for k, v in obj.totals.items()),
        )

    @admin.display(description=_("xem / tải về"))
    def pages(self, obj: Reconciliation) -> str:
        report = reverse("admin:reconciliation_reconciliation_report", args=[obj.pk])
        fees = reverse("admin:reconciliation_reconciliation_fee_statement", args=[obj.pk])
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
class DiscrepancyAdmin(ExportMixin, ReadOnlyMixin, ScopedAdmin):
    """Every figure that did not reconcile, with its loan; a clean month has none."""

    export_fields = [
        "reconciliation",
        "loan",
        "office",
        "kind",
        "field",
        "expected",
        "actual",
        "difference",
    ]

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
        return columns.shown("difference", obj.difference)


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
