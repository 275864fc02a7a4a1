"""What every admin module shares: the site's titles, office scoping, no-delete, amount columns.

Scoping is decided once, in `borrowers.selectors`; the classes here only route every admin read
through it, so another office's object is simply not found (404) rather than forbidden.
"""

from collections.abc import Callable

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from borrowers.selectors import office_ids_for, offices_for
from core.money import format_dong

admin.site.site_header = "NHCSXH – Quản lý cho vay"
admin.site.site_title = "NHCSXH – Quản lý cho vay"
admin.site.index_title = _("Quản lý cho vay")


def is_branch_level(user) -> bool:
    """Superusers and staff without an office see and manage every office."""
    return office_ids_for(user) is None


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose objects outside the user's offices do not exist (404).

    Subclasses define `get_queryset` through a selector; `scoped_choices` maps a foreign-key
    name to a selector so dropdowns offer only the user's offices' objects.
    """

    scoped_choices: dict[str, Callable[..., QuerySet]] = {}
    show_full_result_count = False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect with "does not exist"; for another office's object the
            # answer is the same as for an object that never existed: not found.
            raise Http404(_("Không tìm thấy đối tượng."))
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        chooser = self.scoped_choices.get(db_field.name)
        if chooser is not None:
            kwargs["queryset"] = chooser(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BranchManagedAdmin(ScopedAdmin):
    """Master data the branch maintains; officers may only look at it."""

    def has_add_permission(self, request):
        return is_branch_level(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_branch_level(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_branch_level(request.user) and super().has_delete_permission(request, obj)


class NoDeleteMixin:
    """Financial records are never deleted: a mistake is corrected by a reversal."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyMixin(NoDeleteMixin):
    """Written only by the services or the jobs; the admin shows, never edits."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScopedOfficeFilter(admin.RelatedFieldListFilter):
    """An office filter that lists only the user's offices (no other office's name leaks)."""

    def field_choices(self, field, request, model_admin):
        return [(office.pk, str(office)) for office in offices_for(request.user)]


def money_display(model: type[Model], field: str) -> Callable:
    """A list/readonly column showing a whole-đồng field as `1.234.567 ₫`."""

    @admin.display(description=model._meta.get_field(field).verbose_name, ordering=field)
    def display(self, obj) -> str:
        return format_dong(getattr(obj, field))

    return display
