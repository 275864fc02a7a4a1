"""The four-eyes API: the loan operations answer 202 when a second person must approve, and
/api/v1/approvals/ lists, approves and rejects the requests."""

from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ActionPermission, ModelSerializer
from loans.api import LoanViewSet as BaseLoanViewSet
from loans.api.views import IDEMPOTENCY_KEY, idempotency_key

from . import services
from .models import ApprovalRequest
from .roles import DECIDE
from .selectors import approvals_for, get_approval_for


class ApprovalSerializer(ModelSerializer):
    """A request (yêu cầu duyệt): the operation, its parameters, who asked, who decided, why."""

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "operation",
            "loan",
            "parameters",
            "office",
            "status",
            "maker",
            "created_at",
            "checker",
            "decided_at",
            "reason",
            "outcome",
        ]
        read_only_fields = fields


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


PENDING = inline_serializer(
    "ApprovalPending",
    {"approval": serializers.IntegerField(), "status": serializers.CharField()},
)


class LoanViewSet(BaseLoanViewSet):
    """The loans API, with the four-eyes gate on its operations."""

    def gate(self, op, loan, data, *, key):
        user = self.request.user
        if not services.needs_approval(user, operation=op.name, data=data):
            return None
        with transaction.atomic():
            request = services.request_approval(
                loan, operation=op.name, parameters=services.plain(data), by=user
            )
        body = {"approval": request.pk, "status": request.status}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ApprovalFilter(filters.FilterSet):
    class Meta:
        model = ApprovalRequest
        fields = ["status", "operation", "loan", "office"]


DECISION_RESPONSES = {
    200: OpenApiResponse(description="The operation's own response, with status approved."),
    403: OpenApiResponse(description="The maker, or not a checker of this office."),
    409: OpenApiResponse(description="Already decided, or a rule no longer holds (reason)."),
}


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Four-eyes requests of the user's offices: the checkers' queue and the makers' answers."""

    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilter
    permission_classes = [ActionPermission]
    action_permissions = {"approve": DECIDE, "reject": DECIDE}
    queryset = ApprovalRequest.objects.none()
    loan_error_fields: dict[str, str] = {}

    def get_queryset(self):
        return approvals_for(self.request.user).order_by("-id")

    def get_object(self) -> ApprovalRequest:
        return get_approval_for(self.request.user, self.kwargs["pk"])

    @extend_schema(request=None, responses=DECISION_RESPONSES, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve: the operation runs now, every rule checked again."""
        decision = services.approve(
            self.get_object(), by=request.user, key=idempotency_key(request)
        )
        body = {**(decision.body or {}), "approval": decision.request.pk, "status": "approved"}
        return Response(body)

    @extend_schema(
        request=RejectSerializer, responses={200: ApprovalSerializer, **DECISION_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject with a reason; nothing moves."""
        approval = self.get_object()  # another office's request: 404 before the input
        services.check_checker(approval, request.user)  # the maker: 403 before the input
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rejected = services.reject(approval, by=request.user, **data.validated_data)
        return Response(ApprovalSerializer(rejected).data)
