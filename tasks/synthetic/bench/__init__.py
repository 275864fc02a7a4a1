"""The benchmark (`manage.py bench`): the nightly job against its floor and a per-loan loop.

On one generated portfolio it times
- the nightly arrears job for one date, in a subprocess (the `run_arrears` command), so the
  peak RSS it reports (VmHWM) is the job's own;
- the floor: one SQL statement that reads the same schedule and journal rows once, grouped by
  loan, and writes one snapshot-shaped row per loan: the least work the job could do;
- a per-loan reference: the obvious implementation (the ORM per loan, a day-by-day Python loop,
  a snapshot saved through the ORM), on a random sample, and whether it agrees with the job;
- the admin's loan list, the monthly reconciliation and the report endpoints;
- posting a 40-member collection sheet at a session (session_sheet_ms, rolled back);
- one ordinary day of activity after the night (sessions on D+1), then the incremental night
  of D+1 (`nightly_incremental_s`), compared row by row with its full night;
- with ``workers``: the job's office partitions on K real Celery workers on Redis.
The machine may be shared: every figure is the minimum and median of several runs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from loans.models import Loan

from .. import generator
from .environment import database, shareable_database
from .incremental import time_incremental
from .nightly import time_floor, time_nightly
from .pages import REPORT_URLS, time_extras, time_pages
from .per_loan import SCRATCH_DAY, position_of_one_loan, time_per_loan
from .results import ratios, table
from .savings import time_savings_interest
from .session_sheet import time_session_sheet
from .workers import time_workers

__all__ = [
    "KEYS",
    "REPORT_URLS",
    "SCRATCH_DAY",
    "STAGES",
    "position_of_one_loan",
    "run_bench",
    "table",
]
# What `stage(done)` counts: the portfolio, the night, the floor, the per-loan loop, the pages
# and reports, the workers.
STAGES = ("portfolio", "nightly", "floor", "per_loan", "pages", "incremental", "workers")

KEYS = (
    "loans",
    "nightly_s",
    "nightly_loans_per_s",
    "nightly_peak_rss_mb",
    "floor_s",
    "nightly_over_floor",
    "nightly_incremental_s",
    "incremental_over_floor",
    "incremental_differences",
    "per_loan_ref_ms",
    "speedup_vs_per_loan",
    "reconciliation_s",
    "savings_interest_s",
    "report_p95_ms",
    "admin_list_ms",
    "dashboard_ms",
    "session_sheet_ms",
    "database",
    "workers",
    "nightly_s_by_workers",
)


def run_bench(
    *,
    loans: int,
    as_of: dt.date | None = None,
    workers: tuple[int, ...] = (),
    reuse: bool = False,
    seed: int = generator.DEFAULT_SEED,
    sample: int = 500,
    repeat: int = 3,
    in_process: bool | None = None,
    say: Callable[[str], None] = print,
    stage: Callable[[int], None] = lambda done: None,
) -> dict:
    """Every figure of the benchmark, as a dict (KEYS first, then details and notes);
    `stage(done)` hears how many of STAGES are done."""
    as_of = as_of or timezone.localdate() - dt.timedelta(days=1)
    if in_process is None:  # a child process cannot see an in-memory or uncommitted database
        in_process = not shareable_database() or connection.in_atomic_block
    result: dict = {"as_of": as_of.isoformat(), "load_average_start": os.getloadavg()}
    result["generation_s"] = _ensure_portfolio(loans, as_of, seed=seed, reuse=reuse, say=say)
    result["loans"] = Loan.objects.count()
    result["database"] = database()
    stage(1)
    result |= _timings(as_of, repeat=repeat, sample=sample, seed=seed, in_process=in_process,
                       say=say, stage=stage)  # fmt: skip
    result |= time_incremental(as_of, repeat=repeat, in_process=in_process, say=say)
    stage(6)
    result["workers"] = list(workers) or None
    result["nightly_s_by_workers"] = _on_workers(as_of, workers, say=say)
    stage(7)
    result |= ratios(result)
    result["load_average_end"] = os.getloadavg()
    return {key: result.get(key) for key in KEYS} | {
        key: value for key, value in result.items() if key not in KEYS
    }


def _timings(as_of: dt.date, *, repeat, sample, seed, in_process, say, stage) -> dict:
    """The night, the floor, the per-loan loop, the pages and reports (stages 2 to 5)."""
    result: dict = {}
    say(f"nightly arrears job ({repeat}×, {'in process' if in_process else 'subprocess'}) …")
    result |= time_nightly(as_of, repeat=repeat, in_process=in_process)
    stage(2)
    say(f"floor ({repeat}×) …")
    result |= time_floor(as_of, repeat=repeat)
    stage(3)
    say(f"per-loan reference ({sample} loans) …")
    result |= time_per_loan(as_of, sample=sample, seed=seed)
    stage(4)
    say("admin loan list, reports, reconciliation …")
    result["admin_list_ms"] = time_pages({"admin_list": "/admin/loans/loan/"})["admin_list"]
    # The admin's index is the dashboard (desk/), as of the night just timed.
    result["dashboard_ms"] = time_pages({"dashboard": "/admin/"})["dashboard"]
    result |= time_extras(as_of)
    # The sheet first (it is rolled back): once the half-year is credited, nothing may be
    # posted on or before its end, and the bench date may be that end.
    say("a 40-member collection sheet at a session …")
    result |= time_session_sheet(as_of)
    say("savings interest job (half-year) …")
    result |= time_savings_interest(as_of, seed=seed)
    stage(5)
    return result


def _on_workers(as_of: dt.date, workers: tuple[int, ...], *, say) -> dict | None:
    """The nightly job on each number of real Celery workers asked for (None: not asked)."""
    if not workers:
        return None
    timings = {}
    for count in workers:
        say(f"{count} Celery worker(s) …")
        timings[str(count)] = time_workers(as_of, count)
    return timings


def _ensure_portfolio(loans: int, as_of: dt.date, *, seed: int, reuse: bool, say) -> float | None:
    """Generate (with --reset) unless the database holds exactly `loans` generated loans."""
    generated = Loan.objects.filter(contract_number__startswith=f"{generator.SIM}-").count()
    if reuse or (generated == loans == Loan.objects.count()):
        say(f"reusing the {Loan.objects.count():,} loans in the database")
        return None
    say(f"generating {loans:,} loans (history until {as_of}) …")
    counts = generator.generate_portfolio(loans=loans, seed=seed, reset=True, until=as_of)
    return counts["seconds"]
