"""The loans endpoints: approve, read, operate (disburse, repay, reverse, write off, freeze,
extend, adjust: loans/api/operations.py) and positions.

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
from .operations import OPERATIONS, Operation
from .serializers import (
    LoanCreateSerializer,
    LoanDetailSerializer,
    LoanSerializer,
    LoanWithScheduleSerializer,
    PositionQuerySerializer,
    PositionSerializer,
    PostingResultSerializer,
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
    202: OpenApiResponse(
        description='The operation waits for a second person: `{"approval": id, '
        '"status": "pending"}` (see /api/v1/approvals/).'
    ),
    400: OpenApiResponse(description="Invalid input: messages per field."),
    404: OpenApiResponse(description="No such loan in the user's offices."),
    409: OpenApiResponse(
        description="The loan's state forbids the operation (not disbursed, frozen, closed, "
        "written off, entry already reversed), or the key was used for another request."
    ),
}


SERIALIZERS = {
    "retrieve": LoanDetailSerializer,
    "create": LoanCreateSerializer,
    "position": PositionSerializer,
    **{name.replace("-", "_"): op.input for name, op in OPERATIONS.items()},
}


def operation_action(name: str):
    """The POST /loans/{id}/<name>/ action of one operation of the table."""
    op = OPERATIONS[name]

    def view(self, request, pk=None):
        return self.run_operation(name)

    view.__name__ = name.replace("-", "_")
    view.__doc__ = op.input.__doc__
    responses = {**POSTING_RESPONSES, 201: op.output}
    parameters = [IDEMPOTENCY_KEY] if op.journal else []
    view = action(detail=True, methods=["post"], url_path=name, url_name=name)(view)
    return extend_schema(request=op.input, responses=responses, parameters=parameters)(view)


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
        **{name.replace("-", "_"): "loans.add_loantransaction" for name in OPERATIONS},
    }
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

    # --- postings and the other loan operations (loans/api/operations.py) ------------------

    disbursements = operation_action("disbursements")
    repayments = operation_action("repayments")
    reversals = operation_action("reversals")
    write_offs = operation_action("write-offs")
    freezes = operation_action("freezes")
    unfreezes = operation_action("unfreezes")
    extensions = operation_action("extensions")
    schedule_adjustments = operation_action("schedule-adjustments")

    @property
    def loan_error_fields(self) -> dict[str, str]:
        # Service field names that differ from the request's.
        op = OPERATIONS.get(getattr(self, "operation_name", ""))
        return op.error_fields if op else {"frequency": "principal_frequency_months"}

    def run_operation(self, name: str) -> Response:
        self.operation_name = name
        op = OPERATIONS[name]
        loan = self.get_object()
        serializer = op.input_for(loan, self.request.data)
        serializer.is_valid(raise_exception=True)
        key = idempotency_key(self.request)
        pending = self.gate(op, loan, serializer.validated_data, key=key)
        if pending is not None:
            return pending
        # The response is stored in the posting's transaction: a concurrent replay waits on the
        # loan's row lock and then finds the stored response, never half of it.
        with transaction.atomic():
            result = op.perform(loan, serializer.validated_data, key=key, by=self.request.user)
            return operation_response(op, loan, result, key=key)

    def gate(self, op: Operation, loan: Loan, data: dict, *, key: str | None) -> Response | None:
        """A response instead of the operation (the four-eyes approvals' 202), or None to go on."""
        return None

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


def idempotency_key(request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not IDEMPOTENCY_KEY_RE.match(key):
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [_("Khóa chống trùng gồm 1–100 ký tự ASCII nhìn thấy được.")]}
        )
    return key


def operation_response(op: Operation, loan: Loan, result, *, key: str | None) -> Response:
    """201 with what the operation made and the balances; a replay gets the first response."""
    record = PostingRequest.objects.filter(key=key).first() if key and op.journal else None
    if record is not None and record.response_body is not None:
        return Response(record.response_body, status=record.response_status)
    body = op.body(loan, result)
    if record is not None:
        record.response_status = status.HTTP_201_CREATED
        record.response_body = body
        record.save(update_fields=["response_status", "response_body"])
    return Response(body, status=status.HTTP_201_CREATED)
