"""The savings endpoints under /api/v1/: a household's savings as of a date, the reversal of
one of its entries (four eyes: 202 when a second person must approve), and the effective-dated
savings rate (read by everyone, written at branch level only)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from borrowers.selectors import borrowers_for, office_ids_for
from core.api import IntegerField, ModelSerializer, business_date
from programmes import rule_changes
from programmes.models import SavingsRate

from . import reversals, selectors
from .models import SavingsAccount, SavingsTransaction


class SavingsTransactionSerializer(ModelSerializer):
    """An entry of the household's savings journal; `delta` is how it moved the balance."""

    class Meta:
        model = SavingsTransaction
        fields = [
            "id",
            "kind",
            "value_date",
            "amount",
            "delta",
            "reverses",
            "loan",
            "receipt_number",
            "note",
            "posted_at",
            "posted_by",
        ]
        read_only_fields = fields


class SavingsStatementSerializer(serializers.Serializer):
    """A household's savings as of a date (DOMAIN.md §7)."""

    balance = serializers.IntegerField(help_text="End-of-day balance on as_of (đồng).")
    interest_credited = serializers.IntegerField(
        help_text="Interest credited through as_of, net of reversed credits (đồng)."
    )
    interest_accrued_not_credited = serializers.IntegerField(
        help_text="The open half-year's interest from its start through as_of, rounded once; "
        "0 on 30 Jun and 31 Dec once that half-year is credited (đồng)."
    )
    transactions = SavingsTransactionSerializer(many=True)


class AsOfQuery(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, validators=[business_date], help_text="YYYY-MM-DD; default today."
    )


class BorrowerSavingsView(APIView):
    """GET a household's savings (tiền gửi tiết kiệm tổ viên) as of a date."""

    @extend_schema(
        operation_id="borrowers_savings_retrieve",
        parameters=[AsOfQuery],
        responses={200: SavingsStatementSerializer},
    )
    def get(self, request, id: int):
        borrower = get_object_or_404(borrowers_for(request.user), pk=id)
        query = AsOfQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("as_of") or timezone.localdate()
        return Response(SavingsStatementSerializer(selectors.statement(borrower, on)).data)


class SavingsReversalSerializer(serializers.Serializer):
    """The reversal (hủy bút toán) of one entry of the household's savings journal."""

    transaction = IntegerField(min_value=1, help_text="The entry reversed (this household's).")
    value_date = serializers.DateField(
        validators=[business_date], help_text="YYYY-MM-DD; not before the entry, not after today."
    )
    reason = serializers.CharField(max_length=500)


class SavingsReversalResultSerializer(serializers.Serializer):
    """The reversal posted, and the account's balance after it."""

    savings_transactions = SavingsTransactionSerializer(many=True)
    balance = serializers.IntegerField()


class BorrowerSavingsReversalView(APIView):
    """POST the reversal of one of a household's savings entries: posted at once (201) by a
    user who may reverse alone, else stored for a second person (202), as issue 14 says."""

    @extend_schema(
        operation_id="borrowers_savings_reversals_create",
        request=SavingsReversalSerializer,
        responses={
            201: SavingsReversalResultSerializer,
            202: OpenApiResponse(description="Held for a second person: {approval, status}."),
            409: OpenApiResponse(description="The entry is already reversed, or a reversal."),
        },
    )
    def post(self, request, id: int):
        borrower = get_object_or_404(borrowers_for(request.user), pk=id)
        if not request.user.has_perm(reversals.PERMISSION):
            raise PermissionDenied
        data = SavingsReversalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        entry = SavingsTransaction.objects.filter(
            pk=fields["transaction"], account__borrower=borrower
        ).first()
        if entry is None:
            raise serializers.ValidationError(
                {"transaction": [_("Không tìm thấy bút toán tiền gửi của hộ này.")]}
            )
        reversal, held = reversals.reverse_or_hold(
            entry, value_date=fields["value_date"], reason=fields["reason"].strip(), by=request.user
        )
        if held is not None:  # four eyes: nothing moves until a checker approves
            return Response({"approval": held, "status": "pending"}, status.HTTP_202_ACCEPTED)
        balance = SavingsAccount.objects.values_list("balance", flat=True).get(pk=entry.account_id)
        body = {"savings_transactions": [reversal], "balance": balance}
        return Response(SavingsReversalResultSerializer(body).data, status.HTTP_201_CREATED)


class SavingsRateSerializer(ModelSerializer):
    """A savings rate (%/năm) in force from `effective_from` for every balance."""

    class Meta:
        model = SavingsRate
        fields = ["id", "rate", "effective_from", "is_example", "note"]
        read_only_fields = ["id", "is_example"]

    def validate_effective_from(self, value):
        if (refusal := after_settled(value)) is not None:
            raise serializers.ValidationError(refusal)
        return value


def after_settled(value) -> str | None:
    """Why a rate may not take effect on `value` (its half-year's interest is credited)."""
    settled = selectors.last_credited_period_end()
    if settled is not None and value <= settled:
        return _("Lãi đã được nhập đến %(d)s: lãi suất mới phải có hiệu lực sau ngày đó.") % {
            "d": f"{settled:%d/%m/%Y}"
        }
    return None


def check_rate_change(rate: SavingsRate) -> None:
    """A held change of a savings rate, checked again when it is approved (rule_changes)."""
    old = SavingsRate.objects.filter(pk=rate.pk).first() if rate.pk else None
    for day in [rate.effective_from, *([old.effective_from] if old else [])]:
        if (refusal := after_settled(day)) is not None:
            raise rule_changes.RuleChangeError(refusal, field="effective_from")


class BranchWritesRates(permissions.IsAuthenticated):
    """Everyone logged in reads the rates; branch-level staff with the permission add them."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return office_ids_for(request.user) is None and request.user.has_perm(
            "programmes.add_savingsrate"
        )


@extend_schema_view(
    create=extend_schema(
        responses={
            201: SavingsRateSerializer,
            202: OpenApiResponse(description="Held for a second person: {approval, status}."),
            403: OpenApiResponse(description="Branch-level staff only."),
        }
    )
)
class SavingsRateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The members' savings rates, effective-dated: the one with the latest `effective_from`
    on or before a day is in force that day. The shipped one is an example (`is_example`)."""

    serializer_class = SavingsRateSerializer
    permission_classes = [BranchWritesRates]
    queryset = SavingsRate.objects.order_by("effective_from")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = rule_changes.change_of(None, serializer.validated_data)
        held = rule_changes.hold(request.user, "savings-rates", change)
        if held is not None:  # four eyes: nothing changes until a second person approves
            return Response({"approval": held, "status": "pending"}, status.HTTP_202_ACCEPTED)
        self.perform_create(serializer)
        return Response(serializer.data, status=status.HTTP_201_CREATED)
