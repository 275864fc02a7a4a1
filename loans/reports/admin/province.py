"""The report pages of the admin (Báo cáo): portfolio, flows, arrears ageing and Decree 28, with
the filters, a table, Excel/CSV downloads and server-drawn SVG charts.

They hang off the `PortfolioReport` proxy model (no table of its own), so they appear in the
admin index under Reports, with its view permission, and scoped to the user's offices through
the same `borrowers.selectors` as everything else.
"""

from dataclasses import replace

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from borrowers.models import AdministrativeUnit
from borrowers.selectors import (
    associations_for,
    offices_for,
    savings_groups_for,
    transaction_points_for,
)
from core.forms import DateField
from core.money import format_percent, ratio
from programmes.models import Programme

from .. import exports
from ..builders import (
    TITLES,
    bucket_labels,
    build_report,
    decree_28_group_by,
    default_as_of,
)
from ..charts import bar_chart, dots
from ..dimensions import DIMENSIONS
from ..models import PortfolioReport
from ..params import FILTER_NAMES, ReportFilters, ReportRequest
from ..result import SOURCE_LABELS, Report
from .ageing import ageing_table, bucket_heading

# kind -> (url suffix, tab label, takes a period)
PAGES = {
    "portfolio": ("", gettext_noop("Dư nợ"), False),
    "flows": ("flows/", gettext_noop("Doanh số cho vay, thu nợ"), True),
    "arrears_ageing": ("arrears-ageing/", gettext_noop("Tuổi nợ quá hạn"), False),
    "decree_28": ("decree-28/", gettext_noop("Nghị định 28"), True),
}
DEFAULT_GROUP_BY = {
    "portfolio": ["programme"],
    "flows": ["programme"],
    "arrears_ageing": ["office"],
    "decree_28": ["programme"],
}


class ReportForm(forms.Form):
    """The report's parameters, with every choice limited to the user's offices."""

    as_of = DateField(label=_("Số liệu đến hết ngày"))
    date_from = DateField(label=_("Từ ngày"))
    date_to = DateField(label=_("Đến ngày"))
    group_by = forms.MultipleChoiceField(
        label=_("Nhóm theo"),
        required=False,
        choices=[(d.key, _(d.label)) for d in DIMENSIONS.values()],
        widget=forms.CheckboxSelectMultiple,
    )
    office = forms.ModelChoiceField(label=_("Phòng giao dịch"), queryset=None, required=False)
    programme = forms.ModelChoiceField(
        label=_("Chương trình"), queryset=Programme.objects.all(), required=False
    )
    transaction_point = forms.ModelChoiceField(
        label=_("Điểm giao dịch"), queryset=None, required=False
    )
    association = forms.ModelChoiceField(label=_("Hội đoàn thể"), queryset=None, required=False)
    commune = forms.ModelChoiceField(
        label=_("Xã/phường (hiện nay hoặc cũ)"),
        queryset=AdministrativeUnit.objects.filter(level="commune").order_by("name"),
        required=False,
    )
    savings_group = forms.ModelChoiceField(label=_("Tổ TK&VV"), queryset=None, required=False)

    def __init__(self, data, *, user, kind: str):
        super().__init__(data)
        self.user, self.kind = user, kind
        self.fields["office"].queryset = offices_for(user)
        self.fields["transaction_point"].queryset = transaction_points_for(user)
        self.fields["association"].queryset = associations_for(user)
        self.fields["savings_group"].queryset = savings_groups_for(user)
        period = PAGES[kind][2]
        for name in ("date_from", "date_to") if not period else ("as_of",):
            del self.fields[name]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("as_of", "date_from", "date_to"):
            if data.get(name) and data[name] > today:
                self.add_error(name, _("Ngày không được sau ngày hôm nay."))
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_from", _("Từ ngày phải trước hoặc bằng đến ngày."))
        return data

    def report_request(self) -> ReportRequest:
        data = self.cleaned_data
        group_by = tuple(data["group_by"])
        if self.kind == "decree_28":
            group_by = decree_28_group_by(group_by)
        filters = ReportFilters.for_user(
            self.user,
            decree_28_only=self.kind == "decree_28",
            **{name: data.get(name) for name in FILTER_NAMES},
        )
        if PAGES[self.kind][2]:
            dates = {"start": data["date_from"], "end": data["date_to"]}
        else:
            dates = {"as_of": data["as_of"]}
        return ReportRequest(filters=filters, group_by=group_by, **dates)


def with_defaults(query, kind: str):
    """The GET parameters, with yesterday (or this month) and the default grouping filled in."""
    data = query.copy()
    yesterday = default_as_of(timezone.localdate())
    defaults = {
        "as_of": yesterday,
        "date_to": yesterday,
        "date_from": yesterday.replace(day=1),
    }
    for name, value in defaults.items():
        data.setdefault(name, f"{value:%d/%m/%Y}")
    if "group_by" not in query and "submitted" not in query:
        data.setlist("group_by", DEFAULT_GROUP_BY[kind])
    return data


# --- what the page shows -------------------------------------------------------------------


def cell(value, kind: str) -> str:
    """A figure as a page shows it: amounts `1.234.567`, ratios `1,23 %`."""
    if value is None:
        return ""
    if kind in ("money", "count"):
        return dots(value)
    if kind == "ratio":
        return format_percent(value)
    return str(value)


