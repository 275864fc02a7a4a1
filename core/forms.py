"""Form fields every app's admin shares: whole numbers as a person types them.

A form accepts ASCII digits, or an amount grouped by threes with dots as Vietnamese writes it
(1.234.567, `core.money.parse_dong`), and nothing else: Python's `int()` (which Django's own
IntegerField uses) would also take "1_000", full-width "１０００", "+5" and "5.0".
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .money import format_dong, group_digits, parse_dong


class IntegerField(forms.IntegerField):
    """A whole number typed in ASCII digits (surrounding spaces aside), nothing else."""

    default_error_messages = {"invalid": _("Nhập một số nguyên, chỉ gồm các chữ số 0-9.")}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = value.strip() if isinstance(value, str) else None
        if text is None or not text.isascii() or not text.isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


class MoneyField(forms.Field):
    """An amount in whole đồng, typed as 1234567 or 1.234.567 (never a fraction of a đồng)."""

    default_error_messages = {
        "invalid": _("Nhập số tiền là số nguyên đồng, ví dụ 1.234.567."),
        "min_value": _("Số tiền phải từ %(limit)s trở lên."),
    }

    def __init__(self, *, min_value: int | None = 1, **kwargs: Any) -> None:
        self.min_value = min_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return parse_dong(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and self.min_value is not None and value < self.min_value:
            raise forms.ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": format_dong(self.min_value)},
            )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return group_digits(value)
        return value
