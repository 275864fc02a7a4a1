"""Principal figures, buckets and statuses, and ``compute_positions`` assembling them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .constants import (
    _DISB,
    _INT_PAID,
    _INT_WO,
    _NEVER,
    _OPEN,
    _REPAID,
    _WO,
    KINDS,
    POSITION_COLUMNS,
    STATE_COLUMNS,
)
from .interest import _interest_figures
from .tables import (
    _Book,
    _read,
    _read_transactions,
    _running_sum_by_group,
    _sorted_by_loan_and_day,
    _sum_by_loan,
    _Table,
)

# ---------------------------------------------------------------------- principal figures


def _principal_figures(book: _Book, totals: np.ndarray, instalments: _Table) -> dict:
    """Principal totals, what is due and overdue at D, and days past due."""
    # A taken-on loan's opening principal counts as disbursed: its file's instalments are the
    # parts still unpaid at C, so nothing before C covers them.
    disbursed = totals[:, _DISB] + totals[:, _OPEN]
    out = {"disbursed": disbursed, "principal_repaid": totals[:, _REPAID]}
    out["written_off"] = totals[:, _WO]
    # Written-off principal covers instalments like a repayment (decision).
    covered = out["principal_covered"] = totals[:, _REPAID] + totals[:, _WO]
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
    with_state: bool = False,
) -> pd.DataFrame:
    """Position of each loan at the end of day ``as_of`` (DOMAIN.md §4), one row per input loan.

    Tables: loans(loan_id, first_disbursed_on, due_day, day_count), instalments(loan_id,
    due_date, principal), transactions(loan_id, value_date, kind, amount; reversals negative),
    rates(loan_id, effective_from, rate_micro), freezes(loan_id, start, end inclusive or null);
    `with_state` adds STATE_COLUMNS, what rolling the position forward a day needs."""
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
    columns = (*POSITION_COLUMNS, *STATE_COLUMNS) if with_state else POSITION_COLUMNS
    return pd.DataFrame({name: out[name] for name in columns})
