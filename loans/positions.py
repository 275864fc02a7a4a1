"""Loan positions as of a date for a set of loans, computed set-based (DOMAIN.md §4).

A pure module (numpy and pandas only, no Django) so the nightly job, the single-loan API and the
reports all call the same arithmetic. Everything is integer: amounts are whole đồng in int64, rates
are annual rates in units of 1e-4 percent (``rate_micro``: 6.6% -> 66000) and interest is carried as
an exact numerator over a per-loan denominator until it is rounded half-up, once per period.

How it stays vectorised: between two events (a posting, an instalment falling overdue, a rate or a
freeze change) a loan's balances are constant, so the days from the first disbursement to D are cut
into segments of constant state, each segment is cut again at the interest due dates, and the pieces
are summed per (loan, period) with ``np.add.reduceat``. No Python loop runs per loan.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from math import gcd
from typing import NamedTuple

import numpy as np
import pandas as pd

from core.money import round_half_up_div

POSITION_COLUMNS = (
    "loan_id",
    "disbursed",
    "principal_repaid",
    "written_off",
    "outstanding_principal",
    "principal_due",
    "overdue_principal",
    "days_past_due",
    "interest_due",
    "interest_paid",
    "interest_written_off",
    "interest_arrears",
    "interest_accrued_not_due",
    "overdue_rate_interest",
    "bucket",
    "status",
)
# Journal kinds the computation reads; the index is the column of the per-loan totals table.
KINDS = (
    "disbursement",
    "principal_repayment",
    "write_off",
    "interest_payment",
    "interest_write_off",
    # A taken-on loan's state at the cut-over date C (loans/takeon), all value-dated C: the
    # outstanding principal (it earns from C + 1), the interest arrears (due on or before C),
    # the open period's interest through C (carried into that period, rounded once with the
    # days after C) and the overdue-rate interest to C.
    "opening_balance",
    "opening_interest_arrears",
    "opening_accrued_interest",
    "opening_overdue_interest",
)
_DISB, _REPAID, _WO, _INT_PAID, _INT_WO, _OPEN, _OPEN_ARREARS, _OPEN_ACCRUED, _OPEN_OVERDUE = range(
    len(KINDS)
)
RATE_SCALE = 1_000_000  # rate_micro per unit: 66000 / 1e6 = 0.066 = 6.6%
DAY_COUNTS = {"act365": 365, "month30": 360}  # month30: annual / 12 per month, / 30 per day
_INT64_MAX = int(np.iinfo(np.int64).max)
_NEVER = _INT64_MAX // 4  # a day number beyond any date; room left for +1 and subtraction
_MAX_PERIOD_DAYS = 62  # the longest interest period (1 Jul -> 31 Aug) is 61 days
# State channels carried by the events; their per-loan running sums are the balances.
_CH_DISB, _CH_COVER, _CH_DUE, _CH_RATE, _CH_FROZEN = range(5)


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


# ---------------------------------------------------------------------- principal figures


def _principal_figures(book: _Book, totals: np.ndarray, instalments: _Table) -> dict:
    """Principal totals, what is due and overdue at D, and days past due."""
    # A taken-on loan's opening principal counts as disbursed: its file's instalments are the
    # parts still unpaid at C, so nothing before C covers them.
    disbursed = totals[:, _DISB] + totals[:, _OPEN]
    out = {"disbursed": disbursed, "principal_repaid": totals[:, _REPAID]}
    out["written_off"] = totals[:, _WO]
    # Written-off principal covers instalments like a repayment (decision).
    covered = totals[:, _REPAID] + totals[:, _WO]
    out["outstanding_principal"] = disbursed - covered
    out["principal_due"] = _sum_by_loan(instalments.loan, instalments.value, len(book))
    overdue = np.minimum(out["principal_due"] - covered, out["outstanding_principal"])
    out["overdue_principal"] = np.maximum(overdue, 0)
    oldest = _oldest_uncovered_due_date(book, instalments, covered)
    out["days_past_due"] = np.where(out["overdue_principal"] > 0, book.as_of - oldest + 1, 0)
    return out


def _oldest_uncovered_due_date(book: _Book, instalments: _Table, covered: np.ndarray) -> np.ndarray:
    """Due date of each loan's oldest instalment not fully covered, covering oldest first."""
    loan, due, amount, _ = _sorted_by_loan_and_day(instalments)
    # With payments applied oldest first, the instalments not covered are a suffix.
    uncovered = _running_sum_by_group(amount, loan) > covered[loan]
    oldest = np.full(len(book), _NEVER, dtype=np.int64)
    np.minimum.at(oldest, loan[uncovered], due[uncovered])
    return oldest


