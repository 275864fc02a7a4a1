"""API of the branch's organisation (offices, points, associations, groups) and households.

Every queryset comes from `borrowers.selectors`, so a user sees only their offices and another
office's object is a 404; a related id the user may not see is a 400 on that field.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.validators import UniqueValidator

from . import selectors
from .models import (
    ETHNICITY_CHOICES,
    AdministrativeUnit,
    Association,
    Borrower,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)

ADULT_AGE = 18
EARLIEST_BIRTH = date(1900, 1, 1)
# VBSP was founded in 2002: no approval, posting, position or job is dated before 2000.
EARLIEST_BUSINESS_DATE = date(2000, 1, 1)


# --- shared pieces of the API ----------------------------------------------------------------


class ActionPermission(permissions.IsAuthenticated):
    """Reads need a login; a write action needs the model permission the view names for it."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        perm = getattr(view, "action_permissions", {}).get(view.action)
        return perm is None or request.user.has_perm(perm)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id looked up among the objects a selector lets the requesting user see."""

    def __init__(self, *, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.selector(getattr(request, "user", None))


def business_date(value: date) -> date:
    """A date the bank did business on: not after today, not before the bank's records."""
    if value > timezone.localdate():
        raise serializers.ValidationError(_("Ngày không được sau ngày hôm nay."))
    if value < EARLIEST_BUSINESS_DATE:
        raise serializers.ValidationError(
            _("Ngày không được trước %(d)s.") % {"d": f"{EARLIEST_BUSINESS_DATE:%d/%m/%Y}"}
        )
    return value


# --- organisation (read-only reference data) -------------------------------------------------


class OfficeSerializer(serializers.ModelSerializer):
    """A transaction office (Phòng giao dịch, PGD)."""

    class Meta:
        model = TransactionOffice
        fields = ["id", "code", "name", "branch", "former_district"]


class TransactionPointSerializer(serializers.ModelSerializer):
    """A commune transaction point (Điểm giao dịch xã) and its monthly session day."""

    class Meta:
        model = TransactionPoint
        fields = ["id", "code", "name", "office", "commune", "session_day"]


class AssociationSerializer(serializers.ModelSerializer):
    """An entrusting association (hội đoàn thể nhận ủy thác) at one level."""

    class Meta:
        model = Association
        fields = ["id", "kind", "level", "name", "parent", "office", "transaction_point"]


class SavingsGroupSerializer(serializers.ModelSerializer):
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
    session_day = filters.NumberFilter(min_value=1, max_value=31)

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


class BorrowerSerializer(serializers.ModelSerializer):
    """A borrowing household (hộ vay); its office and point follow its savings group."""

    national_id = serializers.RegexField(
        r"^[0-9]{12}$",
        min_length=12,
        max_length=12,
        help_text="12-digit citizen ID (CCCD).",
        error_messages={"invalid": _("Số CCCD phải gồm đúng 12 chữ số.")},
        validators=[
            UniqueValidator(
                queryset=Borrower.objects.all(),
                message=_("Số CCCD này đã được đăng ký cho một hộ vay khác."),
            )
        ],
    )
    date_of_birth = serializers.DateField(
        help_text="The representative's date of birth; at least 18 years old."
    )
    ethnicity = serializers.ChoiceField(
        choices=ETHNICITY_CHOICES, help_text="Official Vietnamese name (Kinh, Tày, Nùng, ...)."
    )
    category_list_year = serializers.IntegerField(
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

    def validate_date_of_birth(self, value: date) -> date:
        today = timezone.localdate()
        if value > today:
            raise serializers.ValidationError(_("Ngày sinh không được sau ngày hôm nay."))
        if value < EARLIEST_BIRTH:
            raise serializers.ValidationError(_("Ngày sinh không hợp lệ."))
        age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
        if age < ADULT_AGE:
            raise serializers.ValidationError(
                _("Người đại diện hộ vay phải đủ %(n)s tuổi.") % {"n": ADULT_AGE}
            )
        return value

    def validate_savings_group(self, group: SavingsGroup) -> SavingsGroup:
        borrower = self.instance
        changes_office = borrower is not None and group.office_id != borrower.office_id
        if changes_office and borrower.loans.exists():
            raise serializers.ValidationError(
                _("Hộ đang có khoản vay: không chuyển sang tổ của phòng giao dịch khác.")
            )
        return group

    def _placed(self, data: dict) -> dict:
        """Office and transaction point are the group's (server-owned, never sent)."""
        group = data.get("savings_group")
        if group is not None:
            data["transaction_point"] = group.transaction_point
            data["office_id"] = group.transaction_point.office_id
        return data

    def create(self, validated_data: dict) -> Borrower:
        return super().create(self._placed(validated_data))

    def update(self, instance: Borrower, validated_data: dict) -> Borrower:
        return super().update(instance, self._placed(validated_data))


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
