"""The per-loan reference: a deliberately naive, day-by-day position calculator for ONE loan,
written from DOMAIN.md §4.

It exists only to check ``loans.positions`` (the set-based engine): it shares no code with it and
walks every day from the first disbursement to D, keeping interest as exact integer numerators over
one denominator, turned into a ``Fraction`` only to round. Slow on purpose; clarity is the point.
"""

from __future__ import annotations

import calendar
import datetime as dt
from fractions import Fraction

ONE_DAY = dt.timedelta(days=1)
PRINCIPAL_KINDS = {"disbursement": +1, "principal_repayment": -1, "write_off": -1}


def _round_half_up(x: Fraction) -> int:
    # floor(x + 1/2): halves go up.
    return int((x + Fraction(1, 2)).__floor__())


def _due_dates(first: dt.date, due_day: int, until: dt.date) -> set[dt.date]:
    """Interest due dates: due_day (clamped) of every month after the first disbursement's."""
    dates, year, month = set(), first.year, first.month
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        d = dt.date(year, month, min(due_day, calendar.monthrange(year, month)[1]))
        if d > until:
            return dates
        dates.add(d)


def _rate_on(rates: list[tuple[dt.date, int]], d: dt.date) -> int:
    """The annual contract rate (1e-4 %) in force on d: the latest effective date <= d wins."""
    in_force = [(eff, i, micro) for i, (eff, micro) in enumerate(rates) if eff <= d]
    return max(in_force)[2]


def _frozen(freezes: list[tuple[dt.date, dt.date | None]], d: dt.date) -> bool:
    return any(start <= d and (end is None or d <= end) for start, end in freezes)


class _Balances:
    """Principal balances at the end of a day, brought forward one day at a time."""

    def __init__(self, instalments, transactions, first: dt.date):
        self.by_day: dict[dt.date, list[tuple[str, int]]] = {}
        for value_date, kind, amount in transactions:
            if kind in PRINCIPAL_KINDS:
                self.by_day.setdefault(max(value_date, first), []).append((kind, amount))
        # An instalment is "due before d" from the day after its due date.
        self.falls_due: dict[dt.date, int] = {}
        for due, amount in instalments:
            day = max(due + ONE_DAY, first)
            self.falls_due[day] = self.falls_due.get(day, 0) + amount
        self.outstanding = self.covered = self.due_before = 0

    def end_of(self, d: dt.date) -> tuple[int, int]:
        """Move to the end of day d; returns (principal outstanding, overdue part)."""
        for kind, amount in self.by_day.get(d, []):
            self.outstanding += PRINCIPAL_KINDS[kind] * amount
            self.covered += amount if kind != "disbursement" else 0
        self.due_before += self.falls_due.get(d, 0)
        overdue = max(0, min(self.due_before - self.covered, self.outstanding))
        return self.outstanding, overdue


def _interest(loan, instalments, transactions, rates, freezes, as_of, overdue_rate_percent):
    """interest_due, interest_accrued_not_due, overdue_rate_interest."""
    first = loan["first_disbursed_on"]
    if first is None or first > as_of:
        return 0, 0, 0
    # One day's interest is numerator / denominator: rates are in 1e-4 % (/1e6), the overdue
    # rate is percent/100 of the contract rate, and a year has 365 (act365) or 360 (month30) days.
    denominator = 100 * 1_000_000 * (365 if loan["day_count"] == "act365" else 360)
    due_dates = _due_dates(first, loan["due_day"], as_of)
    balances = _Balances(instalments, transactions, first)
    interest_due, period, overdue_total = 0, 0, 0
    d = first
    while d <= as_of:
        if d in due_dates:  # the period that ended yesterday falls due today, rounded once
            interest_due += _round_half_up(Fraction(period, denominator))
            period = 0
        principal, overdue = balances.end_of(d)
        if not _frozen(freezes, d):
            rate = _rate_on(rates, d)
            overdue_part = overdue * rate * overdue_rate_percent
            period += overdue_part + (principal - overdue) * rate * 100
            overdue_total += overdue_part
        d += ONE_DAY
    accrued = _round_half_up(Fraction(period, denominator))
    return interest_due, accrued, _round_half_up(Fraction(overdue_total, denominator))


def _days_past_due(instalments, covered: int, as_of: dt.date) -> int:
    """Oldest instalment not fully covered, payments applied to the oldest first."""
    for due, amount in sorted(instalments):
        if amount > covered:
            return (as_of - due).days + 1
        covered -= amount
    raise AssertionError("overdue principal without an uncovered instalment")


def _bucket(days_past_due: int, bounds) -> str:
    if days_past_due == 0:
        return "current"
    low = 0
    for high in bounds:
        if days_past_due <= high:
            return f"{low + 1}-{high}"
        low = high
    return f">{bounds[-1]}"


def _status(p: dict, frozen_today: bool) -> str:
    if p["disbursed"] <= 0:
        return "not_disbursed"
    if p["written_off"] > 0 and p["outstanding_principal"] == 0:
        return "written_off"
    if p["outstanding_principal"] == 0 and p["interest_arrears"] == 0:
        return "closed"
    if frozen_today:
        return "frozen"
    return "overdue" if p["overdue_principal"] > 0 else "current"


def _total(transactions, kind: str, as_of: dt.date) -> int:
    return sum(a for d, k, a in transactions if k == kind and d <= as_of)


def reference_position(
    *,
    as_of: dt.date,
    loan: dict,
    instalments: list[tuple[dt.date, int]],
    transactions: list[tuple[dt.date, str, int]],
    rates: list[tuple[dt.date, int]],
    freezes: list[tuple[dt.date, dt.date | None]],
    bucket_bounds: tuple[int, ...] = (30, 90, 180, 360),
    overdue_rate_percent: int = 130,
) -> dict:
    """Position of one loan at the end of day as_of. ``loan``: first_disbursed_on, due_day,
    day_count; transactions: (value_date, kind, signed amount); freezes: (start, end or None)."""
    p = {"loan_id": loan.get("loan_id")}
    p["disbursed"] = _total(transactions, "disbursement", as_of)
    p["principal_repaid"] = _total(transactions, "principal_repayment", as_of)
    p["written_off"] = _total(transactions, "write_off", as_of)
    covered = p["principal_repaid"] + p["written_off"]
    p["outstanding_principal"] = p["disbursed"] - covered
    p["principal_due"] = sum(a for due, a in instalments if due <= as_of)
    overdue = min(p["principal_due"] - covered, p["outstanding_principal"])
    p["overdue_principal"] = max(0, overdue)
    p["days_past_due"] = (
        _days_past_due(instalments, covered, as_of) if p["overdue_principal"] > 0 else 0
    )
    due, accrued, overdue_rate = _interest(
        loan, instalments, transactions, rates, freezes, as_of, overdue_rate_percent
    )
    p["interest_due"] = due
    p["interest_paid"] = _total(transactions, "interest_payment", as_of)
    p["interest_written_off"] = _total(transactions, "interest_write_off", as_of)
    p["interest_arrears"] = max(0, due - p["interest_paid"] - p["interest_written_off"])
    p["interest_accrued_not_due"] = accrued
    p["overdue_rate_interest"] = overdue_rate
    p["bucket"] = _bucket(p["days_past_due"], bucket_bounds)
    p["status"] = _status(p, _frozen(freezes, as_of))
    return p
