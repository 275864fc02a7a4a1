"""The input tables as aligned arrays, the month calendar and the book of loans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from math import gcd
from typing import NamedTuple

import numpy as np
import pandas as pd

from .constants import (
    _NEVER,
    DAY_COUNTS,
    KINDS,
    RATE_SCALE,
)

# ------------------------------------------------------------------------- the input tables


def _to_days(values: pd.Series) -> np.ndarray:
    """Dates (python dates, Timestamps, datetime64) as day numbers since 1970; NaT -> _NEVER."""
    # pd.to_datetime parses python date objects ~20x faster than numpy does.
    stamps = pd.to_datetime(pd.Series(values))
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    days = stamps.to_numpy().astype("datetime64[D]")
    return np.where(np.isnat(days), _NEVER, days.view(np.int64))


def _column(frame: pd.DataFrame, name: str, dtype: object = np.int64) -> np.ndarray:
    """A column as an int64 array (``dtype="days"`` for dates); empty frames may lack columns."""
    if name not in frame.columns and frame.empty:
        return np.empty(0, dtype=np.int64 if dtype in (None, "days") else dtype)
    if dtype == "days":
        return _to_days(frame[name])
    return frame[name].to_numpy(dtype=dtype)


class _Table(NamedTuple):
    """Rows of one input table that matter at D, as aligned arrays; ``loan`` is a book position."""

    loan: np.ndarray
    day: np.ndarray  # value date, due date, effective date or freeze start
    value: np.ndarray  # amount, principal, rate_micro, or the freeze's last day
    kind: np.ndarray | None = None  # index in KINDS, for transactions


def _read(frame: pd.DataFrame, index: pd.Index, as_of: int, day: str, value: str) -> _Table:
    """The rows of known loans dated on or before D."""
    loan = index.get_indexer(_column(frame, "loan_id", None))
    days = _column(frame, day, "days")
    values = _column(frame, value, "days" if value == "end" else np.int64)
    keep = (loan >= 0) & (days <= as_of)
    return _Table(loan[keep], days[keep], values[keep])


def _read_transactions(frame: pd.DataFrame, index: pd.Index, as_of: int) -> _Table:
    kind = pd.Index(KINDS).get_indexer(_column(frame, "kind", object))  # -1: a kind not read here
    loan = index.get_indexer(_column(frame, "loan_id", None))
    days = _column(frame, "value_date", "days")
    keep = (loan >= 0) & (kind >= 0) & (days <= as_of)
    return _Table(loan[keep], days[keep], _column(frame, "amount")[keep], kind[keep])


def _sorted_by_loan_and_day(table: _Table, *, stable: bool = False) -> _Table:
    if len(table.loan) == 0:
        return table
    base, span = table.day.min(), int(table.day.max() - table.day.min()) + 1
    order = np.argsort(table.loan * span + (table.day - base), stable=stable)
    return _Table(*(None if a is None else a[order] for a in table))


# ---------------------------------------------------------------------------- the calendar


class _Calendar:
    """Month lookups for a span of days, as tables: numpy's datetime64 month casts are slow."""

    def __init__(self, first: int, last: int) -> None:
        self.first = first
        days = np.arange(first, last + 1).astype("datetime64[D]")
        self.months = days.astype("datetime64[M]").view(np.int64)
        self.first_month = int(self.months[0])
        # One month beyond the last, so every month in range has a length.
        months = np.arange(self.first_month, int(self.months[-1]) + 2).astype("datetime64[M]")
        self.month_starts = months.astype("datetime64[D]").view(np.int64).astype(np.int32)

    def month_of(self, days: np.ndarray) -> np.ndarray:
        """Month number (months since January 1970) of each day number."""
        return self.months[days - self.first]

    def due_in_month(self, months: np.ndarray, due_day: np.ndarray) -> np.ndarray:
        """The due day of each month, clamped to the month's length."""
        # In place where possible: this runs on one row per loan and period.
        i = months - self.first_month
        start = self.month_starts[i]
        i += 1
        length = self.month_starts[i]
        del i
        length -= start
        np.minimum(length, due_day, out=length)
        start += length
        start -= 1
        return start


@dataclass(frozen=True)
class _Book:
    """The chunk's loans as aligned arrays, and the interest period calendar of each."""

    as_of: int
    ids: np.ndarray
    index: pd.Index
    first_day: np.ndarray  # first disbursement, or _NEVER
    accrues: np.ndarray  # disbursed on or before D
    first_month: np.ndarray
    due_day: np.ndarray
    denominator: np.ndarray  # per loan: a × RATE_SCALE × days in the year
    contract_factor: int  # a, and b below: the overdue rate is b/a of the contract rate
    overdue_factor: int  # (130% -> a = 10, b = 13, so everything stays an integer)
    calendar: _Calendar

    @classmethod
    def build(cls, as_of: dt.date, loans: pd.DataFrame, overdue_rate_percent: int) -> _Book:
        index = pd.Index(_column(loans, "loan_id", None))
        if not index.is_unique:
            raise ValueError("loan_id must be unique in loans")
        due_day = _column(loans, "due_day")
        if ((due_day < 1) | (due_day > 31)).any():
            raise ValueError("due_day must be between 1 and 31")
        as_of_day = (as_of - dt.date(1970, 1, 1)).days
        first_day = _column(loans, "first_disbursed_on", "days")
        accrues = first_day <= as_of_day
        start = np.where(accrues, first_day, as_of_day)
        # A period may end up to two months after D (the due date that closes the open period).
        days = _Calendar(int(start.min(initial=as_of_day)), as_of_day + 2 * 31)
        g = gcd(100, overdue_rate_percent)
        return cls(
            as_of=as_of_day,
            ids=index.to_numpy(),
            index=index,
            first_day=first_day,
            accrues=accrues,
            first_month=days.month_of(start),
            due_day=due_day,
            denominator=(100 // g) * RATE_SCALE * _year_days(loans),
            contract_factor=100 // g,
            overdue_factor=overdue_rate_percent // g,
            calendar=days,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def period_of(self, days: np.ndarray, loan: np.ndarray) -> np.ndarray:
        """Interest period index of each day: the number of due dates on or before it."""
        month = self.calendar.month_of(days)
        after = month - self.first_month[loan] - 1  # whole months strictly between
        reached = days >= self.calendar.due_in_month(month, self.due_day[loan])
        return np.maximum(after, 0) + ((after >= 0) & reached)


def _year_days(loans: pd.DataFrame) -> np.ndarray:
    year_days = pd.Index(list(DAY_COUNTS)).get_indexer(_column(loans, "day_count", object))
    if (year_days < 0).any():
        raise ValueError(f"day_count must be one of {sorted(DAY_COUNTS)}")
    return np.array(list(DAY_COUNTS.values()), dtype=np.int64)[year_days]


def _sum_by_loan(loan: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    total = np.zeros(size, dtype=values.dtype)
    np.add.at(total, loan, values)
    return total


def _running_sum_by_group(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each new value of the (sorted) group array."""
    running = np.cumsum(values)
    if len(values) == 0:
        return running
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    # int64 wrap-around cancels out in the subtraction, so only per-loan sums must fit.
    before = running[starts] - values[starts]
    return running - np.repeat(before, np.diff(np.r_[starts, len(values)]))
