"""Form fields every app's admin shares, read as a person types them.

Whole numbers: ASCII digits, or an amount grouped by threes with dots as Vietnamese writes it
(1.234.567, `core.money.parse_dong`), and nothing else: Python's `int()` (which Django's own
IntegerField uses) would also take "1_000", full-width "１０００", "+5" and "5.0".

Dates and months in the Vietnamese way (dd/mm/yyyy, mm/yyyy), accepting what officers type:
"1/11/2026", "01-11-2026", "2026-11-01"; "11/2026", "11-2026", "2026-11". Shown back as
dd/mm/yyyy and mm/yyyy.
"""

import re
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.translation import gettext_lazy as _

from .money import format_dong, group_digits, parse_dong

DATE_FORMAT = "%d/%m/%Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
MONTH_PATTERNS = [
    re.compile(r"^(?P<month>\d{1,2})\s*[/.\-]\s*(?P<year>\d{4})$"),  # 11/2026, 1-2026, 11.2026
    re.compile(r"^(?P<year>\d{4})\s*[/.\-]\s*(?P<month>\d{1,2})$"),  # 2026-11, 2026/11
]
MIN_YEAR = 1900


def parse_date(text: str) -> date:
    """A date as officers write it (day first; ISO too); ValueError otherwise."""
    cleaned = str(text).strip()
    for pattern in DATE_INPUT_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, pattern).date()  # noqa: DTZ007 (a date only)
        except ValueError:
            continue
        if parsed.year >= MIN_YEAR:
            return parsed
    raise ValueError(f"not a date (dd/mm/yyyy): {text!r}")


def parse_month(text: str) -> date:
    """A month as officers write it ("11/2026", "2026-11") -> its first day; ValueError
    otherwise."""
    cleaned = str(text).strip()
    for pattern in MONTH_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            year, month = int(match["year"]), int(match["month"])
            if 1 <= month <= 12 and year >= MIN_YEAR:
                return date(year, month, 1)
    raise ValueError(f"not a month (mm/yyyy): {text!r}")


class DateInput(AdminDateWidget):
    """The admin's calendar picker, writing and showing dd/mm/yyyy."""

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        attrs = {"placeholder": "dd/mm/yyyy", "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=attrs, format=format or DATE_FORMAT)


class DateField(forms.DateField):
    """A date typed as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or ISO)."""

    widget = DateInput
    input_formats = DATE_INPUT_FORMATS
    default_error_messages = {
        "invalid": _("Ngày phải có dạng dd/mm/yyyy (ví dụ 01/11/2026)."),
    }


class MonthInput(forms.TextInput):
    """A month box showing mm/yyyy."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        attrs = {"placeholder": "mm/yyyy", "size": 8, "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=attrs)

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return f"{value:%m/%Y}"
        shown: str | None = super().format_value(value)
        return shown


class MonthField(forms.Field):
    """A month typed as mm/yyyy (also m/yyyy, mm-yyyy or yyyy-mm); cleaned to its first day."""

    widget = MonthInput
    default_error_messages = {
        "invalid": _("Tháng phải có dạng mm/yyyy (ví dụ 11/2026)."),
    }

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        try:
            return parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


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