# ------------------------------------------------------------------------ state and segments


def _events(book: _Book, tables: dict[str, _Table]) -> _Table:
    """Every change of a balance (kind = channel, value = delta) of the loans that accrue by D."""
    tx, inst, rates, frz = (tables[k] for k in ("transactions", "instalments", "rates", "freezes"))
    disb, cover = tx.kind == _DISB, (tx.kind == _REPAID) | (tx.kind == _WO)
    opening = tx.kind == _OPEN
    anchor = np.flatnonzero(book.accrues)  # so every loan has a segment from its first day
    parts = [
        (anchor, book.first_day[anchor], _CH_DISB, 0),
        (tx.loan[disb], tx.day[disb], _CH_DISB, tx.value[disb]),
        # The file's figures already hold day C's interest: the opening principal earns from C+1.
        (tx.loan[opening], tx.day[opening] + 1, _CH_DISB, tx.value[opening]),
        # Repayments and principal write-offs both reduce the balance and cover instalments.
        (tx.loan[cover], tx.day[cover], _CH_COVER, tx.value[cover]),
        # An instalment counts as overdue from the day after its due date.
        (inst.loan, inst.day + 1, _CH_DUE, inst.value),
        (rates.loan, rates.day, _CH_RATE, _rate_steps(rates)),
        # Overlapping freezes are counted; a day is frozen while the count is positive.
        (frz.loan, frz.day, _CH_FROZEN, 1),
        (frz.loan, np.minimum(frz.value, _NEVER - 1) + 1, _CH_FROZEN, -1),
    ]
    loan = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    channel = np.concatenate([np.full(len(p[0]), p[2], np.int64) for p in parts])
    delta = np.concatenate([np.broadcast_to(np.asarray(p[3], np.int64), len(p[0])) for p in parts])
    keep = (day <= book.as_of) & book.accrues[loan]
    loan = loan[keep]
    # What happened before the first disbursement is simply part of the state on that day.
    return _Table(loan, np.maximum(day[keep], book.first_day[loan]), delta[keep], channel[keep])


def _rate_steps(rates: _Table) -> np.ndarray:
    """Each rate as a step from the loan's previous one, so running sums give the rate in force."""
    if len(rates.loan) == 0:
        return rates.value
    first = np.r_[True, rates.loan[1:] != rates.loan[:-1]]
    return np.where(first, rates.value, rates.value - np.r_[0, rates.value[:-1]])


class _Segments(NamedTuple):
    """Runs of days [start, end) of one loan with constant balances, rate and freeze."""

    loan: np.ndarray
    start: np.ndarray
    end: np.ndarray
    state: np.ndarray  # shape (5, n): the running sum of each channel


def _segments(book: _Book, events: _Table) -> _Segments:
    loan, day, delta, channel = _sorted_by_loan_and_day(events)
    state = np.stack(
        [_running_sum_by_group(np.where(channel == c, delta, 0), loan) for c in range(5)]
    )
    # A day's state is the one after its last event; it lasts until the next event day.
    last = np.r_[(loan[1:] != loan[:-1]) | (day[1:] != day[:-1]), True]
    loan, start, state = loan[last], day[last], state[:, last]
    same_loan_next = np.r_[loan[1:] == loan[:-1], False]
    end = np.where(same_loan_next, np.r_[start[1:], 0], book.as_of + 1)
    return _Segments(loan, start, end, state)


def _daily_numerators(book: _Book, seg: _Segments) -> tuple[np.ndarray, np.ndarray]:
    """Per segment, one day's interest (all of it, and its overdue-rate part) × the denominator."""
    principal = seg.state[_CH_DISB] - seg.state[_CH_COVER]
    overdue = np.maximum(0, np.minimum(seg.state[_CH_DUE] - seg.state[_CH_COVER], principal))
    rate = np.where(seg.state[_CH_FROZEN] > 0, 0, seg.state[_CH_RATE])
    a, b = book.contract_factor, book.overdue_factor
    if _may_overflow(principal, rate, max(a, b)):
        principal, overdue, rate = (x.astype(object) for x in (principal, overdue, rate))
    overdue_part = rate * b * overdue
    return rate * a * (principal - overdue) + overdue_part, overdue_part


