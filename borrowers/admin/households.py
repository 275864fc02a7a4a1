"""Households (hộ vay) in the admin: registered and corrected through `borrowers.services`, so
the admin and the API refuse the same mistakes with the same messages."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdmin, ServiceSavedMixin
from core.admin_exports import ExportMixin
from core.errors import DomainError, validated
from core.forms import DATE_INPUT_FORMATS, DateInput
from core.text import fold

from .. import services
from ..models import Borrower
from ..selectors import borrowers_for, savings_groups_for, transaction_points_for
from .base import ScopedOfficeFilter


class CitizenIdField(forms.CharField):
    """A citizen ID typed as the card prints it ("020 123 456 789"): the spaces are dropped
    here, and the rule (12 digits, once in the bank) is the service's."""

    def to_python(self, value) -> str:
        return "".join(super().to_python(value).split())


class BorrowerAdminForm(forms.ModelForm):
    """A household's record; its point and office come from its group (or the chosen point)."""

    national_id = CitizenIdField(
        label=capfirst(Borrower._meta.get_field("national_id").verbose_name)
    )
    date_of_birth = forms.DateField(
        label=capfirst(Borrower._meta.get_field("date_of_birth").verbose_name),
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput(),
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

    def clean_full_name(self) -> str:
        return validated(services.clean_name, self.cleaned_data["full_name"], field="full_name")

    def clean_village(self) -> str:
        return validated(services.clean_name, self.cleaned_data["village"], field="village")

    def clean_national_id(self) -> str:
        national_id = self.cleaned_data["national_id"]
        return validated(services.clean_national_id, national_id, borrower=self.instance)

    def clean_date_of_birth(self):
        return validated(services.clean_date_of_birth, self.cleaned_data["date_of_birth"])

    def clean(self):
        cleaned = super().clean()
        if {"savings_group", "transaction_point"} & set(self.errors):
            return cleaned
        try:
            cleaned["transaction_point"] = services.place_household(
                savings_group=cleaned.get("savings_group"),
                transaction_point=cleaned.get("transaction_point"),
                borrower=self.instance,
            )
        except DomainError as exc:
            raise exc.as_validation_error() from exc
        return cleaned


@admin.register(Borrower)
class BorrowerAdmin(ExportMixin, ServiceSavedMixin, ScopedAdmin):
    form = BorrowerAdminForm
    register = staticmethod(services.register_household)
    update = staticmethod(services.update_household)
    list_display = [
        "full_name",
        "national_id",
        "date_of_birth",
        "household_category",
        "ethnicity",
        "savings_group",
        "office",
        "is_active",
    ]
    list_filter = [
        ("office", ScopedOfficeFilter),
        "household_category",
        "ethnicity",
        "is_active",
    ]
    search_fields = ["^national_id", "full_name"]
    list_select_related = ["savings_group", "office"]
    autocomplete_fields = ["savings_group", "commune"]
    readonly_fields = ["office", "is_active", "created_at"]
    actions = ["deactivate", "reactivate"]
    scoped_choices = {
        "savings_group": savings_groups_for,
        "transaction_point": transaction_points_for,
    }

    def get_search_results(self, request, queryset, search_term):
        """By citizen-ID prefix or name, and by the name without diacritics ("Bui Hai Tuyet"
        finds "Bùi Hải Tuyết"): every word of the folded term in the folded name."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        words = fold(search_term).split()
        if words:
            folded = Q()
            for word in words:
                folded &= Q(full_name_folded__contains=word)
            results = results | queryset.filter(folded)
        return results, duplicates

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
        (None, {"fields": ["is_active", "created_at"]}),
    ]

    def get_queryset(self, request):
        return borrowers_for(request.user)

    # --- deletion: only a household entered by mistake; others are deactivated ---

    def has_delete_permission(self, request, obj=None):
        # No bulk delete (obj None): each household is checked for business records on its own,
        # and the delete button shows only where the delete would be accepted.
        if obj is None or services.has_business(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.delete_household(obj, by=request.user)

    @admin.action(description=_("Ngừng giao dịch các hộ đã chọn"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Cho các hộ đã chọn giao dịch lại"), permissions=["change"])
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, active=True)

    def _set_active(self, request, queryset, *, active: bool) -> None:
        changed = 0
        for borrower in queryset.filter(is_active=not active):  # the few ticked on one page
            services.set_household_active(borrower, active=active, by=request.user)
            changed += 1
        self.message_user(request, _("Đã cập nhật %(n)d hộ vay.") % {"n": changed})
