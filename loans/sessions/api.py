"""The session endpoints: open, read (with totals), close, a group's sheet, post the
collections, the disbursement list and the fee payment (names are the issue's contract).

A closed session, a second session of a point and day, a group's sheet posted twice and a
reused key are 409s; a bad line is a 400 keyed by its line (`lines[3].interest`)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from borrowers.selectors import savings_groups_for, transaction_points_for
from core.api import (
    ActionPermission,
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    business_date,
    money,
)

from ..api.views import IDEMPOTENCY_KEY, idempotency_key
from . import services
from .models import Session
from .selectors import get_session_for, sessions_for, sheet

MAX_CASH = 10_000_000_000_000  # a BigIntegerField holds far more; no point hands over more


@extend_schema_field(OpenApiTypes.INT)
class GroupField(ScopedPrimaryKeyRelatedField):
    """A savings group of the user's offices, by id."""

    def __init__(self, **kwargs):
        super().__init__(selector=savings_groups_for, **kwargs)


class SessionSerializer(ModelSerializer):
    transaction_point = ScopedPrimaryKeyRelatedField(selector=transaction_points_for)
    session_date = serializers.DateField(validators=[business_date])
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "transaction_point",
            "session_date",
            "status",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
            "totals",
        ]
        read_only_fields = ["status", "opened_by", "opened_at", "closed_by", "closed_at"]
        validators = []  # the service says "already open" as a 409

    def get_totals(self, session: Session) -> dict[str, int]:
        return services.session_totals(session)


class SheetQuerySerializer(serializers.Serializer):
    savings_group = GroupField()


class SheetLineSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    borrower = serializers.IntegerField()
    borrower_name = serializers.CharField()
    village = serializers.CharField()
    loan = serializers.IntegerField()
    contract_number = serializers.CharField()
    programme = serializers.CharField()
    outstanding_principal = serializers.IntegerField()
    interest_due = serializers.IntegerField()
    interest_arrears = serializers.IntegerField()
    principal_due = serializers.IntegerField()
    savings_balance = serializers.IntegerField()


class SheetSerializer(serializers.Serializer):
    savings_group = serializers.IntegerField()
    session_date = serializers.DateField()
    lines = SheetLineSerializer(many=True)
    totals = serializers.DictField(child=serializers.IntegerField())


def amount():
    return money(min_value=0, required=False, default=0)


class CollectionLineSerializer(serializers.Serializer):
    loan = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    interest = amount()
    principal = amount()
    principal_from_savings = amount()


class SavingsLineSerializer(serializers.Serializer):
    borrower = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    deposit = amount()
    withdrawal = amount()


class CollectionsSerializer(serializers.Serializer):
    savings_group = GroupField()
    cash_counted = serializers.IntegerField(min_value=0, max_value=MAX_CASH)
    supplement = serializers.BooleanField(required=False, default=False)
    lines = CollectionLineSerializer(many=True, required=False, default=list)
    savings = SavingsLineSerializer(many=True, required=False, default=list)


class DisbursementLineSerializer(serializers.Serializer):
    loan = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    amount = money()


class DisbursementsSerializer(serializers.Serializer):
    lines = DisbursementLineSerializer(many=True, allow_empty=False)


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    loan = serializers.IntegerField(source="loan_id")
    kind = serializers.CharField()
    value_date = serializers.DateField()
    amount = serializers.IntegerField()
    receipt_number = serializers.CharField()


class SavingsEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    borrower = serializers.IntegerField(source="account.borrower_id", default=None)
    kind = serializers.CharField()
    value_date = serializers.DateField()
    amount = serializers.IntegerField()


class PostedSheetSerializer(serializers.Serializer):
    sheet = serializers.IntegerField()
    transactions = EntrySerializer(many=True)
    savings_transactions = SavingsEntrySerializer(many=True)
    receipts = serializers.ListField(child=serializers.DictField())
    totals = serializers.DictField(child=serializers.IntegerField())


class PostedDisbursementsSerializer(serializers.Serializer):
    disbursement_list = serializers.IntegerField()
    transactions = EntrySerializer(many=True)


class FeePaymentSerializer(serializers.Serializer):
    month = serializers.DateField(source="reconciliation.month", allow_null=True)
    leader_commission = serializers.IntegerField()
    association_fee = serializers.IntegerField()
    paid = serializers.BooleanField()


CONFLICT = OpenApiResponse(
    description="The session is closed, the group's sheet is already posted (send "
    "`supplement: true` for a late member), or the key was used for another request."
)


def flat_errors(errors) -> dict:
    """DRF's nested list errors as flat keys: {"lines": [{}, {"interest": [..]}]} ->
    {"lines[1].interest": [..]}, as the sheet's own line errors are keyed."""
    flat: dict = {}
    for name, value in errors.items():
        items = None
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = enumerate(value)
        elif isinstance(value, dict) and all(str(k).isdigit() for k in value):
            items = value.items()
        elif isinstance(value, dict):  # a list's own error: {"non_field_errors": [...]}
            flat[name] = [message for messages in value.values() for message in messages]
            continue
        if items is None:
            flat[name] = value
            continue
        for index, item in items:
            for field, messages in item.items():
                flat[f"{name}[{index}].{field}"] = messages
    return flat


