"""Months as the reconciliation names them: 'YYYY-MM', or any date in the month."""

import re
from datetime import date, timedelta

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: "str | date") -> date:
    """'YYYY-MM' (or any date in the month) -> the month's first day; ValueError otherwise."""
    if isinstance(value, date):
        return value.replace(day=1)
    match = MONTH_RE.match(str(value).strip())
    if not match or int(match[1]) < 1:
        raise ValueError(f"not a month (YYYY-MM): {value!r}")
    return date(int(match[1]), int(match[2]), 1)


def month_end(month: date) -> date:
    """The last day of the month."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def previous_month(today: date) -> date:
    """The month just ended on `today` (the beat runs on the 1st for the month before)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
