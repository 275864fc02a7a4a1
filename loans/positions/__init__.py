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

from .compute import compute_positions
from .constants import DAY_COUNTS, KINDS, POSITION_COLUMNS, RATE_SCALE, STATE_COLUMNS
from .schedule import add_months, build_schedule, interest_due_dates, spread_tranche

__all__ = [
    "DAY_COUNTS",
    "KINDS",
    "POSITION_COLUMNS",
    "RATE_SCALE",
    "STATE_COLUMNS",
    "add_months",
    "build_schedule",
    "compute_positions",
    "interest_due_dates",
    "spread_tranche",
]
