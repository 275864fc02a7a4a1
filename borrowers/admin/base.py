"""Admin bases that know the offices: branch-managed master data and an office filter.

Who is branch level, and which offices a user sees, is decided by `borrowers.selectors`.
"""

from django.contrib import admin

from core.admin import ScopedAdmin

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
