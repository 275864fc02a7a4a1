"""API of the monthly reconciliation, the fee statement and the collection list 13/TD.

Included by config/api.py under /api/v1/, before the catch-all.

Every answer is scoped to the user's offices: rows of other offices are not there; a group,
office or association the user may not see, given as a filter, is a 400 on that field (as in
the province reports); a group whose collection list the user may not see is a 404.
`?format=xlsx` or `?format=csv` returns the same report as a file; errors are always JSON.
"""

from datetime import date, timedelta

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from borrowers.selectors import associations_for, offices_for, savings_groups_for
from core.api import EARLIEST_BUSINESS_DATE, IntegerField
from core.db import replica_lag_seconds, report_reads
from loans.reconciliation.models import Reconciliation
from loans.reconciliation.months import parse_month
from loans.reconciliation.selectors import Filters, NotReconciled, finished_reconciliation

from .. import exports
from ..collection_list import collection_list
from ..fee_statement import fee_statement
from ..reconciliation import LEVELS, reconciliation_report
from .base import (
    BAD_REQUEST,
    FILE_RESPONSES,
    MAX_ID,
    REPLICA_LAG_HELP,
    ReportView,
    valid_query,
)

FILE_FORMATS = ("xlsx", "csv")
# A collection list is printed before the session: up to a year ahead is allowed.
LATEST_SESSION_AHEAD = timedelta(days=366)


# --- queries ---------------------------------------------------------------------------------


class ScopeFilters(serializers.Serializer):
    """Narrow a report to an office, an association (any level) or a group, by id."""

    office = IntegerField(required=False, min_value=1, max_value=MAX_ID)
    association = IntegerField(required=False, min_value=1, max_value=MAX_ID)
    savings_group = IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def filters_for(self, user) -> Filters:
        """The filter objects. One outside the user's scope is a 400 on that field, worded as for
        one that does not exist (the rule of the province reports)."""
        data = self.validated_data
        lookups = {
            "office": (offices_for, _("Không tìm thấy phòng giao dịch.")),
            "association": (associations_for, _("Không tìm thấy hội đoàn thể.")),
            "savings_group": (savings_groups_for, _("Không tìm thấy tổ TK&VV.")),
        }
        found = {}
        for name, (selector, message) in lookups.items():
            if name in data:
                found[name] = selector(user).filter(pk=data[name]).first()
                if found[name] is None:
                    raise serializers.ValidationError({name: [message]})
        return Filters(**found)


class MonthQuery(ScopeFilters):
    month = serializers.RegexField(
        r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
        help_text="The month reconciled, YYYY-MM (from 2000-01 to the current month).",
        error_messages={
            "invalid": gettext_lazy("Tháng phải có dạng YYYY-MM."),
            "required": gettext_lazy("Phải chọn tháng (YYYY-MM)."),
        },
    )
    format = serializers.ChoiceField(
        choices=["json", *FILE_FORMATS], required=False, help_text="json (default), xlsx or csv."
    )

    def validate_month(self, value: str) -> date:
        month = parse_month(value)
        if month > timezone.localdate():
            raise serializers.ValidationError(_("Tháng không được sau tháng hiện tại."))
        return month


class ReconciliationQuery(MonthQuery):
    level = serializers.ChoiceField(
        choices=LEVELS,
        default="savings_group",
        help_text="Rows per loan, savings group, association (each level), transaction point, "
        "office or programme.",
    )


class CollectionListQuery(serializers.Serializer):
    savings_group = IntegerField(min_value=1, max_value=MAX_ID, help_text="The group's id.")
    session_date = serializers.DateField(help_text="The session date, YYYY-MM-DD.")
    format = serializers.ChoiceField(
        choices=["json", *FILE_FORMATS], required=False, help_text="json (default), xlsx or csv."
    )

    def validate_session_date(self, value: date) -> date:
        if value < EARLIEST_BUSINESS_DATE:
            raise serializers.ValidationError(_("Ngày không được trước 01/01/2000."))
        if value > timezone.localdate() + LATEST_SESSION_AHEAD:
            raise serializers.ValidationError(_("Ngày giao dịch quá xa (tối đa một năm tới)."))
        return value