def page_parameters(report: Report) -> list[tuple[str, str]]:
    """The report's parameters in the interface language (the files keep the Vietnamese)."""
    shown = []
    for label, value in report.parameters()[1:]:
        if label == "Nhóm theo":
            value = ", ".join(gettext(d.label) for d in report.dims) or gettext("Toàn bộ")
        elif label == "Nguồn số liệu" and report.source:
            value = gettext(SOURCE_LABELS[report.source])
            if report.source_date:
                value = gettext("%(source)s, ngày %(d)s") % {
                    "source": value,
                    "d": f"{report.source_date:%d/%m/%Y}",
                }
        shown.append((gettext(label), value))
    return shown


def shown_table(report: Report) -> dict:
    """Headings, rows and totals (the footer's one line) as text; the ageing table pivoted."""
    if report.kind == "arrears_ageing":
        return ageing_table(report, cell)
    table = report.table()
    return {
        "columns": [replace(c, heading=gettext(c.heading)) for c in table.columns],
        "rows": [
            [(cell(row.get(c.key), c.kind), c.kind != "text") for c in table.columns]
            for row in table.rows
        ],
        "footer": [
            [
                (cell(v, c.kind), c.kind != "text")
                for v, c in zip(table.totals_row(), table.columns, strict=True)
            ]
        ],
    }


def portfolio_charts(request: ReportRequest) -> list:
    """Outstanding by programme and overdue ratio by office, from one report by both."""
    by_both = build_report(
        "portfolio",
        ReportRequest(
            filters=request.filters,
            as_of=request.as_of,
            group_by=("office", "programme"),
            source=request.source,
        ),
    )
    programmes, offices = {}, {}
    for row in by_both.rows:
        programmes[row["programme"]] = (
            programmes.get(row["programme"], 0) + row["outstanding_principal"]
        )
        sums = offices.setdefault(row["office_name"], [0, 0])
        sums[0] += row["overdue_principal"]
        sums[1] += row["outstanding_principal"]
    return [
        bar_chart(gettext("Dư nợ theo chương trình (đồng)"), sorted(programmes.items())),
        bar_chart(
            gettext("Tỷ lệ nợ quá hạn theo phòng giao dịch"),
            [(name, ratio(*sums)) for name, sums in sorted(offices.items())],
            shown=format_percent,
            colour="red",
        ),
    ]


def ageing_charts(report: Report) -> list:
    labels = [label for label in bucket_labels() if label != "current"]
    slugs = [label.replace("-", "_").replace(">", "over_") for label in labels]
    return [
        bar_chart(
            gettext("Nợ quá hạn theo số ngày quá hạn (đồng)"),
            [
                (bucket_heading(label), report.totals[f"overdue_principal_{slug}"])
                for label, slug in zip(labels, slugs, strict=True)
            ],
            colour="red",
        ),
        bar_chart(
            gettext("Số món vay theo số ngày quá hạn"),
            [
                (bucket_heading(label), report.totals[f"loans_{slug}"])
                for label, slug in zip(labels, slugs, strict=True)
            ],
            colour="amber",
        ),
    ]


def decree_28_charts(report: Report) -> list:
    if report.request.group_by != ("programme",):
        return []
    bars = [(row["programme_name"] or "", row["outstanding_principal"]) for row in report.rows]
    reached = [(row["programme_name"] or "", row["households_reached"]) for row in report.rows]
    return [
        bar_chart(gettext("Dư nợ cuối kỳ theo dòng vay (đồng)"), bars),
        bar_chart(gettext("Số hộ được vay trong kỳ theo dòng vay"), reached, colour="amber"),
    ]


# --- the admin -----------------------------------------------------------------------------


@admin.register(PortfolioReport)
class ReportAdmin(admin.ModelAdmin):
    """The report pages; the changelist is the portfolio report."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_"
        pages = [
            path(
                suffix,
                self.admin_site.admin_view(self.report_view),
                {"kind": kind},
                name=prefix + kind,
            )
            for kind, (suffix, _label, _period) in PAGES.items()
            if suffix
        ]
        return [*pages, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return self.report_view(request, kind="portfolio")

    def report_view(self, request, kind: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ReportForm(with_defaults(request.GET, kind), user=request.user, kind=kind)
        report, charts = None, []
        if form.is_valid():
            report = build_report(kind, form.report_request())
            download = request.GET.get("format")
            if download in exports.FORMATS:
                return report.download().response(download)
            charts = self.charts(kind, report)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext(TITLES[kind]),
            "parameters": page_parameters(report) if report else [],
            "kind": kind,
            "form": form,
            "media": self.media + form.media,
            "report": report,
            "table": shown_table(report) if report else None,
            "charts": charts,
            "tabs": self.tabs(kind),
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/reports/report.html", context)

    def charts(self, kind: str, report: Report) -> list:
        if kind == "portfolio":
            return portfolio_charts(report.request)
        if kind == "arrears_ageing":
            return ageing_charts(report)
        if kind == "decree_28":
            return decree_28_charts(report)
        return []

    def tabs(self, current: str) -> list[tuple[str, str, bool]]:
        prefix = f"admin:{self.opts.app_label}_{self.opts.model_name}_"
        urls = {
            kind: reverse(prefix + (kind if suffix else "changelist"))
            for kind, (suffix, _label, _period) in PAGES.items()
        }
        return [
            (urls[kind], gettext(label), kind == current) for kind, (_s, label, _p) in PAGES.items()
        ]
