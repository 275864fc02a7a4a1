"""The branch's organisation: branch, offices, units, points, associations, groups and staff,
each list scoped to the user's offices; groups are saved through `borrowers.services`."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from core.admin import ScopedAdmin, ServiceSavedMixin
from core.errors import DomainError, validated

from .. import services
from ..models import (
    AdministrativeUnit,
    Association,
    Branch,
    SavingsGroup,
    StaffProfile,
    TransactionOffice,
    TransactionPoint,
)
from ..selectors import (
    associations_for,
    office_ids_for,
    offices_for,
    savings_groups_for,
    transaction_points_for,
)
from .base import BranchManagedAdmin, ScopedOfficeFilter


@admin.register(Branch)
class BranchAdmin(BranchManagedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(TransactionOffice)
class TransactionOfficeAdmin(BranchManagedAdmin):
    list_display = ["code", "name", "former_district", "branch"]
    search_fields = ["code", "name", "former_district"]

    def get_queryset(self, request):
        return offices_for(request.user).select_related("branch")


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(BranchManagedAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["level", "valid_to"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "successor"]
    list_select_related = ["parent", "successor"]


@admin.register(TransactionPoint)
class TransactionPointAdmin(ScopedAdmin):
    list_display = ["code", "name", "office", "commune", "session_day"]
    list_filter = [("office", ScopedOfficeFilter), "session_day"]
    search_fields = ["code", "name", "commune__name"]
    autocomplete_fields = ["commune"]
    scoped_choices = {"office": offices_for}

    def get_queryset(self, request):
        return transaction_points_for(request.user).select_related("commune")


@admin.register(Association)
class AssociationAdmin(ScopedAdmin):
    list_display = ["name", "kind", "level", "parent", "office", "transaction_point"]
    list_filter = ["kind", "level", ("office", ScopedOfficeFilter)]
    search_fields = ["name"]
    list_select_related = ["parent", "office", "transaction_point"]
    scoped_choices = {
        "office": offices_for,
        "transaction_point": transaction_points_for,
        "parent": associations_for,
    }

    def get_queryset(self, request):
        return associations_for(request.user)

    def has_change_permission(self, request, obj=None):
        # Officers see the associations above their district but change only their own.
        if obj is not None and not self._is_own(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self._is_own(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _is_own(user, obj: Association) -> bool:
        office_ids = office_ids_for(user)
        if office_ids is None:
            return True
        point_office = obj.transaction_point.office_id if obj.transaction_point_id else None
        return obj.office_id in office_ids or point_office in office_ids


class SavingsGroupAdminForm(forms.ModelForm):
    """A group's record; the names are normalised and a move is checked by the services."""

    class Meta:
        model = SavingsGroup
        fields = [
            "code",
            "name",
            "association",
            "transaction_point",
            "village",
            "leader",
            "leader_phone",
            "is_active",
        ]

    def clean_name(self) -> str:
        return validated(services.clean_name, self.cleaned_data["name"], field="name")

    def clean_village(self) -> str:
        return validated(services.clean_name, self.cleaned_data["village"], field="village")

    def clean_leader(self) -> str:
        return validated(services.clean_name, self.cleaned_data["leader"], field="leader")

    def clean(self):
        cleaned = super().clean()
        point = cleaned.get("transaction_point")
        if point is not None:
            try:
                services.check_group_move(self.instance, transaction_point=point)
            except DomainError as exc:
                raise exc.as_validation_error() from exc
        return cleaned


@admin.register(SavingsGroup)
class SavingsGroupAdmin(ServiceSavedMixin, ScopedAdmin):
    form = SavingsGroupAdminForm
    register = staticmethod(services.register_savings_group)
    update = staticmethod(services.update_savings_group)
    list_display = ["code", "name", "village", "leader", "association", "transaction_point"]
    list_filter = [
        "is_active",
        "association__kind",
        ("transaction_point__office", ScopedOfficeFilter),
    ]
    search_fields = ["code", "name", "village", "leader"]
    scoped_choices = {"association": associations_for, "transaction_point": transaction_points_for}

    def get_queryset(self, request):
        return savings_groups_for(request.user)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 0
    max_num = 1


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin with the staff member's office."""

    inlines = [*UserAdmin.inlines, StaffProfileInline]
