"""Admin bases that know the offices: branch-managed master data and an office filter.

Who is branch level, and which offices a user sees, is decided by `borrowers.selectors`.
"""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView

from core.admin import ScopedAdmin

from ..labels import PICKER_RELATED, picker_label
from ..selectors import office_ids_for, offices_for


def is_branch_level(user) -> bool:
    """Superusers and staff without an office see and manage every office."""
    return office_ids_for(user) is None


class BranchManagedAdmin(ScopedAdmin):
    """Master data the branch maintains; officers may only look at it."""

    def has_add_permission(self, request):
        return is_branch_level(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_branch_level(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_branch_level(request.user) and super().has_delete_permission(request, obj)


class ScopedOfficeFilter(admin.RelatedFieldListFilter):
    """An office filter that lists only the user's offices (no other office's name leaks)."""

    def field_choices(self, field, request, model_admin):
        return [(office.pk, str(office)) for office in offices_for(request.user)]


class LabelledAutocompleteView(AutocompleteJsonView):
    """The admin's search-as-you-type answer with each household, group or point named by
    its code, village and point (`borrowers.labels`); other models as Django names them."""

    def get_queryset(self):
        queryset = super().get_queryset()
        related = PICKER_RELATED.get(queryset.model)
        return queryset.select_related(*related) if related else queryset

    def serialize_result(self, obj, to_field_name) -> dict:
        return {"id": str(getattr(obj, to_field_name)), "text": picker_label(obj)}
