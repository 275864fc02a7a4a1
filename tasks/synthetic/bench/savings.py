"""The half-year savings interest job on the generated portfolio (`savings_interest_s`).

The generated households get a savings history first if they have none (the demo's set-based
block: a deposit a month through the half-year's end, some withdrawals), without interest.
The job is then run for that half-year in this process; a second run times the re-run, which
computes every account's interest again and credits nothing. The journal is append-only, so
a portfolio that was credited already (--reuse) reports the re-run only."""

import datetime as dt
import time

from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction
from tasks.jobs.savings_interest import previous_period_end, run_savings_interest
from tasks.synthetic.demo.savings import seed_savings


def time_savings_interest(as_of: dt.date, *, seed: int) -> dict:
    period_end = previous_period_end(as_of + dt.timedelta(days=1))
    result: dict = {"savings_period_end": period_end.isoformat()}
    if not SavingsAccount.objects.exists():
        started = time.monotonic()
        counts = seed_savings(
            seed=seed, by=None, year=period_end.year, last_month=period_end.month, credit=False
        )
        result["savings_generation_s"] = round(time.monotonic() - started, 2)
        result["savings_entries"] = counts["entries"]
    result["savings_accounts"] = SavingsAccount.objects.count()
    credited = SavingsTransaction.objects.filter(
        kind=SavingsKind.INTEREST_CREDIT, value_date=period_end
    ).exists()
    first = _timed(period_end)
    result["savings_interest_s"] = None if credited else first
    result["savings_interest_rerun_s"] = _timed(period_end) if not credited else first
    return result


def _timed(period_end: dt.date) -> float:
    started = time.monotonic()
    run_savings_interest(period_end=period_end)
    return round(time.monotonic() - started, 2)
