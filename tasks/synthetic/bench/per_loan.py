"""The per-loan reference: the obvious implementation, one loan at a time (the ORM per loan, a
day-by-day Python loop, a snapshot saved through the ORM), timed on a random sample, and
whether it agrees with the nightly job's rows."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.conf import settings

from loans.models import Loan, PositionSnapshot
from loans.selectors import MONEY_KINDS, loans_open_on, schedule_in_force
from programmes.models import InterestRate
from tasks.jobs.snapshots import SNAPSHOT_FIELDS

from ..reference import reference_position

SCRATCH_DAY = dt.date(2000, 1, 3)  # per-loan reference snapshots, deleted afterwards


def time_per_loan(as_of: dt.date, *, sample: int, seed: int) -> dict:
    """The obvious implementation, one loan at a time: load it, its schedule and journal
    through the ORM, walk its days in Python, save its snapshot through the ORM."""
    open_ids = list(loans_open_on(Loan.objects.all(), as_of=as_of).values_list("id", flat=True))
    if not open_ids:
        return {"per_loan_ref_ms": None, "per_loan_sample": 0}
    chosen = random.Random(seed).sample(open_ids, min(sample, len(open_ids)))
    expected = {
        row[0]: row[1:]
        for row in PositionSnapshot.objects.filter(as_of=as_of, loan_id__in=chosen).values_list(
            "loan_id", *SNAPSHOT_FIELDS
        )
    }
    disagree = []
    started = time.monotonic()
    try:
        for loan_id in chosen:
            position = position_of_one_loan(loan_id, as_of)
            if loan_id in expected:
                mine = tuple(position[name] for name in SNAPSHOT_FIELDS)
                if mine != expected[loan_id]:
                    disagree.append(loan_id)
        seconds = time.monotonic() - started
    finally:
        PositionSnapshot.objects.filter(as_of=SCRATCH_DAY).delete()
    return {
        "per_loan_ref_ms": round(seconds * 1000 / len(chosen), 2),
        "per_loan_sample": len(chosen),
        "per_loan_compared_with_job": sum(1 for i in chosen if i in expected),
        "per_loan_disagreements": disagree[:20],
    }


def position_of_one_loan(loan_id: int, as_of: dt.date) -> dict:
    """One loan's position by the per-loan reference, read and saved through the ORM (its
    snapshot on SCRATCH_DAY, so the timing includes the write the nightly job does)."""
    loan = Loan.objects.select_related("programme", "borrower").get(pk=loan_id)
    schedule = [(row.due_date, row.principal) for row in schedule_in_force(loan, as_of)]
    freezes = list(loan.freezes.filter(start__lte=as_of).values_list("start", "end"))
    position = reference_position(
        as_of=as_of,
        loan={
            "first_disbursed_on": loan.first_disbursed_on,
            "due_day": loan.due_day,
            "day_count": loan.programme.day_count,
        },
        instalments=schedule,
        transactions=_money_entries(loan, as_of),
        rates=_rates(loan),
        freezes=freezes,
        bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
        overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
    )
    PositionSnapshot.objects.update_or_create(
        as_of=SCRATCH_DAY,
        loan=loan,
        defaults={
            "office_id": loan.office_id,
            "programme_id": loan.programme_id,
            **{name: position[name] for name in SNAPSHOT_FIELDS},
        },
    )
    return position


def _money_entries(loan: Loan, as_of: dt.date) -> list[tuple[dt.date, str, int]]:
    """(value date, kind, signed amount): a reversal counts negatively under the kind it undoes."""
    entries = []
    for entry in loan.transactions.filter(value_date__lte=as_of).select_related("reverses"):
        if entry.kind == "reversal" and entry.reverses.kind in MONEY_KINDS:
            entries.append((entry.value_date, entry.reverses.kind, -entry.amount))
        elif entry.kind in MONEY_KINDS:
            entries.append((entry.value_date, entry.kind, entry.amount))
    return entries


def _rates(loan: Loan) -> list[tuple[dt.date, int]]:
    """The contract rate, then every later rate change that applies to outstanding loans."""
    rates = [(loan.first_disbursed_on, int(loan.contract_rate * 10000))]
    for rate in InterestRate.objects.filter(
        programme_id=loan.programme_id,
        applies_to_outstanding=True,
        effective_from__gt=loan.first_disbursed_on,
    ):
        if rate.household_category in ("", loan.borrower.household_category):
            rates.append((rate.effective_from, rate.rate_micro))
    return rates
