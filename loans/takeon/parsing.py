"""Reading one cell of the take-on workbook as a typed value, or a located error."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.money import parse_dong

DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass
class Errors:
    """Every row error of a file: sheet, row number (as the spreadsheet shows it), column."""

    items: list[dict] = field(default_factory=list)

    def add(self, sheet: str, row: int, column: str, message: str) -> None:
        self.items.append({"sheet": sheet, "row": row, "column": column, "message": str(message)})

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class Cells:
    """One row's cells; each reader returns None and records an error on a bad value."""

    sheet: str
    number: int
    values: dict[str, object]
    errors: Errors

    def fail(self, column: str, message: str) -> None:
        self.errors.add(self.sheet, self.number, column, message)

    def raw(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def text(self, column: str, *, required: bool = True) -> str | None:
        value = self.raw(column)
        if not value and required:
            self.fail(column, _("Bắt buộc phải có giá trị."))
            return None
        return value

    def day(self, column: str, *, required: bool = True) -> date | None:
        value = self.values.get(column)
        if type(value) is str and len(value) == 10 and value[4] == "-":
            try:
                return date.fromisoformat(value)  # the common case first: ISO text
            except ValueError:
                pass
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = self.raw(column)
        if not text:
            if required:
                self.fail(column, _("Bắt buộc phải có ngày."))
            return None
        return self._parse_day(column, text)

    def _parse_day(self, column: str, text: str) -> date | None:
        try:
            if match := DMY.match(text):
                day, month, year = (int(g) for g in match.groups())
                return date(year, month, day)
            return date.fromisoformat(text)
        except ValueError:
            self.fail(column, _("Ngày không hợp lệ (dùng yyyy-mm-dd hoặc dd/mm/yyyy)."))
            return None

    def amount(self, column: str, *, required: bool = True) -> int | None:
        """Whole đồng, never negative: an integer or Vietnamese-grouped text (1.234.567)."""
        value = self.values.get(column)
        if type(value) is int and value >= 0:
            return value  # the common case first (an .xlsx number)
        if type(value) is str and value.isascii() and value.isdigit():
            return int(value)  # and a CSV's plain digits
        if isinstance(value, float) and not value.is_integer():
            self.fail(column, _("Số tiền phải là số nguyên đồng."))
            return None
        text = self.raw(column)
        if not text:
            if required:
                self.fail(column, _("Bắt buộc phải có số tiền."))
                return None
            return 0
        try:
            amount = parse_dong(text)
        except ValueError:
            self.fail(column, _("Số tiền phải là số nguyên đồng (ví dụ 1.234.567)."))
            return None
        if amount < 0:
            self.fail(column, _("Số tiền không được âm."))
            return None
        return amount

    def integer(self, column: str, low: int, high: int) -> int | None:
        text = self.raw(column)
        if not re.fullmatch(r"\d{1,4}", text) or not low <= int(text) <= high:
            self.fail(
                column, _("Phải là số nguyên từ %(low)s đến %(high)s.") % {"low": low, "high": high}
            )
            return None
        return int(text)

    def rate(self, column: str) -> Decimal | None:
        text = self.raw(column).replace(",", ".")
        try:
            rate = Decimal(text)
        except InvalidOperation:
            rate = None
        if rate is None or not rate.is_finite() or not Decimal(0) < rate < Decimal(100):
            self.fail(column, _("Lãi suất phải là số %/năm lớn hơn 0 và nhỏ hơn 100."))
            return None
        return rate.quantize(Decimal("0.0001"))
