"""The dashboard's filters: amounts, counts and ratios written one way (core.money)."""

from django import template

from core.money import format_dong, format_percent, group_digits
from loans.models import TransactionKind

register = template.Library()


@register.filter
def dong(amount) -> str:
    return format_dong(amount)


@register.filter
def digits(number) -> str:
    return group_digits(int(number or 0))


@register.filter
def percent(value) -> str:
    return format_percent(value)


@register.filter
def kind_label(kind: str) -> str:
    return str(TransactionKind(kind).label)


@register.filter
def lookup(mapping: dict, key):
    return mapping.get(key, key)
