"""The engine's columns, journal kinds and integer scales."""

from __future__ import annotations

import numpy as np

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
# What the engine can add to each position (``with_state``) so that the next day can be rolled
# forward from it exactly (loans/positions/rollforward.py): the principal repaid or written off,
# the contract rate in force at D (unfrozen; -1: no exact state, roll nothing forward), the open
# period's interest numerator before rounding (without a taken-on loan's carried whole đồng) and
# the lifetime overdue-rate interest's remainders before rounding.
STATE_COLUMNS = ("principal_covered", "rate_micro", "accrued_numerator", "overdue_remainder")
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
