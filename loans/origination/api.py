"""The applications endpoints: submit (01/TD), read, and the steps: the group's vote (10/TD),
the commune's certification (03/TD), the director's decision (04/TD) and the withdrawal.

Each write is: input serializer validates -> service -> output serializer renders. A step out
of order is a 409 with the reason (the services' "application_state"); another office's
application does not exist (404).

Names: POST /api/v1/loans/ calls the loan line `purpose`; an application's `purpose` is what the
money is for (mục đích sử dụng vốn vay, free text) and its loan line is `loan_line`. An
application has no `approved_on`: the decision sets the loan's approval date (`decided_on`).
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from borrowers.models import Borrower
from borrowers.selectors import borrowers_for
from core.api import (
    ActionPermission,
    CodeRelatedField,
    IntegerField,
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    TextField,
    business_date,
    money,
)
from loans.models import Loan
from programmes.models import LoanPurpose, Programme

from . import services
from .models import ApplicationStatus, LoanApplication
from .selectors import applications_for, get_application_for

MAX_TERM_MONTHS = 600  # Loan.term_months' own bound
MAX_COUNT = 32767  # a PositiveSmallIntegerField; the group's size is the service's rule
FREQUENCY_CHOICES = [(months, str(label)) for months, label in Loan.FREQUENCY_CHOICES]
DECISIONS = ["approve", "reject"]

# --- outputs ---------------------------------------------------------------------------------


class VoteSerializer(serializers.Serializer):
    """The group's vote (biên bản họp tổ 10/TD)."""

    meeting_date = serializers.DateField()
    members_present = serializers.IntegerField()
    votes_for = serializers.IntegerField()
    recorded_by = serializers.IntegerField(source="vote_recorded_by_id", allow_null=True)
    recorded_at = serializers.DateTimeField(source="vote_recorded_at")


class CertificationSerializer(serializers.Serializer):
    """The commune's certification of the group's list (03/TD)."""

    certified_on = serializers.DateField()
    reference = serializers.CharField(source="certification_ref")
    recorded_by = serializers.IntegerField(source="certification_recorded_by_id", allow_null=True)
    recorded_at = serializers.DateTimeField(source="certification_recorded_at")


class DecisionSerializer(serializers.Serializer):
    """The director's decision (04/TD): the loan it created, or the reason for refusing."""

    decision = serializers.SerializerMethodField()
    decided_on = serializers.DateField()
    reason = serializers.CharField(source="decision_reason", help_text="Empty on approval.")
    loan = serializers.IntegerField(source="loan_id", allow_null=True)
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=DECISIONS))
    def get_decision(self, application: LoanApplication) -> str:
        approved = application.status == ApplicationStatus.APPROVED
        return DECISIONS[0] if approved else DECISIONS[1]


class WithdrawalSerializer(serializers.Serializer):
    """The officer's withdrawal of the application, before the decision."""

    reason = serializers.CharField(source="withdrawal_reason")
    withdrawn_by = serializers.IntegerField(source="withdrawn_by_id", allow_null=True)
    withdrawn_at = serializers.DateTimeField()