def valid(serializer_class, data, context) -> dict:
    serializer = serializer_class(data=data, context=context)
    if not serializer.is_valid():
        raise serializers.ValidationError(flat_errors(serializer.errors))
    return serializer.validated_data


class SessionViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Sessions (phiên giao dịch xã) of the user's offices' transaction points."""

    serializer_class = SessionSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": "point_sessions.add_session",
        "close": "point_sessions.change_session",
        "collections": "point_sessions.add_collectionsheet",
        "disbursements": "point_sessions.add_disbursementlist",
    }

    def get_queryset(self):
        return sessions_for(self.request.user).order_by("-session_date", "id")

    def get_object(self) -> Session:
        return get_session_for(self.request.user, self.kwargs["pk"])

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.open_session(
            data["transaction_point"], data["session_date"], by=self.request.user
        )

    @extend_schema(request=None, responses={200: SessionSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the session at the end of the day: 200 with its totals."""
        session = services.close_session(self.get_object(), by=request.user)
        return Response(SessionSerializer(session, context=self.get_serializer_context()).data)

    @extend_schema(parameters=[SheetQuerySerializer], responses={200: SheetSerializer})
    @action(detail=True, methods=["get"], pagination_class=None)
    def sheet(self, request, pk=None):
        """A group's 13/TD pre-filled as of the session date."""
        session = self.get_object()
        query = valid(SheetQuerySerializer, request.query_params, self.get_serializer_context())
        group = query["savings_group"]
        if group.transaction_point_id != session.transaction_point_id:
            raise serializers.ValidationError(
                {"savings_group": [_("Tổ không thuộc điểm giao dịch của phiên.")]}
            )
        return Response(SheetSerializer(sheet(session, group)).data)

    @extend_schema(
        request=CollectionsSerializer,
        responses={201: PostedSheetSerializer, 409: CONFLICT},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def collections(self, request, pk=None):
        """Post a group's filled 13/TD: all or nothing, the cash counted checked."""
        session = self.get_object()
        data = valid(CollectionsSerializer, request.data, self.get_serializer_context())
        if data["savings_group"].transaction_point_id != session.transaction_point_id:
            raise serializers.ValidationError(
                {"savings_group": [_("Tổ không thuộc điểm giao dịch của phiên.")]}
            )
        key = idempotency_key(request)
        try:
            with transaction.atomic():
                posted = services.post_sheet(session, data, by=request.user, key=key)
                if posted.replay is not None:
                    return Response(posted.replay, status=status.HTTP_201_CREATED)
                body = sheet_body(posted)
                posted.sheet.response_body = body
                posted.sheet.save(update_fields=["response_body"])
        except services.SheetRejected as exc:
            raise serializers.ValidationError(exc.errors) from exc
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DisbursementsSerializer,
        responses={201: PostedDisbursementsSerializer, 409: CONFLICT},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def disbursements(self, request, pk=None):
        """Disburse the session's list, value-dated on the session date: all or nothing."""
        session = self.get_object()
        data = valid(DisbursementsSerializer, request.data, self.get_serializer_context())
        key = idempotency_key(request)
        try:
            with transaction.atomic():
                listing, entries, replay = services.post_disbursements(
                    session, data["lines"], by=request.user, key=key
                )
                if replay is not None:
                    return Response(replay, status=status.HTTP_201_CREATED)
                body = PostedDisbursementsSerializer(
                    {"disbursement_list": listing.pk, "transactions": entries}
                ).data
                listing.response_body = body
                listing.save(update_fields=["response_body"])
        except services.SheetRejected as exc:
            raise serializers.ValidationError(exc.errors) from exc
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: FeePaymentSerializer, 201: FeePaymentSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["get", "post"])
    def fees(self, request, pk=None):
        """The last reconciled month's leader commissions and commune association fees of the
        point's groups; POST records, once, that the session paid them."""
        session = self.get_object()
        if request.method == "POST":
            if not request.user.has_perm("point_sessions.add_sessionfeepayment"):
                raise PermissionDenied
            payment = services.record_fee_payment(session, by=request.user)
            body = {
                **FeePaymentSerializer(
                    {**payment.__dict__, "paid": True, "reconciliation": payment.reconciliation}
                ).data
            }
            return Response(body, status=status.HTTP_201_CREATED)
        due = services.fees_due(session)
        paid = hasattr(session, "fee_payment")
        return Response(FeePaymentSerializer({**due, "paid": paid}).data)


def sheet_body(posted) -> dict:
    receipts = [
        {
            "number": r.number,
            "borrower": r.borrower_id,
            "interest": r.interest,
            "savings_deposit": r.savings_deposit,
            "savings_withdrawal": r.savings_withdrawal,
        }
        for r in posted.sheet.receipts.order_by("number")
    ]
    return PostedSheetSerializer(
        {
            "sheet": posted.sheet.pk,
            "transactions": posted.transactions,
            "savings_transactions": posted.savings_transactions,
            "receipts": receipts,
            "totals": posted.sheet.totals,
        }
    ).data
