"""The loans endpoints: approve, read, post (disburse, repay, reverse) and positions.

Each write is: input serializer validates -> service -> output serializer renders. Loans are
never updated or deleted here; only the postings move money, through `loans.services`.
"""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ActionPermission, query_data

from .. import services
from ..models import Loan, LoanStatus, PostingRequest
from ..selectors import get_loan_for, loans_for
from .serializers import (
    DisbursementSerializer,
    LoanCreateSerializer,
    LoanDetailSerializer,
    LoanSerializer,
    LoanWithScheduleSerializer,
    PositionQuerySerializer,
    PositionSerializer,
    PostingResultSerializer,
    RepaymentSerializer,
    ReversalSerializer,
    render_position,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_RE = re.compile(r"^[!-~]{1,100}$")
IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    type={"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[!-~]{1,100}$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description="Makes the posting safe to retry: a replay with the same key and body returns "
    "the first response (same status and body) and posts nothing; the same key with another "
    "body is a 409. Visible ASCII, at most 100 characters (a UUID is a good key).",
)
POSTING_RESPONSES = {
    201: PostingResultSerializer,
    400: OpenApiResponse(description="Invalid input: messages per field."),
    404: OpenApiResponse(description="No such loan in the user's offices."),
    409: OpenApiResponse(
        description="The loan's state forbids the posting (not disbursed, frozen, closed, "
        "written off, entry already reversed), or the key was used for another request."
    ),
}


SERIALIZERS = {
    "retrieve": LoanDetailSerializer,
    "create": LoanCreateSerializer,
    "disbursements": DisbursementSerializer,
    "repayments": RepaymentSerializer,
    "reversals": ReversalSerializer,
    "position": PositionSerializer,
}


class LoanFilter(filters.FilterSet):
    programme = filters.CharFilter(field_name="programme__code", help_text="Programme code.")
    status = filters.ChoiceFilter(choices=LoanStatus.choices)

    class Meta:
        model = Loan
        fields = [
            "status",
            "programme",
            "office",
            "transaction_point",
            "savings_group",
            "borrower",
            "contract_number",
        ]


@extend_schema_view(
    create=extend_schema(
        request=LoanCreateSerializer,
        responses={
            201: LoanWithScheduleSerializer,
            400: OpenApiResponse(description="Invalid input or an eligibility rule broken."),
        },
    ),
    retrieve=extend_schema(responses={200: LoanDetailSerializer}),
)
class LoanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Loans of the user's offices; money moves only through the posting actions."""

    serializer_class = LoanSerializer
    filterset_class = LoanFilter
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": "loans.add_loan",
        "disbursements": "loans.add_loantransaction",
        "repayments": "loans.add_loantransaction",
        "reversals": "loans.add_loantransaction",
    }
    # Service field names that differ from the API's.
    loan_error_fields = {"frequency": "principal_frequency_months", "on": "value_date"}
    queryset = Loan.objects.none()

    def get_queryset(self):
        return loans_for(self.request.user).select_related("purpose").order_by("-id")

    def get_serializer_class(self):
        # Inputs for the writes, so the browsable API offers the right form.
        return SERIALIZERS.get(self.action, LoanSerializer)

    def get_object(self) -> Loan:
        return get_loan_for(self.request.user, self.kwargs["pk"])

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        loan = services.create_loan(by=request.user, **serializer.validated_data)
        body = LoanWithScheduleSerializer(loan, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    # --- postings ----------------------------------------------------------------------------

    @extend_schema(
        request=DisbursementSerializer, responses=POSTING_RESPONSES, parameters=[IDEMPOTENCY_KEY]
    )
    @action(detail=True, methods=["post"])
    def disbursements(self, request, pk=None):
        """Disburse a tranche (giải ngân); the first one fixes the rate and the schedule."""
        return self._post(DisbursementSerializer, _disburse)

    @extend_schema(
        request=RepaymentSerializer, responses=POSTING_RESPONSES, parameters=[IDEMPOTENCY_KEY]
    )
    @action(detail=True, methods=["post"])
    def repayments(self, request, pk=None):
        """Record a repayment (thu nợ): principal and interest, or a total to allocate."""
        return self._post(RepaymentSerializer, _repay)

    @extend_schema(
        request=ReversalSerializer, responses=POSTING_RESPONSES, parameters=[IDEMPOTENCY_KEY]
    )
    @action(detail=True, methods=["post"])
    def reversals(self, request, pk=None):
        """Reverse a mistaken entry (hủy bút toán) with a reason; at most once per entry."""
        return self._post(ReversalSerializer, _reverse)

    def _post(self, input_class, perform) -> Response:
        loan = self.get_object()
        extra = {"loan": loan} if input_class is ReversalSerializer else {}
        serializer = input_class(data=self.request.data, **extra)
        serializer.is_valid(raise_exception=True)
        key = idempotency_key(self.request)
        # The response is stored in the posting's transaction: a concurrent replay waits on the
        # loan's row lock and then finds the stored response, never half of it.
        with transaction.atomic():
            result = perform(loan, serializer.validated_data, key=key, by=self.request.user)
            return posting_response(loan, result, key=key)

    # --- positions ---------------------------------------------------------------------------

    @extend_schema(
        parameters=[PositionQuerySerializer],
        responses={
            200: PositionSerializer,
            400: OpenApiResponse(description="as_of is not a date from 2000-01-01 to today."),
        },
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def position(self, request, pk=None):
        """The loan's position at the end of `as_of` (DOMAIN.md §4), as the nightly job computes."""
        loan = self.get_object()
        query = PositionQuerySerializer(data=query_data(request))
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        return Response(render_position(loan, as_of=as_of))


# --- the postings, from validated input to the service -----------------------------------------


def _disburse(loan: Loan, data: dict, *, key, by):
    return services.disburse(
        loan,
        amount=data["amount"],
        on=data["value_date"],
        receipt_number=data["receipt_number"],
        key=key,
        by=by,
    )


def _repay(loan: Loan, data: dict, *, key, by):
    return services.record_repayment(
        loan,
        on=data["value_date"],
        principal=data.get("principal"),
        interest=data.get("interest"),
        amount=data.get("amount"),
        receipt_number=data["receipt_number"],
        key=key,
        by=by,
    )


def _reverse(loan: Loan, data: dict, *, key, by):
    return services.reverse(data["transaction"], reason=data["reason"].strip(), key=key, by=by)


def idempotency_key(request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not IDEMPOTENCY_KEY_RE.match(key):
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [_("Khóa chống trùng gồm 1–100 ký tự ASCII nhìn thấy được.")]}
        )
    return key


def posting_response(loan: Loan, result, *, key: str | None) -> Response:
    """201 with the new entries and balances; a replay gets the first response verbatim."""
    record = PostingRequest.objects.filter(key=key).first() if key else None
    if record is not None and record.response_body is not None:
        return Response(record.response_body, status=record.response_status)
    entries = result if isinstance(result, list) else [result]
    loan.refresh_from_db()
    body = PostingResultSerializer({"transactions": entries, "loan": loan}).data
    if record is not None:
        record.response_status = status.HTTP_201_CREATED
        record.response_body = body
        record.save(update_fields=["response_status", "response_body"])
    return Response(body, status=status.HTTP_201_CREATED)
