"""API of the branch's organisation (offices, points, associations, groups) and households.

Every queryset comes from `borrowers.selectors`, so a user sees only their offices and another
office's object is a 404; a related id the user may not see is a 400 on that field.
"""

from datetime import date

from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets

from core.api import (
    ActionPermission,
    IntegerField,
    IntegerFilter,
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
)
from core.errors import DomainError, validated

from . import selectors, services
from .models import (
    ETHNICITY_CHOICES,
    AdministrativeUnit,
    Association,
    Borrower,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)

# --- organisation (read-only reference data) -------------------------------------------------


class OfficeSerializer(ModelSerializer):
    """A transaction office (Phòng giao dịch, PGD)."""

    class Meta:
        model = TransactionOffice
        fields = ["id", "code", "name", "branch", "former_district"]


class TransactionPointSerializer(ModelSerializer):
    """A commune transaction point (Điểm giao dịch xã) and its monthly session day."""

    class Meta:
        model = TransactionPoint
        fields = ["id", "code", "name", "office", "commune", "session_day"]


class AssociationSerializer(ModelSerializer):
    """An entrusting association (hội đoàn thể nhận ủy thác) at one level."""

    class Meta:
        model = Association
        fields = ["id", "kind", "level", "name", "parent", "office", "transaction_point"]


class SavingsGroupSerializer(ModelSerializer):
    """A savings-and-loan group (Tổ TK&VV) of one village."""

    office = serializers.IntegerField(
        source="transaction_point.office_id", read_only=True, help_text="Transaction office id."
    )

    class Meta:
        model = SavingsGroup
        fields = [
            "id",
            "code",
            "name",
            "association",
            "transaction_point",
            "office",
            "village",
            "leader",
            "leader_phone",
            "is_active",
        ]


class OfficeFilter(filters.FilterSet):
    class Meta:
        model = TransactionOffice
        fields = ["code", "branch"]


class TransactionPointFilter(filters.FilterSet):
    session_day = IntegerFilter(min_value=1, max_value=31)

    class Meta:
        model = TransactionPoint
        fields = ["office", "commune", "code", "session_day"]


class AssociationFilter(filters.FilterSet):
    class Meta:
        model = Association
        fields = ["kind", "level", "office", "transaction_point", "parent"]


class SavingsGroupFilter(filters.FilterSet):
    office = filters.ModelChoiceFilter(
        field_name="transaction_point__office", queryset=TransactionOffice.objects.all()
    )
    village = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = SavingsGroup
        fields = ["office", "association", "transaction_point", "village", "code", "is_active"]


class OfficeViewSet(viewsets.ReadOnlyModelViewSet):
    """The transaction offices the user may see (all of them at branch level)."""

    serializer_class = OfficeSerializer
    filterset_class = OfficeFilter
    queryset = TransactionOffice.objects.none()  # for the schema; requests use the selector

    def get_queryset(self):
        return selectors.offices_for(self.request.user).order_by("code")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "session_day", {"type": "integer", "minimum": 1, "maximum": 31}, required=False
            )
        ]
    )
)
class TransactionPointViewSet(viewsets.ReadOnlyModelViewSet):
    """The commune transaction points of the user's offices."""

    serializer_class = TransactionPointSerializer
    filterset_class = TransactionPointFilter
    queryset = TransactionPoint.objects.none()

    def get_queryset(self):
        return selectors.transaction_points_for(self.request.user).order_by("office", "name", "id")


class AssociationViewSet(viewsets.ReadOnlyModelViewSet):
    """Associations of the user's offices and those above the district."""

    serializer_class = AssociationSerializer
    filterset_class = AssociationFilter
    queryset = Association.objects.none()

    def get_queryset(self):
        return selectors.associations_for(self.request.user).order_by("kind", "level", "name", "id")


class SavingsGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """The savings-and-loan groups of the user's offices."""

    serializer_class = SavingsGroupSerializer
    filterset_class = SavingsGroupFilter
    queryset = SavingsGroup.objects.none()

    def get_queryset(self):
        return selectors.savings_groups_for(self.request.user).order_by(
            "transaction_point", "name", "id"
        )


# --- borrowers -------------------------------------------------------------------------------


