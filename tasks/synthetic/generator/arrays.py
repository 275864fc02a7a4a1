"""Column arithmetic the generator draws with: dates as day numbers, runs of repeated keys."""

from datetime import date

import numpy as np

NEVER = 2**40  # a day number beyond any date
DAY_KEY = 1 << 24  # loan * DAY_KEY + day: one sortable key per loan and day


def day(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - date(1970, 1, 1)).days


def month_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def on_day(months: np.ndarray, due_day: np.ndarray) -> np.ndarray:
    """Day number of ``due_day`` (clamped to the month's last day) in each month number."""
    start = np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    after = (np.asarray(months) + 1).astype("datetime64[M]").astype("datetime64[D]")
    return start + np.minimum(due_day, after.astype(np.int64) - start) - 1


def within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... count-1 for each group of a repeated array."""
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) - np.repeat(starts, counts)


def as_dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def receipts(loan: np.ndarray, days: np.ndarray, amount: np.ndarray) -> tuple[np.ndarray, ...]:
    """Payments summed into one receipt per loan and day, sorted by loan then day."""
    order = np.lexsort((days, loan))
    loan, days, amount = loan[order], days[order], amount[order]
    if not len(loan):
        return loan, days, amount
    key = loan * DAY_KEY + days
    heads = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return loan[heads], days[heads], np.add.reduceat(amount, heads)


def split_in_thousands(amount: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Each amount over `count` parts rounded down to thousands, the last taking the rest
    (loans.positions.schedule._split_in_thousands), flattened."""
    part = amount // count // 1000 * 1000
    rows = np.repeat(part, count)
    last = np.cumsum(count) - 1
    rows[last] = amount - part * (count - 1)
    return rows


def running(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at each new value of the sorted group array."""
    if not len(values):
        return values.copy()
    total = np.cumsum(values)
    heads = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    offset = total[heads] - values[heads]
    return total - np.repeat(offset, np.diff(np.r_[heads, len(values)]))
