"""Changes of the fee and rate rules (fee rules, programme interest rates, the savings rate) may
need a second person. This module is the hook between the screens that change a rule (the
programmes' admin, the savings-rate admin and API) and the four-eyes app above them, which may
not be imported from here: the rules register how a change is applied (`register`), the
approvals app registers the gate that holds a change for approval (`set_gate`).

A change is plain JSON: {"pk": id or None (a new rule), "data": {field: value}}, values as the
API writes them (dates ISO, decimals as strings, related ids). Applying it validates the model
afresh (its fields, `clean()`, its constraints and the rule's own `check`) and saves it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError


class RuleChangeError(DomainError):
    """A change of a rule that no longer holds (or never did)."""


@dataclass(frozen=True)
class Rule:
    operation: str  # the four-eyes operation's name ("fee-rules", "savings-rates", ...)
    model: type[models.Model]
    permission: str  # what a checker must hold besides the right to decide
    check: Callable[[Any], None] | None = None  # (the rule's instance) raises RuleChangeError


RULES: dict[str, Rule] = {}
# (user, operation, change) -> the approval request's id when held, None when done alone.
Gate = Callable[[Any, str, dict], int | None]
_gate: list[Gate] = []


def register(rule: Rule) -> None:
    RULES[rule.operation] = rule


def set_gate(gate: Gate) -> None:
    _gate[:] = [gate]


def plain(value: Any) -> Any:
    """A form's or serializer's value as JSON (dates ISO, decimals as strings, objects by id)."""
    if isinstance(value, dict):
        return {name: plain(item) for name, item in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def change_of(instance: models.Model | None, data: dict) -> dict:
    return {"pk": instance.pk if instance is not None else None, "data": plain(data)}


def hold(user, operation: str, change: dict) -> int | None:
    """The approval request's id if this user may not make the change alone (nothing is
    saved then), else None: the caller saves as usual."""
    if not _gate:
        return None
    return _gate[0](user, operation, change)


def _first(error: ValidationError) -> tuple[str | None, str]:
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        return (None if field == "__all__" else field), _message(errors[0])
    return None, _message(error.error_list[0])


def _message(error: ValidationError) -> str:
    return str(error.message % error.params) if error.params else str(error.message)


@transaction.atomic
def apply(operation: str, change: dict, *, by=None) -> dict:
    """Validate the change against the rules as they are now and save it; returns the rule's
    fields as JSON. A change that no longer holds raises RuleChangeError with the reason. The
    rule's history records `by` (the maker) as who changed it."""
    rule = RULES.get(operation)
    if rule is None:
        raise RuleChangeError(_("Nghiệp vụ không hợp lệ."), field="operation")
    manager = rule.model._default_manager
    if change.get("pk") is not None:
        instance = manager.select_for_update().filter(pk=change["pk"]).first()
        if instance is None:
            raise RuleChangeError(_("Quy định cần sửa không còn nữa."))
    else:
        instance = rule.model()
    try:
        for name, value in change["data"].items():
            model_field = rule.model._meta.get_field(name)
            assert isinstance(model_field, models.Field)  # a rule's own column, not a relation
            setattr(instance, model_field.attname, model_field.to_python(value))
        instance.full_clean()
        if rule.check is not None:
            rule.check(instance)
    except ValidationError as err:
        field, message = _first(err)
        raise RuleChangeError(message, field=field) from err
    if by is not None:
        instance._history_user = by  # type: ignore[attr-defined]  # simple_history's hook
    instance.save()
    return {"id": instance.pk, **change["data"]}