def _may_overflow(principal: np.ndarray, rate: np.ndarray, factor: int) -> bool:
    """Whether int64 could overflow; if so the caller falls back to exact Python ints (slow)."""
    if len(principal) == 0:
        return False
    day = int(np.abs(principal).max()) * int(np.abs(rate).max()) * factor
    # A period sums at most 62 days; half-up rounding doubles it, and a margin for the sums.
    return day * _MAX_PERIOD_DAYS * 4 > _INT64_MAX


# ---------------------------------------------------------------------------------- interest


class _PeriodSums(NamedTuple):
    """Exact interest numerators summed per (loan, period), in loan then period order."""

    loan: np.ndarray
    period: np.ndarray
    total: np.ndarray


def _period_sums(book: _Book, seg: _Segments, daily: np.ndarray) -> _PeriodSums:
    """Cut each segment at the interest due dates and sum the pieces per (loan, period)."""
    first = book.period_of(seg.start, seg.loan)
    count = book.period_of(seg.end - 1, seg.loan) - first + 1
    heads = np.cumsum(count) - count  # each segment's first piece
    # Pieces outnumber segments (one per period), so their day arithmetic runs in int32.
    period = np.arange(heads[-1] + count[-1], dtype=np.int32)
    period -= np.repeat(heads - first, count).astype(np.int32)
    numerator = _piece_days(book, seg, period, heads, count) * np.repeat(daily, count)
    # Within a segment every piece opens a new period; a segment's first piece continues the
    # previous piece's period unless the loan or the period changed.
    new_group = np.ones(len(period), dtype=bool)
    new_group[heads[1:]] = (seg.loan[1:] != seg.loan[:-1]) | (first[1:] != period[heads[1:] - 1])
    groups = np.flatnonzero(new_group)
    loan = np.repeat(seg.loan, count)[groups]
    return _PeriodSums(loan, period[groups], np.add.reduceat(numerator, groups))


def _piece_days(book: _Book, seg: _Segments, period, heads, count) -> np.ndarray:
    """Days of each piece: from its period's start (a due date) to the next piece's start,
    clipped to its segment. Period 0 can only head a segment, so its start comes from there."""
    months = np.repeat(book.first_month[seg.loan].astype(np.int32), count)
    months += period
    start = book.calendar.due_in_month(months, np.repeat(book.due_day[seg.loan], count))
    del months
    days = np.empty_like(start)
    days[:-1] = start[1:]
    start[heads], days[heads + count - 1] = seg.start, seg.end
    days -= start
    return days


def _overdue_rate_interest(book: _Book, seg: _Segments, daily: np.ndarray) -> np.ndarray:
    """All the overdue-rate interest since the first disbursement, rounded once per loan."""
    # A lifetime numerator can outgrow int64, so split each day's numerator into whole đồng and
    # a remainder below the denominator before multiplying by the segment's days.
    denominator = book.denominator[seg.loan]
    whole, remainder = daily // denominator, daily % denominator
    days = seg.end - seg.start
    n = len(book)
    total_whole = _sum_by_loan(seg.loan, days * whole, n)
    return total_whole + round_half_up_div(
        _sum_by_loan(seg.loan, days * remainder, n), book.denominator
    )


def _interest_figures(book: _Book, tables: dict[str, _Table]) -> dict[str, np.ndarray]:
    """interest_due, interest_accrued_not_due and overdue_rate_interest per loan."""
    n, events = len(book), _events(book, tables)
    names = ("interest_due", "interest_accrued_not_due", "overdue_rate_interest")
    opening = _openings(book, tables["transactions"])
    if len(events.loan) == 0:
        zero = np.zeros(n, dtype=np.int64)
        return dict(zip(names, (opening["arrears"], zero, opening["overdue"]), strict=True))
    seg = _segments(book, events)
    del events  # memory stays flatter on big chunks
    daily_total, daily_overdue = _daily_numerators(book, seg)
    sums = _period_sums(book, seg, daily_total)
    rounded = round_half_up_div(sums.total, book.denominator[sums.loan])  # once per period
    # A whole đồng added to a period's sum before rounding adds exactly itself after it.
    carried = sums.period == opening["period"][sums.loan]
    rounded = rounded + np.where(carried, opening["accrued"][sums.loan], 0)
    open_period = book.period_of(np.full(n, book.as_of), np.arange(n))[sums.loan]
    is_due, is_open = sums.period < open_period, sums.period == open_period
    figures = (
        _sum_by_loan(sums.loan[is_due], rounded[is_due], n) + opening["arrears"],
        _sum_by_loan(sums.loan[is_open], rounded[is_open], n),
        _overdue_rate_interest(book, seg, daily_overdue) + opening["overdue"],
    )
    return {name: values.astype(np.int64) for name, values in zip(names, figures, strict=True)}


