"""Interest per period, rounded half-up once per period (DOMAIN.md §4)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from core.money import round_half_up_div

from .constants import (
    _CH_RATE,
    _INT64_MAX,
    _OPEN_ACCRUED,
    _OPEN_ARREARS,
    _OPEN_OVERDUE,
)
from .segments import _daily_numerators, _events, _Segments, _segments
from .tables import (
    _Book,
    _sum_by_loan,
    _Table,
)

# ---------------------------------------------------------------------------------- interest

_STATE_LIMIT = _INT64_MAX // 4  # a state value the roll-forward can add a day to in int64


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


def _overdue_rate_interest(
    book: _Book, seg: _Segments, daily: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All the overdue-rate interest since the first disbursement, rounded once per loan, and
    the sum of the remainders that were rounded (the roll-forward's state)."""
    # A lifetime numerator can outgrow int64, so split each day's numerator into whole đồng and
    # a remainder below the denominator before multiplying by the segment's days.
    denominator = book.denominator[seg.loan]
    whole, remainder = daily // denominator, daily % denominator
    days = seg.end - seg.start
    n = len(book)
    total_whole = _sum_by_loan(seg.loan, days * whole, n)
    remainders = _sum_by_loan(seg.loan, days * remainder, n)
    return total_whole + round_half_up_div(remainders, book.denominator), remainders


def _interest_figures(book: _Book, tables: dict[str, _Table]) -> dict[str, np.ndarray]:
    """interest_due, interest_accrued_not_due and overdue_rate_interest per loan."""
    n, events = len(book), _events(book, tables)
    names = ("interest_due", "interest_accrued_not_due", "overdue_rate_interest")
    opening = _openings(book, tables["transactions"])
    if len(events.loan) == 0:
        zero = np.zeros(n, dtype=np.int64)
        figures = dict(zip(names, (opening["arrears"], zero, opening["overdue"]), strict=True))
        state = {"rate_micro": np.full(n, -1), "accrued_numerator": zero, "overdue_remainder": zero}
        return figures | state
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
    overdue_rate, remainders = _overdue_rate_interest(book, seg, daily_overdue)
    figures = (
        _sum_by_loan(sums.loan[is_due], rounded[is_due], n) + opening["arrears"],
        _sum_by_loan(sums.loan[is_open], rounded[is_open], n),
        overdue_rate + opening["overdue"],
    )
    out = {name: values.astype(np.int64) for name, values in zip(names, figures, strict=True)}
    numerator = _sum_by_loan(sums.loan[is_open], sums.total[is_open], n)
    return out | _state(book, seg, numerator, remainders)


def _state(book: _Book, seg: _Segments, numerator, remainders) -> dict[str, np.ndarray]:
    """The roll-forward's state per loan (STATE_COLUMNS): the rate in force at D (the state of
    each loan's last segment), the open period's numerator and the overdue-rate remainders.
    A loan whose figures needed Python integers (no int64 fits) gets rate -1: no state."""
    n = len(book)
    rate = np.full(n, -1, dtype=np.int64)
    last = np.r_[seg.loan[1:] != seg.loan[:-1], True]
    rate[seg.loan[last]] = seg.state[_CH_RATE][last]
    fits = np.ones(n, dtype=bool)
    values = []
    for column in (numerator, remainders):
        if column.dtype == object:
            fits &= np.array([abs(int(v)) < _STATE_LIMIT for v in column], dtype=bool)
            column = np.where(fits, column, 0).astype(np.int64)
        values.append(column.astype(np.int64))
    rate[~fits] = -1
    return {"rate_micro": rate, "accrued_numerator": values[0], "overdue_remainder": values[1]}


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
