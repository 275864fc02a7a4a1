"""Read-only API of the lending programmes: loan lines, effective-dated rates and caps."""

from django.db.models import Prefetch
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from core.api import ModelSerializer

from .models import InterestRate, LoanPurpose, Programme


class LoanPurposeSerializer(ModelSerializer):
    """A loan line (dòng vay) within a programme, with its own cap where the law sets one."""

    class Meta:
        model = LoanPurpose
        fields = ["code", "name", "max_amount"]


class InterestRateSerializer(ModelSerializer):
    """An annual rate (%/năm) in force from a date, general or for one household category."""

    class Meta:
        model = InterestRate
        fields = [
            "household_category",
            "annual_rate",
            "effective_from",
            "applies_to_outstanding",
            "note",
        ]


class ProgrammeSerializer(ModelSerializer):
    """A programme (chương trình cho vay) with its lines, rates and the general rate in force."""

    purposes = LoanPurposeSerializer(many=True, read_only=True)
    rates = InterestRateSerializer(many=True, read_only=True)
    current_rate = serializers.SerializerMethodField(
        help_text="The general annual rate (%/năm) in force today; null if none yet."
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "code",
            "name",
            "legal_basis",
            "borrower_categories",
            "purposes_note",
            "max_amount",
            "max_term_months",
            "grace_months",
            "max_grace_months",
            "channel",
            "collateral_required",
            "day_count",
            "is_decree_28",
            "exclusive_group",
            "requires_approved_list",
            "is_active",
            "current_rate",
            "purposes",
            "rates",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True))
    def get_current_rate(self, programme: Programme) -> str | None:
        # Read from the prefetched rates (ordered by date): no query per programme.
        today = timezone.localdate()
        general = [
            r
            for r in programme.rates.all()
            if not r.household_category and r.effective_from <= today
        ]
        if not general:
            return None
        return serializers.DecimalField(max_digits=7, decimal_places=4).to_representation(
            general[-1].annual_rate
        )


class ProgrammeFilter(filters.FilterSet):
    code = filters.CharFilter()
    channel = filters.ChoiceFilter(choices=Programme._meta.get_field("channel").choices)

    class Meta:
        model = Programme
        fields = ["code", "channel", "is_decree_28", "is_active"]


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """Programmes are reference data shared by every office."""

    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    queryset = Programme.objects.prefetch_related(
        "purposes",
        Prefetch("rates", queryset=InterestRate.objects.order_by("effective_from")),
    ).order_by("code")
