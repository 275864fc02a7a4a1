"""Rolling a position forward one day from the previous day's (DESIGN.md, the incremental night).

A loan with nothing new since D-1 (no posting, no schedule, freeze, rate or loan change, no
freeze in force on D-1 or D, no rate taking effect on D) has on day D the state it had at the end
of D-1, so D adds exactly one day: one day's interest numerator at that state, the open period
closing if D is a due date, and the instalments due on D. The arithmetic below is the engine's
(compute.py, interest.py) for that one day, term by term; it is exact because the previous day's
unrounded numerators are carried (STATE_COLUMNS), never re-derived from rounded figures:

- day D's balances: principal P = outstanding at D-1 (no posting); the overdue principal the
  overdue rate applies to is the instalments due by D-1 beyond what was covered, capped at P,
  which is exactly the previous snapshot's ``overdue_principal``;
- interest: if D is a due date the open period (all its days end at D-1) becomes due with its
  rounded figure, which is the previous ``interest_accrued_not_due``, and the new period holds
  day D alone; otherwise the day joins the open period and that period is rounded again;
- overdue-rate interest: whole đồng per day plus the remainders, rounded once, as the engine;
- principal due grows by the instalments due on D; days past due grow by one while something is
  overdue, or start at 1 when an instalment due on D is the first one unpaid.

``roll_forward`` returns the positions and which of the given loans it could not roll (their
numbers could leave int64, or their state says none); the caller recomputes those.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.money import round_half_up_div

from .compute import _bucket
from .constants import _INT64_MAX, _MAX_PERIOD_DAYS, POSITION_COLUMNS, STATE_COLUMNS
from .tables import _Book

# What the previous day's row must hold (besides loan_id).
PREVIOUS_COLUMNS = (
    "outstanding_principal",
    "principal_due",
    "overdue_principal",
    "days_past_due",
    "interest_due",
    "interest_paid",
    "interest_written_off",
    "interest_accrued_not_due",
    "overdue_rate_interest",
    "status",
    *STATE_COLUMNS,
)
ROLLED_COLUMNS = (
    "loan_id",
    *(c for c in (*POSITION_COLUMNS, *STATE_COLUMNS) if c in PREVIOUS_COLUMNS),
)
ROLLABLE_STATUSES = ("current", "overdue")


def rollable(previous: pd.DataFrame, *, overdue_rate_percent: int = 130) -> np.ndarray:
    """Which previous rows can be rolled forward in int64 exactly: an open, unfrozen loan with
    principal owing and a state, whose day numerator and period sum stay well inside int64."""
    rate = previous["rate_micro"].fillna(-1).to_numpy(dtype=np.int64)
    principal = previous["outstanding_principal"].to_numpy(dtype=np.int64)
    factor = max(100, overdue_rate_percent)  # ≥ a and b of the engine's 130/100 = b/a
    bound = _INT64_MAX // (4 * _MAX_PERIOD_DAYS * factor)
    with np.errstate(over="ignore"):
        small = (rate >= 0) & (principal > 0) & (principal <= bound // np.maximum(rate, 1))
    state = previous[list(STATE_COLUMNS)].notna().all(axis=1).to_numpy()
    return small & state & previous["status"].isin(ROLLABLE_STATUSES).to_numpy()


def roll_forward(
    *,
    as_of: dt.date,
    loans: pd.DataFrame,
    previous: pd.DataFrame,
    due_on_day: pd.DataFrame,
    bucket_bounds: tuple[int, ...] = (30, 90, 180, 360),
    overdue_rate_percent: int = 130,
) -> pd.DataFrame:
    """Positions at the end of `as_of` (ROLLED_COLUMNS and bucket) of loans whose `previous`
    rows are their positions at the end of the day before, each `rollable`.

    loans(loan_id, first_disbursed_on, due_day, day_count) as for the engine, in the order of
    `previous`; due_on_day(loan_id, principal): their instalments due on `as_of`."""
    book = _Book.build(as_of, loans, overdue_rate_percent)
    prev = {c: previous[c].to_numpy(dtype=np.int64) for c in PREVIOUS_COLUMNS if c != "status"}
    n = len(book)
    out = {"loan_id": book.ids}
    out |= _principal(book, prev, _due_per_loan(book, due_on_day))
    out |= _interest(book, prev)
    unpaid = out["interest_due"] - prev["interest_paid"] - prev["interest_written_off"]
    out["interest_arrears"] = np.maximum(unpaid, 0)
    out["bucket"] = _bucket(out["days_past_due"], tuple(bucket_bounds))
    out["status"] = np.where(out["overdue_principal"] > 0, "overdue", "current").astype(object)
    for name in ("interest_paid", "interest_written_off", "principal_covered", "rate_micro"):
        out[name] = prev[name]
    columns = [*ROLLED_COLUMNS, "interest_arrears", "bucket"]
    return pd.DataFrame({name: out[name] for name in columns}, index=np.arange(n))


def _due_per_loan(book: _Book, due_on_day: pd.DataFrame) -> np.ndarray:
    due = np.zeros(len(book), dtype=np.int64)
    position = book.index.get_indexer(due_on_day["loan_id"].to_numpy())
    keep = position >= 0
    np.add.at(due, position[keep], due_on_day["principal"].to_numpy(dtype=np.int64)[keep])
    return due


def _principal(book: _Book, prev: dict, due_today: np.ndarray) -> dict[str, np.ndarray]:
    """Principal due and overdue at D and days past due (compute._principal_figures for D)."""
    outstanding, covered = prev["outstanding_principal"], prev["principal_covered"]
    principal_due = prev["principal_due"] + due_today
    overdue = np.maximum(np.minimum(principal_due - covered, outstanding), 0)
    # Overdue at D-1: the oldest unpaid instalment stays the oldest; else the one due on D is.
    days = np.where(prev["overdue_principal"] > 0, prev["days_past_due"] + 1, 1)
    return {
        "outstanding_principal": outstanding,
        "principal_due": principal_due,
        "overdue_principal": overdue,
        "days_past_due": np.where(overdue > 0, days, 0),
    }


def _interest(book: _Book, prev: dict) -> dict[str, np.ndarray]:
    """Day D's interest added to the open period (or opening a new one), and the overdue-rate
    interest's day, rounded as the engine rounds them (interest.py)."""
    n, day = len(book), np.full(len(book), book.as_of)
    everyone = np.arange(n)
    new_period = book.period_of(day, everyone) != book.period_of(day - 1, everyone)
    principal, overdue = prev["outstanding_principal"], prev["overdue_principal"]
    rate = prev["rate_micro"]
    overdue_part = rate * book.overdue_factor * overdue
    daily = rate * book.contract_factor * (principal - overdue) + overdue_part
    den = book.denominator
    numerator = np.where(new_period, daily, prev["accrued_numerator"] + daily)
    carried = prev["interest_accrued_not_due"] - round_half_up_div(prev["accrued_numerator"], den)
    accrued = round_half_up_div(numerator, den) + np.where(new_period, 0, carried)
    remainders = prev["overdue_remainder"] + overdue_part % den
    whole = prev["overdue_rate_interest"] - round_half_up_div(prev["overdue_remainder"], den)
    return {
        "interest_due": prev["interest_due"]
        + np.where(new_period, prev["interest_accrued_not_due"], 0),
        "interest_accrued_not_due": accrued,
        "overdue_rate_interest": whole + overdue_part // den + round_half_up_div(remainders, den),
        "accrued_numerator": numerator,
        "overdue_remainder": remainders,
    }