def _reconciliation(month: date) -> Reconciliation:
    try:
        return finished_reconciliation(month)
    except NotReconciled as exc:
        raise Http404(str(exc)) from exc


# --- response documentation ------------------------------------------------------------------


class FiguresSerializer(serializers.Serializer):
    """The month's figures of a row (whole đồng; ratios as fractions of 1, six places)."""

    opening_outstanding = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    principal_repaid = serializers.IntegerField()
    written_off = serializers.IntegerField()
    closing_outstanding = serializers.IntegerField()
    interest_due = serializers.IntegerField(help_text="Interest of the periods due in the month.")
    interest_collected = serializers.IntegerField()
    collection_rate = serializers.FloatField(
        allow_null=True,
        help_text="Interest collected / interest due, a fraction of 1 with 6 places; null when "
        "nothing was due.",
    )
    interest_arrears = serializers.IntegerField(help_text="At the month's end.")
    overdue_principal = serializers.IntegerField(help_text="At the month's end.")
    overdue_ratio = serializers.FloatField(
        allow_null=True,
        help_text="Overdue / closing outstanding, a fraction of 1 with 6 places (0.055556 is "
        "5.56 %); null without outstanding.",
    )
    leader_commission = serializers.IntegerField()
    association_fee = serializers.IntegerField(help_text="All levels together.")
    fee_commune = serializers.IntegerField()
    fee_district = serializers.IntegerField()
    fee_province = serializers.IntegerField()
    fee_central = serializers.IntegerField()


class ReconciliationRowSerializer(FiguresSerializer):
    """A row's keys depend on the level; the figures are always there."""

    loan = serializers.IntegerField(required=False)
    contract_number = serializers.CharField(required=False)
    savings_group = serializers.IntegerField(required=False, allow_null=True)
    association = serializers.IntegerField(required=False, allow_null=True)
    association_level = serializers.CharField(required=False)
    fee_earned = serializers.IntegerField(
        required=False, help_text="Association rows: the part paid to this association."
    )
    transaction_point = serializers.IntegerField(required=False)
    office = serializers.IntegerField(required=False)
    programme = serializers.IntegerField(required=False)


class TotalsSerializer(FiguresSerializer):
    loans = serializers.IntegerField()


class DiscrepancySerializer(serializers.Serializer):
    loan = serializers.IntegerField()
    contract_number = serializers.CharField()
    office = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["cache", "roll_forward"])
    field = serializers.CharField()
    expected = serializers.IntegerField(help_text="What the journal says.")
    actual = serializers.IntegerField(help_text="The cached balance or the computed figure.")
    difference = serializers.IntegerField()


class ReconciliationReportSerializer(serializers.Serializer):
    month = serializers.CharField()
    level = serializers.CharField()
    status = serializers.CharField(allow_null=True, help_text="The latest run's status.")
    finished_at = serializers.DateTimeField()
    rows = ReconciliationRowSerializer(many=True)
    totals = TotalsSerializer()
    discrepancies = DiscrepancySerializer(many=True)
    source = serializers.CharField(
        help_text="`aggregate`: the job's totals per level; `lines`: summed from the loan lines "
        "(the loan level, a group or association filter, or a month reconciled without them)."
    )
    replica_lag_seconds = serializers.FloatField(allow_null=True, help_text=REPLICA_LAG_HELP)


NOT_FOUND = OpenApiResponse(
    description="Month never reconciled (\u201cchưa chạy đối chiếu tháng này\u201d)."
)


# --- views -----------------------------------------------------------------------------------