# The format the service checks (borrowers.models.NATIONAL_ID_PATTERN), stated for the schema.
@extend_schema_field({"type": "string", "pattern": "^[0-9]{12}$", "minLength": 12, "maxLength": 12})
class NationalIdField(serializers.Field):
    """A citizen ID as text; its rule and its message are the service's, as in the admin.

    Not a CharField: that would check blank and length itself, with other messages.
    """

    default_error_messages = {"invalid": serializers.CharField.default_error_messages["invalid"]}

    def to_internal_value(self, data) -> str:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return str(data).strip()

    def to_representation(self, value: str) -> str:
        return value


class BorrowerSerializer(ModelSerializer):
    """A borrowing household (hộ vay); its office and point follow its savings group."""

    national_id = NationalIdField(help_text="12-digit citizen ID (CCCD).")
    date_of_birth = serializers.DateField(
        help_text="The representative's date of birth; at least 18 years old."
    )
    ethnicity = serializers.ChoiceField(
        choices=ETHNICITY_CHOICES, help_text="Official Vietnamese name (Kinh, Tày, Nùng, ...)."
    )
    category_list_year = IntegerField(
        min_value=1990, max_value=2100, required=False, allow_null=True
    )
    savings_group = ScopedPrimaryKeyRelatedField(
        selector=selectors.savings_groups_for,
        queryset=SavingsGroup.objects.none(),
        help_text="The household's savings-and-loan group, in the user's offices.",
    )
    commune = serializers.PrimaryKeyRelatedField(
        queryset=AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Borrower
        fields = [
            "id",
            "full_name",
            "national_id",
            "date_of_birth",
            "gender",
            "ethnicity",
            "household_category",
            "category_list_ref",
            "category_list_year",
            "village",
            "commune",
            "savings_group",
            "transaction_point",
            "office",
            "phone",
            "created_at",
        ]
        read_only_fields = ["id", "transaction_point", "office", "created_at"]

    def validate_full_name(self, value: str) -> str:
        return validated(services.clean_name, value, field="full_name")

    def validate_village(self, value: str) -> str:
        return validated(services.clean_name, value, field="village")

    def validate_national_id(self, value: str) -> str:
        return validated(services.clean_national_id, value, borrower=self.instance)

    def validate_date_of_birth(self, value: date) -> date:
        return validated(services.clean_date_of_birth, value)

    def validate(self, attrs: dict) -> dict:
        if "savings_group" in attrs:
            try:
                services.place_household(
                    savings_group=attrs["savings_group"], borrower=self.instance
                )
            except DomainError as exc:
                raise exc.as_validation_error() from exc
        return attrs

    def create(self, validated_data: dict) -> Borrower:
        return services.register_household(by=self.context["request"].user, **validated_data)

    def update(self, instance: Borrower, validated_data: dict) -> Borrower:
        return services.update_household(
            instance, by=self.context["request"].user, **validated_data
        )


class BorrowerFilter(filters.FilterSet):
    full_name = filters.CharFilter(lookup_expr="icontains")
    village = filters.CharFilter(lookup_expr="icontains")
    ethnicity = filters.ChoiceFilter(choices=ETHNICITY_CHOICES)

    class Meta:
        model = Borrower
        fields = [
            "office",
            "transaction_point",
            "savings_group",
            "household_category",
            "gender",
            "ethnicity",
            "national_id",
            "full_name",
            "village",
        ]


WRITE_RESPONSES = {
    400: OpenApiResponse(description="Invalid input: messages per field."),
    409: OpenApiResponse(description="Another request registered the same citizen ID."),
}


@extend_schema_view(
    create=extend_schema(responses={201: BorrowerSerializer, **WRITE_RESPONSES}),
    update=extend_schema(responses={200: BorrowerSerializer, **WRITE_RESPONSES}),
    partial_update=extend_schema(responses={200: BorrowerSerializer, **WRITE_RESPONSES}),
)
class BorrowerViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Households of the user's offices: register, read, correct (no delete: loans refer)."""

    serializer_class = BorrowerSerializer
    filterset_class = BorrowerFilter
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": "borrowers.add_borrower",
        "update": "borrowers.change_borrower",
        "partial_update": "borrowers.change_borrower",
    }
    queryset = Borrower.objects.none()

    def get_queryset(self):
        return selectors.borrowers_for(self.request.user).order_by("full_name", "id")