class ApplicationSerializer(ModelSerializer):
    """An application with its status and steps; every field is server-owned once submitted."""

    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    loan_line = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    purpose = serializers.CharField(read_only=True, help_text="What the money is for (01/TD).")
    vote = serializers.SerializerMethodField()
    certification = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    withdrawal = serializers.SerializerMethodField()

    class Meta:
        model = LoanApplication
        fields = [
            "id",
            "status",
            "borrower",
            "programme",
            "loan_line",
            "savings_group",
            "transaction_point",
            "office",
            "amount",
            "term_months",
            "grace_months",
            "principal_frequency_months",
            "due_day",
            "approved_list_ref",
            "approved_list_date",
            "purpose",
            "applied_on",
            "submitted_by",
            "submitted_at",
            "vote",
            "certification",
            "decision",
            "withdrawal",
            "loan",
        ]
        read_only_fields = fields

    @extend_schema_field(VoteSerializer(allow_null=True))
    def get_vote(self, application: LoanApplication) -> dict | None:
        return VoteSerializer(application).data if application.meeting_date else None

    @extend_schema_field(CertificationSerializer(allow_null=True))
    def get_certification(self, application: LoanApplication) -> dict | None:
        if application.certified_on is None:
            return None
        return CertificationSerializer(application).data

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, application: LoanApplication) -> dict | None:
        if application.decided_on is None:
            return None
        return DecisionSerializer(application).data

    @extend_schema_field(WithdrawalSerializer(allow_null=True))
    def get_withdrawal(self, application: LoanApplication) -> dict | None:
        if application.withdrawn_at is None:
            return None
        return WithdrawalSerializer(application).data


# --- inputs ----------------------------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    """An application 01/TD: the fields of POST /api/v1/loans/ (its `purpose`, the loan line, is
    `loan_line` here) but `approved_on`, plus `purpose` (what the money is for) and
    `applied_on`. Caps, eligibility and the Decree 28 list are checked by the service."""

    borrower = ScopedPrimaryKeyRelatedField(
        selector=borrowers_for,
        queryset=Borrower.objects.none(),
        help_text="The household, in the user's offices.",
    )
    programme = CodeRelatedField(
        slug_field="code", queryset=Programme.objects.all(), help_text="Programme code."
    )
    loan_line = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="Loan line code (dòng vay) of the programme; `purpose` in POST /api/v1/loans/.",
    )
    amount = money(help_text="Amount asked for, in đồng, at most the programme's cap.")
    term_months = IntegerField(min_value=1, max_value=MAX_TERM_MONTHS)
    grace_months = IntegerField(
        min_value=0,
        max_value=MAX_TERM_MONTHS - 1,
        required=False,
        help_text="Months without principal; the programme's default if left out.",
    )
    principal_frequency_months = serializers.ChoiceField(
        choices=FREQUENCY_CHOICES, required=False, default=6
    )
    due_day = IntegerField(
        min_value=1,
        max_value=31,
        required=False,
        help_text="Day of the month payments fall due; the point's session day if left out.",
    )
    approved_list_ref = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Decision approving the list of eligible households (Decree 28).",
    )
    approved_list_date = serializers.DateField(
        required=False, allow_null=True, validators=[business_date]
    )
    purpose = serializers.CharField(
        max_length=1000,
        help_text="What the money is for (mục đích sử dụng vốn vay, 01/TD), free text; not the "
        "loan line, which is `loan_line`.",
    )
    applied_on = serializers.DateField(
        validators=[business_date],
        help_text="Day of the application (YYYY-MM-DD); not after today.",
    )

    def validate(self, data: dict) -> dict:
        code = data.pop("loan_line", "")
        if code:
            line = LoanPurpose.objects.filter(programme=data["programme"], code=code).first()
            if line is None:
                raise serializers.ValidationError(
                    {"loan_line": _("Dòng vay không thuộc chương trình đã chọn.")}
                )
            data["loan_line"] = line
        return data


class VoteInputSerializer(serializers.Serializer):
    """The group's vote: more than half of those present for it, at most the group's members."""

    meeting_date = serializers.DateField(validators=[business_date])
    members_present = IntegerField(min_value=1, max_value=MAX_COUNT)
    votes_for = IntegerField(min_value=0, max_value=MAX_COUNT)


class CertifyInputSerializer(serializers.Serializer):
    """The commune's certification of the group's list 03/TD: its date and reference."""

    certified_on = serializers.DateField(validators=[business_date])
    reference = serializers.CharField(max_length=100)


class DecideInputSerializer(serializers.Serializer):
    """The director's decision; a rejection gives its reason."""

    decision = serializers.ChoiceField(choices=DECISIONS)
    reason = TextField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to reject.",
    )
    decided_on = serializers.DateField(
        required=False,
        validators=[business_date],
        help_text="Day of the decision, the loan's approval date; today if left out.",
    )


