"""Balance events and the segments of constant state they cut a loan's days into."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .constants import (
    _CH_COVER,
    _CH_DISB,
    _CH_DUE,
    _CH_FROZEN,
    _CH_RATE,
    _DISB,
    _INT64_MAX,
    _MAX_PERIOD_DAYS,
    _NEVER,
    _OPEN,
    _REPAID,
    _WO,
)
from .tables import (
    _Book,
    _running_sum_by_group,
    _sorted_by_loan_and_day,
    _Table,
)

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
