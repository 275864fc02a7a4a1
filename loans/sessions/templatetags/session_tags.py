"""Amounts in the session pages: 1.234.567 (whole đồng, Vietnamese digit groups)."""

from django import template

from core.money import group_digits

register = template.Library()


@register.filter
def dong(value) -> str:
    return "" if value in (None, "") else group_digits(int(value))
