"""The province report endpoints under /api/v1/reports/: portfolio, flows, arrears ageing,
Decree 28.

Thin views over `loans.reports`: a query serializer checks the parameters (dates, groupings,
filters looked up in the user's offices), the report is built, and rendered as JSON, CSV or
Excel (`?format=csv|xlsx`). A filter naming an office, point, group or association the user
may not see is a 400 on that field, worded as for one that does not exist: the same rule as
every related id in this API, so no other office's data or existence leaks.

`overdue_ratio` is a number: a fraction of 1 with 6 places (0.092589 for 9.26 %), 0 without
outstanding, as everywhere in the reports' JSON (`core.money.ratio`).
"""

from django.urls import path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers

from borrowers.models import (
    AdministrativeUnit,
    Association,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from borrowers.selectors import (
    associations_for,
    offices_for,
    savings_groups_for,
    transaction_points_for,
)
from core.api import ScopedPrimaryKeyRelatedField, business_date
from programmes.models import Programme

from ..builders import (
    DECREE_28_MEASURES,
    FLOW_MEASURES,
    PORTFOLIO_MEASURES,
    ageing_measures,
    build_report,
    decree_28_group_by,
    default_as_of,
)
from ..dimensions import DIMENSIONS, GROUPINGS
from ..params import FILTER_NAMES, ReportFilters, ReportRequest
from ..source import SOURCES
from .base import BAD_REQUEST, FILE_RESPONSES, REPLICA_LAG_HELP, ReportView, valid_query

MAX_GROUPINGS = 4
FORMATS = ("json", "csv", "xlsx")
DEFAULT_GROUP_BY = {
    "portfolio": ("programme",),
    "flows": ("programme",),
    "arrears_ageing": ("office",),
    "decree_28": ("programme",),
}


# --- parameters --------------------------------------------------------------------------


class ProgrammeCodeField(serializers.SlugRelatedField):
    """A programme by its code; text that cannot be a code (too long, a NUL byte, which
    PostgreSQL refuses in a query) is "no such programme" without asking the database."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 20 or "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:20])
        return super().to_internal_value(data)


_NAME = "(?:" + "|".join(GROUPINGS) + ")"
# What the schema states (the serializer then refuses a grouping named twice or over 4).
GROUP_BY_PATTERN = rf"^(?:{_NAME}(?:,{_NAME}){{0,{MAX_GROUPINGS - 1}}})?$"


class ReportQuerySerializer(serializers.Serializer):
    """What every report takes: groupings, filters, the source of positions and the format."""

    group_by = serializers.RegexField(
        GROUP_BY_PATTERN,
        error_messages={
            "invalid": format_lazy(
                _("Nhóm theo tối đa {n} cách nhóm, cách nhau bởi dấu phẩy, chọn trong: {names}."),
                n=MAX_GROUPINGS,
                names=", ".join(GROUPINGS),
            )
        },
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Comma-separated groupings, at most 4, of: "
        + ", ".join(GROUPINGS)
        + ". Empty: one row for everything. Default depends on the report.",
    )
    office = ScopedPrimaryKeyRelatedField(
        selector=offices_for,
        queryset=TransactionOffice.objects.none(),
        required=False,
        help_text="Only this transaction office (id), one of the user's.",
    )
    programme = ProgrammeCodeField(
        slug_field="code",
        queryset=Programme.objects.all(),
        required=False,
        help_text="Only this programme (code, e.g. HN, ND28-NHA).",
    )
    transaction_point = ScopedPrimaryKeyRelatedField(
        selector=transaction_points_for,
        queryset=TransactionPoint.objects.none(),
        required=False,
        help_text="Only this transaction point (id).",
    )
    association = ScopedPrimaryKeyRelatedField(
        selector=associations_for,
        queryset=Association.objects.none(),
        required=False,
        help_text="Only groups managed by this association or by one below it (id).",
    )
    commune = serializers.PrimaryKeyRelatedField(
        queryset=AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE),
        required=False,
        help_text="Only points in this commune (id), current or former (before 1 Jul 2025).",
    )
    savings_group = ScopedPrimaryKeyRelatedField(
        selector=savings_groups_for,
        queryset=SavingsGroup.objects.none(),
        required=False,
        help_text="Only this savings-and-loan group (id).",
    )
    source = serializers.ChoiceField(
        choices=SOURCES,
        default="auto",
        help_text="Where figures come from: `auto` (the nightly aggregates when they cover the "
        "grouping and filters, else the snapshot rows, while the snapshot still holds; else "
        "computed), `aggregate`, `snapshot` or `engine` (for checks); the answer's `source` "
        "says which was read.",
    )
    format = serializers.ChoiceField(
        choices=FORMATS,
        required=False,
        help_text="json (default), csv or xlsx (Excel with Vietnamese headings and totals).",
    )

    def validate_group_by(self, value: str) -> tuple[str, ...]:
        names = tuple(part.strip() for part in value.split(",") if part.strip())
        unknown = [name for name in names if name not in GROUPINGS]
        if unknown:
            raise serializers.ValidationError(
                f"Không có cách nhóm “{unknown[0]}”; chọn trong: {', '.join(GROUPINGS)}."
            )
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Mỗi cách nhóm chỉ được chọn một lần.")
        if len(names) > MAX_GROUPINGS:
            raise serializers.ValidationError(f"Nhóm theo tối đa {MAX_GROUPINGS} tiêu chí.")
        return names

    def report_request(self, user) -> ReportRequest:
        """The validated parameters as a request for `loans.reports` (kind from the context)."""
        data, kind = self.validated_data, self.context["kind"]
        group_by = data.get("group_by", DEFAULT_GROUP_BY[kind])
        if kind == "decree_28":
            group_by = decree_28_group_by(group_by)
        filters = ReportFilters.for_user(
            user,
            **{name: data.get(name) for name in FILTER_NAMES},
            decree_28_only=kind == "decree_28",
        )
        return ReportRequest(
            filters=filters, group_by=group_by, source=data["source"], **self.dates(data)
        )

    def dates(self, data: dict) -> dict:
        return {"as_of": data.get("as_of") or default_as_of(timezone.localdate())}


class AsOfQuerySerializer(ReportQuerySerializer):
    as_of = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="End of this day (YYYY-MM-DD), 2000-01-01 to today; default yesterday.",
    )


class PeriodQuerySerializer(ReportQuerySerializer):
    """A period [from, to] of value dates; `from` is a keyword in Python, hence get_fields."""

    from_ = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="First day (YYYY-MM-DD); default the first day of the month of `to`.",
    )
    to = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="Last day (YYYY-MM-DD), not after today; default yesterday.",
    )

    as_of = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="The same as `to` (the day the period's positions are read at); `to` wins.",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        # `as_of` was ignored here once, so the period silently ended yesterday (issue 17); it
        # now ends the period unless `to` says otherwise.
        end = attrs.get("to") or attrs.get("as_of") or default_as_of(timezone.localdate())
        start = attrs.get("from") or end.replace(day=1)
        if start > end:
            raise serializers.ValidationError({"from": "Từ ngày phải trước hoặc bằng đến ngày."})
        return {**attrs, "from": start, "to": end}

    def dates(self, data: dict) -> dict:
        return {"start": data["from"], "end": data["to"]}


# --- views -------------------------------------------------------------------------------


class ProvinceReportView(ReportView):
    """One report; subclasses name it and take `as_of` or a period."""

    kind = "portfolio"
    query_class: type[ReportQuerySerializer] = AsOfQuerySerializer

    def get(self, request):
        query = valid_query(self.query_class, request, kind=self.kind)
        report = build_report(self.kind, query.report_request(request.user))
        return self.respond(report.as_json(), report.download())


def _row_schema(name: str, measures) -> serializers.Serializer:
    """The schema of a report row: every grouping key (present when grouped) and the figures."""
    fields = {}
    for dim in DIMENSIONS.values():
        key_field = serializers.IntegerField if dim.numeric else serializers.CharField
        fields[dim.key] = key_field(
            required=False, allow_null=True, help_text=f"{dim.label} (present when grouped)."
        )
        if dim.name_key:
            fields[dim.name_key] = serializers.CharField(required=False, allow_null=True)
    for measure in measures:
        if measure.kind == "ratio":
            fields[measure.key] = serializers.FloatField(help_text=measure.label)
        else:
            fields[measure.key] = serializers.IntegerField(help_text=measure.label)
    return inline_serializer(name=name, fields=fields, many=True)


def _response_schema(name: str, measures, *, period: bool) -> dict:
    dates = (
        {"from": serializers.DateField(), "to": serializers.DateField()}
        if period
        else {"as_of": serializers.DateField()}
    )
    totals = {
        m.key: serializers.FloatField() if m.kind == "ratio" else serializers.IntegerField()
        for m in measures
    }
    body = inline_serializer(
        name=f"{name}Report",
        fields={
            **dates,
            "group_by": serializers.ListField(child=serializers.CharField()),
            "source": serializers.CharField(
                allow_null=True,
                help_text="Where the figures come from: snapshot (the nightly job's complete "
                "snapshot of the day), engine (computed from the journal) or journal.",
            ),
            "source_date": serializers.DateField(
                allow_null=True,
                help_text="The business date of the complete nightly snapshot the figures were "
                "read from (source = snapshot); null otherwise.",
            ),
            "replica_lag_seconds": serializers.FloatField(
                allow_null=True, help_text=REPLICA_LAG_HELP
            ),
            "rows": _row_schema(f"{name}Row", measures),
            "totals": inline_serializer(name=f"{name}Totals", fields=totals),
        },
    )
    return {(200, "application/json"): body, **FILE_RESPONSES, 400: BAD_REQUEST}


def _documented(name: str, measures, query_class, summary: str):
    """The OpenAPI description of a report view's GET: its parameters and its three bodies."""
    period = query_class is PeriodQuerySerializer
    return extend_schema_view(
        get=extend_schema(
            summary=summary,
            parameters=[query_class],
            responses=_response_schema(name, measures, period=period),
            tags=["reports"],
        )
    )


@_documented(
    "Portfolio",
    PORTFOLIO_MEASURES,
    AsOfQuerySerializer,
    "Loans, households, outstanding, overdue, frozen and interest arrears as of a day.",
)
class PortfolioReportView(ProvinceReportView):
    """Outstanding portfolio (dư nợ) at the end of a day, per group."""

    kind = "portfolio"


@_documented(
    "Flows",
    FLOW_MEASURES,
    PeriodQuerySerializer,
    "Disbursed, collected, written off, new and closed loans in a period.",
)
class FlowsReportView(ProvinceReportView):
    """Disbursements, collections and write-offs (doanh số) in a period, per group."""

    kind = "flows"
    query_class = PeriodQuerySerializer


@_documented(
    "ArrearsAgeing",
    ageing_measures(),
    AsOfQuerySerializer,
    "Loans, outstanding and overdue principal per ageing bucket as of a day.",
)
class ArrearsAgeingReportView(ProvinceReportView):
    """Overdue principal and loans by days past due (tuổi nợ) at the end of a day."""

    kind = "arrears_ageing"


@_documented(
    "Decree28",
    DECREE_28_MEASURES,
    PeriodQuerySerializer,
    "Decree 28 loan lines: households reached by ethnicity, disbursed, outstanding, overdue.",
)
class Decree28ReportView(ProvinceReportView):
    """Decree 28/2022 lines: households reached, disbursed, outstanding and overdue."""

    kind = "decree_28"
    query_class = PeriodQuerySerializer


urlpatterns = [
    path("reports/portfolio/", PortfolioReportView.as_view(), name="report-portfolio"),
    path("reports/flows/", FlowsReportView.as_view(), name="report-flows"),
    path(
        "reports/arrears-ageing/",
        ArrearsAgeingReportView.as_view(),
        name="report-arrears-ageing",
    ),
    path("reports/decree-28/", Decree28ReportView.as_view(), name="report-decree-28"),
]
