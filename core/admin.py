"""Admin pieces that know no office: 404 for what a selector hides, no delete, read-only, amounts.

Scoping is decided in `borrowers.selectors`; ScopedAdmin only routes every read through the
selector a subclass names, so another office's object is simply not found (404), not forbidden.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField, ModelForm
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from .money import format_dong, format_rate


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose objects outside the user's offices do not exist (404).

    Subclasses define `get_queryset` through a selector; `scoped_choices` maps a foreign-key
    name to a selector so dropdowns offer only the user's offices' objects.
    """

    scoped_choices: dict[str, Callable[..., QuerySet]] = {}
    show_full_result_count = False

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Model:
        obj: Model | None = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect with "does not exist"; for another office's object the
            # answer is the same as for an object that never existed: not found.
            raise Http404(_("Không tìm thấy đối tượng."))
        return obj

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        chooser = self.scoped_choices.get(db_field.name)
        if chooser is not None:
            kwargs["queryset"] = chooser(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class NoDeleteMixin:
    """Financial records are never deleted: a mistake is corrected by a reversal."""

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyMixin(NoDeleteMixin):
    """Written only by the services or the jobs; the admin shows, never edits."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def money_display(model: type[Model], field: str) -> Callable[[Any, Model], str]:
    """A list/readonly column showing a whole-đồng field as `1.234.567 ₫`."""

    label = getattr(model._meta.get_field(field), "verbose_name", field)

    @admin.display(description=label, ordering=field)
    def display(self: Any, obj: Model) -> str:
        return format_dong(getattr(obj, field))

    return display


def rate_display(model: type[Model], field: str) -> Callable[[Any, Model], str]:
    """A list/readonly column showing a rate in % per year as `9,50 %` (core.money)."""

    label = getattr(model._meta.get_field(field), "verbose_name", field)

    @admin.display(description=label, ordering=field)
    def display(self: Any, obj: Model) -> str:
        return format_rate(getattr(obj, field))

    return display


class ServiceSavedMixin:
    """A ModelAdmin that saves through the app's services instead of `obj.save()`.

    `register(by=user, **fields)` creates, `update(obj, by=user, **fields)` corrects; both
    get the form's cleaned fields (the form's hooks have already run the same checks, so their
    messages appear on the form). Wrap the functions in `staticmethod`.
    """

    register: Callable[..., Model]
    update: Callable[..., Model]

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        data = form.cleaned_data
        fields = {name: data[name] for name in form.fields if name in data}
        if change:
            saved = self.update(obj, by=request.user, **fields)
        else:
            saved = self.register(by=request.user, **fields)
        # The admin goes on with `obj` (its log entry, the redirect): make it the saved row.
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False