class ReconciliationView(ReportView):
    """The month's reconciliation (đối chiếu tháng) per level, with totals and discrepancies.

    A month that was never reconciled is a 404 ("chưa chạy đối chiếu tháng này"); start it with
    `POST jobs/ {"kind": "reconciliation", "month": "YYYY-MM"}`.
    """

    @extend_schema(
        parameters=[ReconciliationQuery],
        responses={
            (200, "application/json"): ReconciliationReportSerializer,
            **FILE_RESPONSES,
            400: BAD_REQUEST,
            404: NOT_FOUND,
        },
    )
    def get(self, request):
        query = valid_query(ReconciliationQuery, request)
        with report_reads() as alias:
            recon = _reconciliation(query.validated_data["month"])
            report = reconciliation_report(
                recon,
                request.user,
                level=query.validated_data["level"],
                filters=query.filters_for(request.user),
            )
            report["replica_lag_seconds"] = replica_lag_seconds(alias)
        return self.respond(report, exports.reconciliation_download(report))


class FeeStatementView(ReportView):
    """The month's fee statement: commission per group leader, entrustment fee per association
    level (bảng kê phí ủy thác, hoa hồng)."""

    @extend_schema(
        parameters=[MonthQuery],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            **FILE_RESPONSES,
            400: BAD_REQUEST,
            404: NOT_FOUND,
        },
    )
    def get(self, request):
        query = valid_query(MonthQuery, request)
        with report_reads() as alias:
            recon = _reconciliation(query.validated_data["month"])
            statement = fee_statement(recon, request.user, query.filters_for(request.user))
            statement["replica_lag_seconds"] = replica_lag_seconds(alias)
        return self.respond(statement, exports.fee_statement_download(statement))


class CollectionRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    loan_id = serializers.IntegerField()
    contract_number = serializers.CharField()
    borrower_id = serializers.IntegerField()
    borrower_name = serializers.CharField()
    village = serializers.CharField()
    programme_code = serializers.CharField()
    outstanding_principal = serializers.IntegerField()
    interest_due = serializers.IntegerField(
        help_text="Interest to collect at the session: arrears as of the session date, the "
        "period due that day included."
    )
    interest_arrears = serializers.IntegerField(help_text="Arrears before the session.")
    principal_due = serializers.IntegerField(
        help_text="Instalments due on or before the session date, not yet paid."
    )
    savings_balance = serializers.IntegerField(
        allow_null=True,
        help_text="The household's savings balance at the end of the day before the session, on "
        "its first row (null on its other loans' rows).",
    )
    interest_collected = serializers.IntegerField(allow_null=True, help_text="Blank.")
    principal_collected = serializers.IntegerField(allow_null=True, help_text="Blank.")
    savings_deposited = serializers.IntegerField(allow_null=True, help_text="Blank.")


class CollectionListSerializer(serializers.Serializer):
    savings_group = serializers.DictField()
    session_date = serializers.DateField()
    rows = CollectionRowSerializer(many=True)
    totals = serializers.DictField(child=serializers.IntegerField())


class CollectionListView(ReportView):
    """The collection list 13/TD of a group for a session date (danh sách thu lãi)."""

    @extend_schema(
        parameters=[CollectionListQuery],
        responses={
            (200, "application/json"): CollectionListSerializer,
            **FILE_RESPONSES,
            400: BAD_REQUEST,
            404: OpenApiResponse(description="No such group in the user's offices."),
        },
    )
    def get(self, request):
        query = valid_query(CollectionListQuery, request)
        group = (
            savings_groups_for(request.user)
            .select_related("association", "transaction_point__office")
            .filter(pk=query.validated_data["savings_group"])
            .first()
        )
        if group is None:
            raise Http404(_("Không tìm thấy tổ TK&VV."))
        cl = collection_list(group, session_date=query.validated_data["session_date"])
        body = {
            "savings_group": {
                "id": group.pk,
                "code": group.code,
                "name": group.name,
                "leader": group.leader,
                "association": group.association.name,
                "transaction_point": group.transaction_point.name,
                "office": group.transaction_point.office.name,
            },
            "session_date": cl.session_date,
            "rows": cl.rows,
            "totals": cl.totals,
        }
        return self.respond(body, exports.collection_list_download(cl))


urlpatterns = [
    path("reconciliations/", ReconciliationView.as_view(), name="reconciliations"),
    path(
        "reconciliations/fee-statement/",
        FeeStatementView.as_view(),
        name="reconciliation-fee-statement",
    ),
    path("reports/collection-list/", CollectionListView.as_view(), name="report-collection-list"),
]