class WithdrawInputSerializer(serializers.Serializer):
    reason = TextField(max_length=1000)


# --- the views -------------------------------------------------------------------------------


class ApplicationFilter(filters.FilterSet):
    programme = filters.CharFilter(field_name="programme__code", help_text="Programme code.")
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices)

    class Meta:
        model = LoanApplication
        fields = ["status", "office", "transaction_point", "savings_group", "programme", "borrower"]


def step_responses(*ok: int) -> dict:
    return {
        **{code: ApplicationSerializer for code in ok or (200,)},
        400: OpenApiResponse(description="Invalid input: messages per field."),
        404: OpenApiResponse(description="No such application in the user's offices."),
        409: OpenApiResponse(description="The step is out of order, or no longer holds."),
    }


SERIALIZERS = {
    "create": ApplicationCreateSerializer,
    "vote": VoteInputSerializer,
    "certify": CertifyInputSerializer,
    "decide": DecideInputSerializer,
    "withdraw": WithdrawInputSerializer,
}


@extend_schema_view(
    create=extend_schema(
        request=ApplicationCreateSerializer,
        responses={
            201: ApplicationSerializer,
            400: OpenApiResponse(description="Invalid input or an eligibility rule broken."),
        },
    ),
)
class LoanApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Applications (đề nghị vay vốn) of the user's offices, moved on only by their steps."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": "origination.add_loanapplication",
        "vote": "origination.change_loanapplication",
        "certify": "origination.change_loanapplication",
        "withdraw": "origination.change_loanapplication",
        "decide": services.DECIDE_PERMISSION,
    }
    queryset = LoanApplication.objects.none()

    def get_queryset(self):
        return applications_for(self.request.user).order_by("-id")

    def get_serializer_class(self):
        return SERIALIZERS.get(self.action, ApplicationSerializer)

    def get_object(self) -> LoanApplication:
        return get_application_for(self.request.user, self.kwargs["pk"])

    def create(self, request):
        data = self._input()
        application = services.submit_application(by=request.user, **data)
        return self._answer(application, status.HTTP_201_CREATED)

    @extend_schema(request=VoteInputSerializer, responses=step_responses())
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """Record the group's vote (10/TD) on the application."""
        application = services.record_vote(self.get_object(), by=request.user, **self._input())
        return self._answer(application)

    @extend_schema(request=CertifyInputSerializer, responses=step_responses())
    @action(detail=True, methods=["post"])
    def certify(self, request, pk=None):
        """Record the commune's certification of the group's list 03/TD naming the household."""
        application = services.certify(self.get_object(), by=request.user, **self._input())
        return self._answer(application)

    @extend_schema(
        request=DecideInputSerializer,
        responses=step_responses(201, 200),
        description="Approve (201: the loan is created, its id in `loan`) or reject (200).",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """The office director's decision (04/TD): approve, creating the loan, or reject."""
        application = self.get_object()
        data = self._input()
        if data["decision"] == "approve":
            approved = services.approve_application(
                application, by=request.user, decided_on=data.get("decided_on")
            )
            return self._answer(approved, status.HTTP_201_CREATED)
        rejected = services.reject_application(
            application, reason=data["reason"], by=request.user, decided_on=data.get("decided_on")
        )
        return self._answer(rejected)

    @extend_schema(request=WithdrawInputSerializer, responses=step_responses())
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the application before the decision, with the reason."""
        application = services.withdraw_application(
            self.get_object(), by=request.user, **self._input()
        )
        return self._answer(application)

    def _input(self) -> dict:
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, application: LoanApplication, code: int = status.HTTP_200_OK) -> Response:
        return Response(ApplicationSerializer(application).data, status=code)
