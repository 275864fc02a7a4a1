"""The branch's organisation and its households, each list scoped to the user's offices."""

import re

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.admin_site import BranchManagedAdmin, ScopedAdmin, ScopedOfficeFilter

from .models import (
    AdministrativeUnit,
    Association,
    Borrower,
    Branch,
    SavingsGroup,
    StaffProfile,
    TransactionOffice,
    TransactionPoint,
)
from .selectors import (
    associations_for,
    borrowers_for,
    office_ids_for,
    offices_for,
    savings_groups_for,
    transaction_points_for,
)

ADULT_AGE = 18
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


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


@admin.register(SavingsGroup)
class SavingsGroupAdmin(ScopedAdmin):
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


class BorrowerAdminForm(forms.ModelForm):
    """A household's record; its point and office come from its group (or the chosen point)."""

    date_of_birth = forms.DateField(
        label=capfirst(Borrower._meta.get_field("date_of_birth").verbose_name),
        input_formats=DATE_INPUT_FORMATS,
        widget=AdminDateWidget(format="%d/%m/%Y"),
    )

    class Meta:
        model = Borrower
        fields = [
            "full_name",
            "national_id",
            "date_of_birth",
            "gender",
            "ethnicity",
            "phone",
            "household_category",
            "category_list_ref",
            "category_list_year",
            "village",
            "commune",
            "savings_group",
            "transaction_point",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "transaction_point" in self.fields:
            self.fields["transaction_point"].required = False
            self.fields["transaction_point"].help_text = _(
                "Lấy theo tổ TK&VV; chỉ chọn khi hộ vay trực tiếp, không qua tổ."
            )

    def clean_national_id(self) -> str:
        value = "".join(self.cleaned_data["national_id"].split())
        # ASCII digits only: str.isdigit and \d also accept other scripts' digits.
        if not re.fullmatch(r"[0-9]{12}", value):
            raise forms.ValidationError(_("Số CCCD phải gồm đúng 12 chữ số."))
        return value

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < ADULT_AGE:
            raise forms.ValidationError(_("Người đại diện hộ vay phải đủ 18 tuổi trở lên."))
        return born

    def clean(self):
        cleaned = super().clean()
        group = cleaned.get("savings_group")
        if group is not None:
            cleaned["transaction_point"] = group.transaction_point
        elif cleaned.get("transaction_point") is None and "transaction_point" not in self.errors:
            self.add_error(
                "transaction_point", _("Chọn tổ TK&VV, hoặc điểm giao dịch nếu hộ vay trực tiếp.")
            )
        return cleaned


@admin.register(Borrower)
class BorrowerAdmin(ScopedAdmin):
    form = BorrowerAdminForm
    list_display = [
        "full_name",
        "national_id",
        "date_of_birth",
        "household_category",
        "ethnicity",
        "savings_group",
        "office",
    ]
    list_filter = [("office", ScopedOfficeFilter), "household_category", "ethnicity"]
    search_fields = ["full_name", "=national_id"]
    list_select_related = ["savings_group", "office"]
    autocomplete_fields = ["savings_group", "commune"]
    readonly_fields = ["office", "created_at"]
    scoped_choices = {
        "savings_group": savings_groups_for,
        "transaction_point": transaction_points_for,
    }
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "full_name",
                    "national_id",
                    "date_of_birth",
                    "gender",
                    "ethnicity",
                    "phone",
                ]
            },
        ),
        (
            _("Loại hộ"),
            {"fields": ["household_category", "category_list_ref", "category_list_year"]},
        ),
        (
            _("Nơi cư trú và tổ"),
            {"fields": ["village", "commune", "savings_group", "transaction_point", "office"]},
        ),
        (None, {"fields": ["created_at"]}),
    ]

    def get_queryset(self, request):
        return borrowers_for(request.user)

    def save_model(self, request, obj: Borrower, form, change: bool) -> None:
        # Master data, saved directly: the household belongs to its group's point and office.
        if obj.savings_group_id is not None:
            obj.transaction_point = obj.savings_group.transaction_point
        obj.office_id = obj.transaction_point.office_id
        super().save_model(request, obj, form, change)


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
