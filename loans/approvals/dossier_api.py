"""POST /api/v1/risk-dossiers/: open a risk dossier (cause, loss, treatment, decision) whose
treatment waits for a second person, as every four-eyes operation; GET lists them."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from borrowers.selectors import scope
from core.api import ActionPermission, IntegerField, ModelSerializer
from loans.selectors import get_loan_for

from . import dossiers
from .models import RiskDossier


class RiskDossierSerializer(ModelSerializer):
    """A risk dossier and the state of its four-eyes request."""

    status = serializers.CharField(source="approval.status", read_only=True)

    class Meta:
        model = RiskDossier
        fields = [
            "id",
            "loan",
            "cause",
            "loss_percent",
            "treatment",
            "decision_ref",
            "approval",
            "status",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class OpenDossierSerializer(serializers.Serializer):
    loan = IntegerField(min_value=1)
    cause = serializers.ChoiceField(choices=RiskDossier.Cause.choices)
    loss_percent = IntegerField(min_value=0, max_value=100)
    treatment = serializers.ChoiceField(choices=RiskDossier.Treatment.choices)
    decision_ref = serializers.CharField(max_length=100)
    parameters = serializers.DictField(
        help_text="The treatment's own body, as at POST /loans/{id}/<treatment>/ (extensions: "
        "due_date, new_due_date, on, reason; freezes: start, end, decision_ref; write-offs: "
        "value_date, reason, part: all | interest | principal)."
    )


OPENED = inline_serializer(
    "RiskDossierOpened",
    {
        "dossier": serializers.IntegerField(),
        "approval": serializers.IntegerField(),
        "status": serializers.CharField(),
    },
)


class RiskDossierViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Risk dossiers (hồ sơ xử lý nợ bị rủi ro) of the user's offices, their requests' state;
    each request is at /approvals/{id}/."""

    serializer_class = RiskDossierSerializer
    permission_classes = [ActionPermission]
    action_permissions = {"create": "loans.add_loantransaction"}
    queryset = RiskDossier.objects.none()

    def get_queryset(self):
        dossiers_ = RiskDossier.objects.select_related("approval").order_by("-id")
        return scope(dossiers_, self.request.user, office_field="loan__office")

    @extend_schema(
        request=OpenDossierSerializer,
        responses={202: OPENED, 400: OpenApiResponse(description="A rule of the dossier.")},
    )
    def create(self, request):
        """Open the dossier; its treatment runs when a second person approves the request."""
        data = OpenDossierSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            loan = get_loan_for(request.user, fields.pop("loan"))
        except Http404 as exc:
            raise serializers.ValidationError({"loan": [_("Không tìm thấy khoản vay.")]}) from exc
        body, errors = dossiers.treatment_body(loan, fields["treatment"], fields.pop("parameters"))
        if errors:  # flat keys, as the documented error body has them: parameters.start
            raise serializers.ValidationError(
                {f"parameters.{name}": _messages(value) for name, value in errors.items()}
            )
        with transaction.atomic():
            dossier = dossiers.open_dossier(loan, **fields, parameters=body, by=request.user)
        answer = {"dossier": dossier.pk, "approval": dossier.approval_id, "status": "pending"}
        return Response(answer, status=status.HTTP_202_ACCEPTED)


def _messages(value) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]
