"""Scalar date helpers: interest due dates and instalment schedules."""

from __future__ import annotations

import calendar
import datetime as dt

# ---------------------------------------------------------------------------- scalar helpers


def add_months(d: dt.date, n: int, day: int) -> dt.date:
    """The date in the n-th month after d's month, on ``day`` clamped to that month's last day."""
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day, last))


def interest_due_dates(first_disbursed_on: dt.date, due_day: int, until: dt.date) -> list[dt.date]:
    """Monthly interest due dates from the month after the first disbursement up to ``until``."""
    dates, k = [], 1
    while (d := add_months(first_disbursed_on, k, due_day)) <= until:
        dates.append(d)
        k += 1
    return dates


def _split_in_thousands(amount: int, count: int) -> list[int]:
    # Each part is rounded down to whole thousand đồng; the last part takes the remainder.
    part = amount // count // 1000 * 1000
    return [part] * (count - 1) + [amount - part * (count - 1)]


def build_schedule(
    *,
    principal: int,
    first_disbursed_on: dt.date,
    term_months: int,
    grace_months: int,
    frequency_months: int,
    due_day: int,
) -> list[tuple[dt.date, int]]:
    """Principal instalments at months grace+f, grace+2f, ... < term and always one at term."""
    if term_months < 1 or frequency_months < 1 or grace_months < 0:
        raise ValueError("term and frequency must be positive, grace not negative")
    offsets = [*range(grace_months + frequency_months, term_months, frequency_months), term_months]
    dates = [add_months(first_disbursed_on, k, due_day) for k in offsets]
    return list(zip(dates, _split_in_thousands(principal, len(dates)), strict=True))


def spread_tranche(
    *, schedule: list[tuple[dt.date, int]], amount: int, on: dt.date
) -> list[tuple[dt.date, int]]:
    """Add a later tranche, spread like the first one, to the instalments due after ``on``."""
    later = [i for i, (due, _) in enumerate(schedule) if due > on]
    if not later:
        raise ValueError(f"no instalment falls after {on}: the tranche cannot be scheduled")
    result = list(schedule)
    for i, part in zip(later, _split_in_thousands(amount, len(later)), strict=True):
        result[i] = (schedule[i][0], schedule[i][1] + part)
    return result