def _openings(book: _Book, tx: _Table) -> dict[str, np.ndarray]:
    """A taken-on loan's opening interest figures, per loan; ``period`` is the interest period
    of the cut-over date, into which the accrued interest is carried (-1: none)."""
    n = len(book)
    out = {
        name: _sum_by_loan(tx.loan[tx.kind == kind], tx.value[tx.kind == kind], n)
        for name, kind in (
            ("arrears", _OPEN_ARREARS),
            ("accrued", _OPEN_ACCRUED),
            ("overdue", _OPEN_OVERDUE),
        )
    }
    accrued = tx.kind == _OPEN_ACCRUED
    out["period"] = np.full(n, -1, dtype=np.int64)
    if accrued.any():
        out["period"][tx.loan[accrued]] = book.period_of(tx.day[accrued], tx.loan[accrued])
    return out


# --------------------------------------------------------------------------------- assembly


def _bucket(days_past_due: np.ndarray, bounds: tuple[int, ...]) -> np.ndarray:
    """Ageing bucket labels: 'current', '1-30', '31-90', ... '>360' for the default bounds."""
    lows = (0, *bounds[:-1])
    labels = [f"{lo + 1}-{hi}" for lo, hi in zip(lows, bounds, strict=True)] + [f">{bounds[-1]}"]
    ageing = np.array(labels, dtype=object)[np.searchsorted(bounds, days_past_due, side="left")]
    return np.where(days_past_due == 0, "current", ageing)


def _status(out: dict[str, np.ndarray], frozen: np.ndarray) -> np.ndarray:
    """The first that applies: not_disbursed, written_off, closed, frozen, overdue, current."""
    repaid = out["outstanding_principal"] == 0
    conditions = [
        out["disbursed"] <= 0,
        (out["written_off"] > 0) & repaid,
        repaid & (out["interest_arrears"] == 0),
        frozen,
        out["overdue_principal"] > 0,
    ]
    choices = ["not_disbursed", "written_off", "closed", "frozen", "overdue"]
    return np.select(conditions, choices, default="current").astype(object)


def _frozen_on_as_of(book: _Book, freezes: _Table) -> np.ndarray:
    frozen = np.zeros(len(book), dtype=bool)
    frozen[freezes.loan[freezes.value >= book.as_of]] = True  # started on or before D already
    return frozen


def compute_positions(
    *,
    as_of: dt.date,
    loans: pd.DataFrame,
    instalments: pd.DataFrame,
    transactions: pd.DataFrame,
    rates: pd.DataFrame,
    freezes: pd.DataFrame,
    bucket_bounds: tuple[int, ...] = (30, 90, 180, 360),
    overdue_rate_percent: int = 130,
) -> pd.DataFrame:
    """Position of each loan at the end of day ``as_of`` (DOMAIN.md §4), one row per input loan.

    Tables: loans(loan_id, first_disbursed_on, due_day, day_count), instalments(loan_id,
    due_date, principal), transactions(loan_id, value_date, kind, amount; reversals negative),
    rates(loan_id, effective_from, rate_micro), freezes(loan_id, start, end inclusive or null).
    """
    book = _Book.build(as_of, loans, overdue_rate_percent)
    tables = {
        "transactions": _read_transactions(transactions, book.index, book.as_of),
        "instalments": _read(instalments, book.index, book.as_of, "due_date", "principal"),
        # Stable, so of two rates effective the same day the one given last wins.
        "rates": _sorted_by_loan_and_day(
            _read(rates, book.index, book.as_of, "effective_from", "rate_micro"), stable=True
        ),
        "freezes": _read(freezes, book.index, book.as_of, "start", "end"),
    }
    tx = tables["transactions"]
    totals = np.zeros((len(book), len(KINDS)), dtype=np.int64)
    np.add.at(totals, (tx.loan, tx.kind), tx.value)
    out = {"loan_id": book.ids} | _principal_figures(book, totals, tables["instalments"])
    out |= _interest_figures(book, tables)
    out["interest_paid"], out["interest_written_off"] = totals[:, _INT_PAID], totals[:, _INT_WO]
    unpaid = out["interest_due"] - out["interest_paid"] - out["interest_written_off"]
    out["interest_arrears"] = np.maximum(unpaid, 0)
    out["bucket"] = _bucket(out["days_past_due"], tuple(bucket_bounds))
    out["status"] = _status(out, _frozen_on_as_of(book, tables["freezes"]))
    return pd.DataFrame({name: out[name] for name in POSITION_COLUMNS})
