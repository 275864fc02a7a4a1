"""The incremental night's roll-forward in one statement on PostgreSQL.

The rows of D-1 of an office's loans with nothing new (tasks/jobs/incremental.py) become rows
of D inside the database: `INSERT INTO snapshot SELECT ... FROM snapshot` with the one-day
arithmetic of loans/positions/rollforward.py written term by term in bigint SQL, so nothing of
the ~97% of the book that merely rolls forward travels to Python and back. The rules that pick
the loans are those of `incremental.split_chunk` and `rollforward.rollable`, spelled in SQL:

- a row of D-1 with the state, status current or overdue, principal owing and small enough
  that every product below stays inside bigint (the same bound as `rollable`);
- the loan open on D (the caller's ids), first disbursed by D-1, with a contract rate, not
  changed since the previous run, its programme without a rate taking effect on D;
- no instalment falling due on D-1: those loans may owe a transfer to overdue on D, which the
  pandas path works out (they are few); the instalments due on D join from the schedule.

Rounding is `core.money.round_half_up_div`: (2n + d) / (2d) on non-negative bigints, where
PostgreSQL's integer division truncates, which is the floor there. The rows are exactly those
of the pandas path (tests/tasks/test_incremental.py compares them with a full night).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from math import gcd

import numpy as np
from django.conf import settings
from django.db import connection

from loans.models import PositionSnapshot
from loans.positions.constants import _INT64_MAX, _MAX_PERIOD_DAYS, DAY_COUNTS, RATE_SCALE

from .snapshots import SNAPSHOT_FIELDS, STATE_FIELDS

# The figures the statement returns for the office's totals (arrears.OFFICE_COUNTS).
_TOTALS = ("outstanding_principal", "overdue_principal", "interest_arrears")


def bucket_sql(days: str, bounds: tuple[int, ...]) -> str:
    """SQL: the ageing bucket label of `days` past due (compute._bucket's labels)."""
    lows = (0, *bounds[:-1])
    cases = " ".join(
        f"WHEN {days} <= {hi} THEN '{lo + 1}-{hi}'" for lo, hi in zip(lows, bounds, strict=True)
    )
    return f"CASE WHEN {days} = 0 THEN 'current' {cases} ELSE '>{bounds[-1]}' END"


def _new_period_sql(as_of: date) -> str:
    """SQL: whether D is the loan's interest due date (the open period closes at D-1): a due
    date falls in every month after the first disbursement's, on the due day clamped to the
    month's length (tables._Book.period_of changes between D-1 and D exactly then)."""
    month_days = calendar.monthrange(as_of.year, as_of.month)[1]
    due_day = "l.due_day = %(day_of_month)s"
    if as_of.day == month_days:  # a due day beyond the month's end falls on its last day
        due_day = "l.due_day >= %(day_of_month)s"
    return f"(l.first_disbursed_on < %(month_start)s AND {due_day})"


def _instalments_sql(day: str) -> str:
    """SQL: the instalments due on `day` of the schedule version in force at D, per loan of
    the office (every candidate is the office's: the open ids are; without it, every office's
    instalments of the day would have their versions looked up, once per office)."""
    return f"""
        SELECT i.loan_id, SUM(i.principal) AS principal
        FROM loans_instalment i JOIN loans_scheduleversion v ON v.id = i.version_id
        JOIN loans_loan il ON il.id = i.loan_id AND il.office_id = %(office)s
        WHERE i.due_date = {day}
            AND v.number = (SELECT MAX(w.number) FROM loans_scheduleversion w
                            WHERE w.loan_id = i.loan_id AND w.effective_from <= %(as_of)s)
        GROUP BY i.loan_id"""


def _statement(as_of: date) -> str:
    table = PositionSnapshot._meta.db_table
    g = gcd(100, settings.OVERDUE_RATE_PERCENT)
    contract, overdue = 100 // g, settings.OVERDUE_RATE_PERCENT // g
    year_days = " ".join(f"WHEN '{name}' THEN {days}" for name, days in DAY_COUNTS.items())
    rhud = "((2 * ({n}) + {d}) / (2 * ({d})))"  # round_half_up_div, non-negative bigints

    def half_up(numerator: str, denominator: str = "den") -> str:
        return rhud.format(n=numerator, d=denominator)

    columns = ["as_of", "loan_id", "office_id", "programme_id", *SNAPSHOT_FIELDS, *STATE_FIELDS]
    state = " AND ".join(f"p.{c} IS NOT NULL" for c in STATE_FIELDS)
    return f"""
    WITH candidates AS (
        SELECT p.*, l.programme_id AS loan_programme, l.office_id AS loan_office,
            {_new_period_sql(as_of)} AS new_period,
            CAST({contract * RATE_SCALE} AS bigint)
                * CASE pr.day_count {year_days} END AS den
        FROM {table} p
        JOIN unnest(string_to_array(%(open)s, ',')::bigint[]) AS o(id) ON o.id = p.loan_id
        JOIN loans_loan l ON l.id = p.loan_id
        JOIN programmes_programme pr ON pr.id = l.programme_id
        WHERE p.as_of = %(yesterday)s AND p.office_id = %(office)s
            AND p.status IN ('current', 'overdue') AND {state} AND p.rate_micro >= 0
            AND p.outstanding_principal > 0
            AND p.outstanding_principal <= %(bound)s / GREATEST(p.rate_micro, 1)
            AND l.first_disbursed_on <= %(yesterday)s AND l.contract_rate IS NOT NULL
            AND p.loan_id <> ALL(string_to_array(%(changed)s, ',')::bigint[])
            AND l.programme_id <> ALL(string_to_array(%(programmes)s, ',')::bigint[])
            AND NOT EXISTS (SELECT 1 FROM ({_instalments_sql("%(yesterday)s")}) y
                            WHERE y.loan_id = p.loan_id)
    ), day AS (
        SELECT c.*, c.principal_due + COALESCE(t.principal, 0) AS due_now,
            c.rate_micro * {overdue} * c.overdue_principal AS overdue_part
        FROM candidates c LEFT JOIN ({_instalments_sql("%(as_of)s")}) t ON t.loan_id = c.loan_id
    ), figures AS (
        SELECT d.*,
            GREATEST(LEAST(due_now - principal_covered, outstanding_principal), 0) AS overdue_now,
            d.rate_micro * {contract} * (outstanding_principal - overdue_principal)
                + overdue_part AS daily
        FROM day d
    ), rolled AS (
        SELECT f.*,
            CASE WHEN new_period THEN daily ELSE accrued_numerator + daily END AS numerator,
            overdue_remainder + overdue_part %% den AS remainders,
            interest_due + CASE WHEN new_period THEN interest_accrued_not_due ELSE 0 END
                AS due_interest,
            CASE WHEN overdue_now = 0 THEN 0 WHEN overdue_principal > 0
                THEN days_past_due + 1 ELSE 1 END AS days
        FROM figures f
    ), written AS (
        INSERT INTO {table} ({", ".join(columns)})
        SELECT %(as_of)s, loan_id, loan_office, loan_programme,
            outstanding_principal, due_now, overdue_now, days, due_interest, interest_paid,
            GREATEST(due_interest - interest_paid - interest_written_off, 0),
            {half_up("numerator")} + CASE WHEN new_period THEN 0
                ELSE interest_accrued_not_due - {half_up("accrued_numerator")} END,
            overdue_rate_interest - {half_up("overdue_remainder")} + overdue_part / den
                + {half_up("remainders")},
            {bucket_sql("days", tuple(settings.AGEING_BUCKET_BOUNDS))},
            CASE WHEN overdue_now > 0 THEN 'overdue' ELSE 'current' END,
            interest_written_off, principal_covered, rate_micro, numerator, remainders
        FROM rolled
        RETURNING loan_id, {", ".join(_TOTALS)}
    )
    SELECT COUNT(*), COUNT(*) FILTER (WHERE overdue_principal > 0),
        {", ".join(f"COALESCE(SUM({c}), 0)" for c in _TOTALS)},
        string_agg(int8send(loan_id), ''::bytea)
    FROM written"""


def roll_forward_in_sql(
    *, as_of: date, office_id: int, open_ids: np.ndarray, changed: set[int], programmes: set[int]
) -> tuple[np.ndarray, dict[str, int]]:
    """Write the office's rows of `as_of` for the loans of `open_ids` that roll forward in SQL;
    their ids and their part of the office's totals (arrears.OFFICE_COUNTS, rolled_forward)."""
    factor = max(100, settings.OVERDUE_RATE_PERCENT)  # as rollforward.rollable
    day = as_of
    params: dict[str, date | int | str] = {
        "as_of": day,
        "yesterday": day - timedelta(days=1),
        "office": office_id,
        "open": _id_text(open_ids),
        "changed": _id_text(changed),
        "programmes": _id_text(programmes),
        "bound": _INT64_MAX // (4 * _MAX_PERIOD_DAYS * factor),
        "month_start": day.replace(day=1),
        "day_of_month": day.day,
    }
    with connection.cursor() as cursor:
        cursor.execute(_statement(as_of), params)
        loans, overdue_loans, *sums, packed = cursor.fetchone()
    ids = np.empty(0, dtype=np.int64) if packed is None else np.frombuffer(packed, ">i8")
    counts = {"loans": loans, "overdue_loans": overdue_loans, "rolled_forward": loans}
    return ids.astype(np.int64), counts | {
        name: int(value) for name, value in zip(_TOTALS, sums, strict=True)
    }


def _id_text(ids: np.ndarray | set[int]) -> str:
    """Ids as one text parameter (an empty set matches nothing)."""
    values = np.unique(np.fromiter(ids, dtype=np.int64, count=len(ids)))
    return ",".join(map(str, values.tolist())) or "0"
