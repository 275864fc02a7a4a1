"""The benchmark (`manage.py bench`): the nightly job against its floor and a per-loan loop.

On one generated portfolio it times
- the nightly arrears job for one date, in a subprocess (the `run_arrears` command), so the
  peak RSS it reports (VmHWM) is the job's own;
- the floor: one SQL statement that reads the same schedule and journal rows once, grouped by
  loan, and writes one snapshot-shaped row per loan: the least work the job could do;
- a per-loan reference: the obvious implementation (the ORM per loan, a day-by-day Python loop,
  a snapshot saved through the ORM), on a random sample, and whether it agrees with the job;
- the admin's loan list, the monthly reconciliation and the report endpoints;
- with ``workers``: the job's office partitions on K real Celery workers on Redis.
The machine may be shared: every figure is the minimum and median of several runs.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from loans.models import Loan, PositionSnapshot
from loans.selectors import MONEY_KINDS, schedule_in_force
from programmes.models import InterestRate
from tasks import generator, jobs, reconciliation
from tasks.models import JobRun

ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
SCRATCH_DAY = dt.date(2000, 1, 3)  # per-loan reference snapshots, deleted afterwards
FLOOR_TABLE = "bench_floor"
ADMIN_USER = "bench-admin"
# Report endpoints (DESIGN.md "API") and the monthly reconciliation of the last month ended
# on the bench's date ({month}); {group} is a savings group with loans, for its collection list.
REPORT_URLS = {
    "portfolio": "/api/v1/reports/portfolio/?as_of={as_of}",
    "flows": "/api/v1/reports/flows/?from={month}&to={as_of}",
    "arrears_ageing": "/api/v1/reports/arrears-ageing/?as_of={as_of}",
    "decree_28": "/api/v1/reports/decree-28/?as_of={as_of}",
    "reconciliation_offices": "/api/v1/reconciliations/?month={month:%Y-%m}&level=office",
    "collection_list": (
        "/api/v1/reports/collection-list/?savings_group={group}&session_date={as_of}"
    ),
}
KEYS = (
    "loans",
    "nightly_s",
    "nightly_loans_per_s",
    "nightly_peak_rss_mb",
    "floor_s",
    "nightly_over_floor",
    "per_loan_ref_ms",
    "speedup_vs_per_loan",
    "reconciliation_s",
    "report_p95_ms",
    "admin_list_ms",
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
) -> dict:
    """Every figure of the benchmark, as a dict (KEYS first, then details and notes)."""
    as_of = as_of or timezone.localdate() - dt.timedelta(days=1)
    if in_process is None:  # a child process cannot see an in-memory or uncommitted database
        in_process = not _shareable_database() or connection.in_atomic_block
    result: dict = {"as_of": as_of.isoformat(), "load_average_start": os.getloadavg()}
    result["generation_s"] = _ensure_portfolio(loans, as_of, seed=seed, reuse=reuse, say=say)
    result["loans"] = Loan.objects.count()
    result["database"] = _database()
    say(f"nightly arrears job ({repeat}×, {'in process' if in_process else 'subprocess'}) …")
    result |= _time_nightly(as_of, repeat=repeat, in_process=in_process)
    say(f"floor ({repeat}×) …")
    result |= _time_floor(as_of, repeat=repeat)
    say(f"per-loan reference ({sample} loans) …")
    result |= _time_per_loan(as_of, sample=sample, seed=seed)
    say("admin loan list, reports, reconciliation …")
    result["admin_list_ms"] = _time_pages({"admin_list": "/admin/loans/loan/"})["admin_list"]
    result |= _time_extras(as_of)
    result["workers"] = list(workers) or None
    result["nightly_s_by_workers"] = None
    if workers:
        result["nightly_s_by_workers"] = {}
        for count in workers:
            say(f"{count} Celery worker(s) …")
            result["nightly_s_by_workers"][str(count)] = _time_workers(as_of, count)
    result |= _ratios(result)
    result["load_average_end"] = os.getloadavg()
    return {key: result.get(key) for key in KEYS} | {
        key: value for key, value in result.items() if key not in KEYS
    }


# --- data ------------------------------------------------------------------------------------


def _ensure_portfolio(loans: int, as_of: dt.date, *, seed: int, reuse: bool, say) -> float | None:
    """Generate (with --reset) unless the database holds exactly `loans` generated loans."""
    generated = Loan.objects.filter(contract_number__startswith=f"{generator.SIM}-").count()
    if reuse or (generated == loans == Loan.objects.count()):
        say(f"reusing the {Loan.objects.count():,} loans in the database")
        return None
    say(f"generating {loans:,} loans (history until {as_of}) …")
    counts = generator.generate_portfolio(loans=loans, seed=seed, reset=True, until=as_of)
    return counts["seconds"]


def _database() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _shareable_database() -> bool:
    """Whether another process sees this database (not an in-memory test database)."""
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "postgresql" or (
        ":memory:" not in name and "mode=memory" not in name
    )


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def _child_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_DEBUG": "0",
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
        **extra,
    }


def _stats(runs: list[float]) -> dict:
    return {"min": round(min(runs), 3), "median": round(statistics.median(runs), 3)}


# --- the nightly job -------------------------------------------------------------------------


def _clear_snapshots(as_of: dt.date) -> None:
    """A first run of the night: no rows for the date yet (and none of their dead tuples)."""
    PositionSnapshot.objects.filter(as_of=as_of).delete()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {PositionSnapshot._meta.db_table}")


def _time_nightly(as_of: dt.date, *, repeat: int, in_process: bool) -> dict:
    runs, rss, cpu = [], [], []
    for _ in range(max(1, repeat)):
        _clear_snapshots(as_of)
        seconds, peak_mb, cpu_s = (_nightly_in_process if in_process else _nightly_subprocess)(
            as_of
        )
        runs.append(seconds)
        rss.append(peak_mb)
        cpu.append(cpu_s)
    rows = PositionSnapshot.objects.filter(as_of=as_of).count()
    return {
        "nightly_s": _stats(runs)["min"],
        "nightly_runs_s": [round(r, 2) for r in runs],
        "nightly_median_s": _stats(runs)["median"],
        "nightly_snapshot_rows": rows,
        "nightly_peak_rss_mb": round(max(rss), 1),
        "nightly_python_cpu_s": round(min(cpu), 2) if cpu[0] is not None else None,
    }


# The child runs the management command and prints its own peak RSS: the kernel's wait4 figure
# would include the parent's peak (subprocess uses vfork; exec keeps the old high-water mark).
_CHILD = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.management import call_command
call_command("run_arrears", as_of=sys.argv[1])
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak_rss_kb", line.split()[1])
"""


def _nightly_subprocess(as_of: dt.date) -> tuple[float, float, float]:
    """`manage.py run_arrears` in a child: its own wall time, peak RSS and CPU time."""
    command = [sys.executable, "-c", _CHILD, as_of.isoformat()]
    process = subprocess.Popen(
        command, cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    found = re.search(r" in ([0-9.]+)s;", output)
    if process.returncode or not found:
        raise RuntimeError(f"run_arrears failed ({process.returncode}):\n{output[-3000:]}")
    peak = re.search(r"peak_rss_kb (\d+)", output)
    peak_kb = int(peak.group(1)) if peak else usage.ru_maxrss
    return float(found.group(1)), peak_kb / 1024, usage.ru_utime + usage.ru_stime


def _nightly_in_process(as_of: dt.date) -> tuple[float, float, float | None]:
    """In this process (an in-memory test database): peak RSS as the VmHWM after resetting it."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak resident size
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    jobs.run_arrears(as_of=as_of)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, _peak_rss_mb(), cpu


def _peak_rss_mb() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the floor -------------------------------------------------------------------------------

FLOOR_SQL = """
INSERT INTO {table} (as_of, loan_id, office_id, programme_id, outstanding_principal,
    principal_due, overdue_principal, days_past_due, interest_due, interest_paid,
    interest_arrears, interest_accrued_not_due, overdue_rate_interest, bucket, status)
SELECT %(as_of)s, l.id, l.office_id, l.programme_id,
    COALESCE(t.disbursed, 0) - COALESCE(t.covered, 0),
    COALESCE(i.due, 0),
    {greatest}(COALESCE(i.due, 0) - COALESCE(t.covered, 0), 0),
    CASE WHEN COALESCE(i.due, 0) > COALESCE(t.covered, 0) THEN 1 ELSE 0 END,
    0, COALESCE(t.interest_paid, 0), 0, 0, 0, 'current', 'current'
FROM loans_loan l
LEFT JOIN (
    SELECT loan_id, SUM(CASE WHEN due_date <= %(as_of)s THEN principal ELSE 0 END) AS due
    FROM loans_instalment GROUP BY loan_id
) i ON i.loan_id = l.id
LEFT JOIN (
    SELECT loan_id,
        SUM(CASE WHEN kind = 'disbursement' THEN amount ELSE 0 END) AS disbursed,
        SUM(CASE WHEN kind IN ('principal_repayment', 'write_off') THEN amount ELSE 0 END)
            AS covered,
        SUM(CASE WHEN kind = 'interest_payment' THEN amount ELSE 0 END) AS interest_paid
    FROM loans_loantransaction WHERE value_date <= %(as_of)s GROUP BY loan_id
) t ON t.loan_id = l.id
WHERE l.first_disbursed_on <= %(as_of)s
  AND (l.status NOT IN ('closed', 'written_off') OR EXISTS (
      SELECT 1 FROM loans_loantransaction p WHERE p.loan_id = l.id AND p.value_date >= %(as_of)s))
"""


def _create_floor_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TABLE {FLOOR_TABLE} (LIKE {PositionSnapshot._meta.db_table} INCLUDING ALL)"
            )
            return
        columns = ", ".join(
            f'"{f.column}" {f.db_type(connection)}'
            for f in PositionSnapshot._meta.concrete_fields
            if f.column != "id"
        )
        cursor.execute(
            f"CREATE TABLE {FLOOR_TABLE} (id integer PRIMARY KEY AUTOINCREMENT, {columns})"
        )
        cursor.execute(f"CREATE UNIQUE INDEX {FLOOR_TABLE}_key ON {FLOOR_TABLE} (as_of, loan_id)")
        cursor.execute(f"CREATE INDEX {FLOOR_TABLE}_office ON {FLOOR_TABLE} (as_of, office_id)")


def _time_floor(as_of: dt.date, *, repeat: int) -> dict:
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    sql = FLOOR_SQL.format(table=FLOOR_TABLE, greatest=greatest)
    _create_floor_table()
    runs, rows = [], 0
    try:
        for _ in range(max(1, repeat)):
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FLOOR_TABLE}")
                started = time.monotonic()
                with transaction.atomic():
                    cursor.execute(sql, {"as_of": as_of})
                    rows = cursor.rowcount
                runs.append(time.monotonic() - started)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
    return {
        "floor_s": _stats(runs)["min"],
        "floor_runs_s": [round(r, 2) for r in runs],
        "floor_rows": rows,
    }


# --- the per-loan reference ------------------------------------------------------------------


def _time_per_loan(as_of: dt.date, *, sample: int, seed: int) -> dict:
    """The obvious implementation, one loan at a time: load it, its schedule and journal
    through the ORM, walk its days in Python, save its snapshot through the ORM."""
    open_ids = list(jobs.loans_open_on(Loan.objects.all(), as_of).values_list("id", flat=True))
    if not open_ids:
        return {"per_loan_ref_ms": None, "per_loan_sample": 0}
    import random

    chosen = random.Random(seed).sample(open_ids, min(sample, len(open_ids)))
    expected = {
        row[0]: row[1:]
        for row in PositionSnapshot.objects.filter(as_of=as_of, loan_id__in=chosen).values_list(
            "loan_id", *jobs.SNAPSHOT_FIELDS
        )
    }
    disagree = []
    started = time.monotonic()
    try:
        for loan_id in chosen:
            position = _position_of_one_loan(loan_id, as_of)
            if loan_id in expected:
                mine = tuple(position[name] for name in jobs.SNAPSHOT_FIELDS)
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


def _position_of_one_loan(loan_id: int, as_of: dt.date) -> dict:
    loan = Loan.objects.select_related("programme", "borrower").get(pk=loan_id)
    schedule = [(row.due_date, row.principal) for row in schedule_in_force(loan, as_of)]
    transactions = []
    for entry in loan.transactions.filter(value_date__lte=as_of).select_related("reverses"):
        if entry.kind == "reversal" and entry.reverses.kind in MONEY_KINDS:
            transactions.append((entry.value_date, entry.reverses.kind, -entry.amount))
        elif entry.kind in MONEY_KINDS:
            transactions.append((entry.value_date, entry.kind, entry.amount))
    rates = [(loan.first_disbursed_on, int(loan.contract_rate * 10000))]
    for rate in InterestRate.objects.filter(
        programme_id=loan.programme_id,
        applies_to_outstanding=True,
        effective_from__gt=loan.first_disbursed_on,
    ):
        if rate.household_category in ("", loan.borrower.household_category):
            rates.append((rate.effective_from, rate.rate_micro))
    freezes = list(loan.freezes.filter(start__lte=as_of).values_list("start", "end"))
    position = reference_position(
        as_of=as_of,
        loan={
            "first_disbursed_on": loan.first_disbursed_on,
            "due_day": loan.due_day,
            "day_count": loan.programme.day_count,
        },
        instalments=schedule,
        transactions=transactions,
        rates=rates,
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
            **{name: position[name] for name in jobs.SNAPSHOT_FIELDS},
        },
    )
    return position


# The day-by-day calculator of tests/reference_calculator.py (DOMAIN.md §4), copied so the
# application does not import the tests: slow on purpose, it shares no code with the engine.

_ONE_DAY = dt.timedelta(days=1)
_PRINCIPAL_SIGN = {"disbursement": +1, "principal_repayment": -1, "write_off": -1}


def _half_up(x: Fraction) -> int:
    return int((x + Fraction(1, 2)).__floor__())


def _due_dates(first: dt.date, due_day: int, until: dt.date) -> set[dt.date]:
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
    return max((eff, i, micro) for i, (eff, micro) in enumerate(rates) if eff <= d)[2]


def _frozen(freezes, d: dt.date) -> bool:
    return any(start <= d and (end is None or d <= end) for start, end in freezes)


def _interest(loan, instalments, transactions, rates, freezes, as_of, overdue_percent):
    first = loan["first_disbursed_on"]
    if first is None or first > as_of:
        return 0, 0, 0
    denominator = 100 * 1_000_000 * (365 if loan["day_count"] == "act365" else 360)
    due_dates = _due_dates(first, loan["due_day"], as_of)
    moves: dict[dt.date, list[tuple[str, int]]] = {}
    for value_date, kind, amount in transactions:
        if kind in _PRINCIPAL_SIGN:
            moves.setdefault(max(value_date, first), []).append((kind, amount))
    falls_due: dict[dt.date, int] = {}
    for due, amount in instalments:
        day = max(due + _ONE_DAY, first)
        falls_due[day] = falls_due.get(day, 0) + amount
    outstanding = covered = due_before = 0
    interest_due = period = overdue_total = 0
    d = first
    while d <= as_of:
        if d in due_dates:
            interest_due += _half_up(Fraction(period, denominator))
            period = 0
        for kind, amount in moves.get(d, []):
            outstanding += _PRINCIPAL_SIGN[kind] * amount
            covered += amount if kind != "disbursement" else 0
        due_before += falls_due.get(d, 0)
        overdue = max(0, min(due_before - covered, outstanding))
        if not _frozen(freezes, d):
            rate = _rate_on(rates, d)
            overdue_part = overdue * rate * overdue_percent
            period += overdue_part + (outstanding - overdue) * rate * 100
            overdue_total += overdue_part
        d += _ONE_DAY
    accrued = _half_up(Fraction(period, denominator))
    return interest_due, accrued, _half_up(Fraction(overdue_total, denominator))


def _days_past_due(instalments, covered: int, as_of: dt.date) -> int:
    for due, amount in sorted(instalments):
        if amount > covered:
            return (as_of - due).days + 1
        covered -= amount
    return 0


def _bucket(days: int, bounds) -> str:
    if days == 0:
        return "current"
    low = 0
    for high in bounds:
        if days <= high:
            return f"{low + 1}-{high}"
        low = high
    return f">{bounds[-1]}"


def reference_position(
    *, as_of, loan, instalments, transactions, rates, freezes, bucket_bounds, overdue_rate_percent
) -> dict:
    """One loan's position at the end of `as_of`, walking every day since its disbursement."""

    def total(kind: str) -> int:
        return sum(a for d, k, a in transactions if k == kind and d <= as_of)

    p = {name: total(name) for name in MONEY_KINDS}
    covered = p["principal_repayment"] + p["write_off"]
    p["outstanding_principal"] = p["disbursement"] - covered
    p["principal_due"] = sum(a for due, a in instalments if due <= as_of)
    p["overdue_principal"] = max(0, min(p["principal_due"] - covered, p["outstanding_principal"]))
    p["days_past_due"] = (
        _days_past_due(instalments, covered, as_of) if p["overdue_principal"] > 0 else 0
    )
    due, accrued, overdue_rate = _interest(
        loan, instalments, transactions, rates, freezes, as_of, overdue_rate_percent
    )
    p["interest_due"], p["interest_accrued_not_due"] = due, accrued
    p["overdue_rate_interest"] = overdue_rate
    p["interest_paid"] = p["interest_payment"]
    settled = p["interest_payment"] + p["interest_write_off"]
    p["interest_arrears"] = max(0, due - settled)
    p["bucket"] = _bucket(p["days_past_due"], bucket_bounds)
    p["status"] = _status(p, _frozen(freezes, as_of))
    return p


def _status(p: dict, frozen_today: bool) -> str:
    repaid = p["outstanding_principal"] == 0
    if p["disbursement"] <= 0:
        return "not_disbursed"
    if p["write_off"] > 0 and repaid:
        return "written_off"
    if repaid and p["interest_arrears"] == 0:
        return "closed"
    if frozen_today:
        return "frozen"
    return "overdue" if p["overdue_principal"] > 0 else "current"


# --- pages, endpoints and the monthly reconciliation ----------------------------------------


def _time_pages(urls: dict[str, str], *, calls: int = 10) -> dict[str, dict | None]:
    """p50/p95 of `calls` requests per URL as a superuser, after one warm-up call (timed as
    "first"); None if the URL does not answer 200."""
    user, _ = get_user_model().objects.get_or_create(
        username=ADMIN_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    timings: dict[str, dict | None] = {}
    with override_settings(DEBUG=False):
        for name, url in urls.items():
            try:
                resolve(url.split("?")[0])
            except Resolver404:
                timings[name] = None
                continue
            started = time.monotonic()
            first = client.get(url)  # the first call: nothing of it in PostgreSQL's buffers yet
            first_ms = (time.monotonic() - started) * 1000
            if first.status_code != 200:
                timings[name] = None
                continue
            # Where a position report's figures came from: the nightly snapshot or the engine.
            source = (
                first.json().get("source")
                if first["Content-Type"].startswith("application/json")
                else None
            )
            runs = []
            for _ in range(calls):
                started = time.monotonic()
                client.get(url)
                runs.append((time.monotonic() - started) * 1000)
            runs.sort()
            timings[name] = {
                "p50": round(statistics.median(runs), 1),
                "p95": round(runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))], 1),
                "first": round(first_ms, 1),
            } | ({"source": source} if source else {})
    return timings


def _time_extras(as_of: dt.date) -> dict:
    """The monthly reconciliation of the last month ended on `as_of` (it runs first: one of
    the endpoints reads it), then the report endpoints."""
    month = reconciliation.previous_month(as_of + dt.timedelta(days=1))
    started = time.monotonic()
    run = reconciliation.run_reconciliation(month=month)
    seconds = round(time.monotonic() - started, 2)
    group = (
        Loan.objects.filter(savings_group__isnull=False, outstanding_principal__gt=0)
        .values_list("savings_group_id", flat=True)
        .first()
    )
    urls = {
        name: url.format(as_of=as_of, month=month, group=group) for name, url in REPORT_URLS.items()
    }
    reports = _time_pages(urls)
    notes = [f"report {name} did not answer 200" for name, v in reports.items() if v is None]
    return {
        "reconciliation_s": seconds,
        "reconciliation_month": f"{month:%Y-%m}",
        "reconciliation_status": run.status,
        "report_p95_ms": {k: v["p95"] for k, v in reports.items() if v} or None,
        "report_ms": reports,
        "notes": notes,
    }


# --- real workers ----------------------------------------------------------------------------


def _time_workers(as_of: dt.date, count: int) -> dict:
    """K real Celery workers (one process each) take the job's office partitions from Redis."""
    from celery import Celery

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = _child_env(
        CELERY_BROKER_URL=BROKER_URL,
        CELERY_QUEUE=queue,
        CELERY_RESULT_BACKEND="",
        LOG_LEVEL="WARNING",
    )
    names = [f"bench{i}-{queue}@%h" for i in range(count)]
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "1", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"]
    workers = [
        subprocess.Popen(
            [*command, "-n", name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in names
    ]
    client = Celery("bench-client", broker=BROKER_URL, set_as_current=False)
    client.conf.task_default_queue = queue
    try:
        _wait_for_workers(client, count, workers)
        _clear_snapshots(as_of)
        started = time.monotonic()
        run, office_ids = jobs.create_arrears_run(as_of=as_of)
        for office_id in office_ids:
            client.send_task("tasks.arrears_partition", args=[run.pk, as_of.isoformat(), office_id])
        while run.status not in (JobRun.Status.DONE, JobRun.Status.FAILED):
            if any(w.poll() is not None for w in workers):
                raise RuntimeError("a Celery worker died during the benchmark")
            time.sleep(0.1)
            run.refresh_from_db()
        seconds = time.monotonic() - started
        if run.status == JobRun.Status.FAILED:
            raise RuntimeError(f"the job failed on the workers: {run.error}")
        return {"seconds": round(seconds, 2), "partitions": len(office_ids)}
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        client.close()


def _wait_for_workers(client, count: int, workers, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("a Celery worker did not start (is Redis running?)")
        if len(client.control.ping(timeout=1.0) or []) >= count:
            return
    raise RuntimeError(f"{count} Celery worker(s) not ready after {timeout:.0f}s")


# --- results ---------------------------------------------------------------------------------


def _ratios(result: dict) -> dict:
    nightly, floor, per_loan = result["nightly_s"], result["floor_s"], result["per_loan_ref_ms"]
    rows = result.get("nightly_snapshot_rows") or 0
    return {
        "nightly_loans_per_s": round(rows / nightly) if nightly else None,
        "nightly_over_floor": round(nightly / floor, 2) if floor else None,
        # The per-loan loop would visit the same loans the job wrote.
        "speedup_vs_per_loan": round(per_loan * rows / 1000 / nightly, 1)
        if per_loan and nightly
        else None,
    }


def table(result: dict) -> str:
    """The figures as an aligned two-column table."""
    rows = [
        ("database", result["database"]),
        ("loans in the database", f"{result['loans']:,}"),
        ("loans in the night's snapshot", f"{result.get('nightly_snapshot_rows') or 0:,}"),
        ("generation", _seconds(result.get("generation_s"))),
        (
            "nightly job (min / median)",
            f"{result['nightly_s']:.2f} s / {result['nightly_median_s']:.2f} s",
        ),
        ("nightly loans per second", f"{result['nightly_loans_per_s'] or 0:,}"),
        ("nightly peak RSS", f"{result['nightly_peak_rss_mb']:.0f} MB"),
        ("floor (one SQL statement)", f"{result['floor_s']:.2f} s"),
        ("nightly / floor", f"{result['nightly_over_floor']}×"),
        ("per-loan reference", f"{result['per_loan_ref_ms']} ms per loan"),
        ("speed-up vs per-loan", f"{result['speedup_vs_per_loan']}×"),
        ("per-loan disagreements", str(len(result.get("per_loan_disagreements") or []))),
        ("admin loan list p50 / p95", _pages(result["admin_list_ms"])),
        ("reconciliation", _seconds(result["reconciliation_s"])),
        ("report p95", str(result["report_p95_ms"])),
    ]
    for count, figures in (result.get("nightly_s_by_workers") or {}).items():
        rows.append((f"nightly on {count} worker(s)", f"{figures['seconds']:.2f} s"))
    rows.append(("load average start / end", f"{result['load_average_start']} / "
                                             f"{result['load_average_end']}"))  # fmt: skip
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def _seconds(value) -> str:
    return "–" if value is None else f"{value:.1f} s"


def _pages(value) -> str:
    return "–" if not value else f"{value['p50']:.0f} ms / {value['p95']:.0f} ms"


# --- the report pages, one request each (moved verbatim from loans/report_api.py) ----------


def report_timers(
    *, as_of: date | None = None, start: date | None = None, source: str = "auto", user=None
) -> dict[str, Callable[[], None]]:
    """name -> a callable making one report request (a superuser, django.test.Client); each
    raises AssertionError unless the answer is 200. Dates default to yesterday and the 30 days
    before it; `source="engine"` times the computation without the nightly snapshot. The
    report URLs must be in the URLconf."""
    end = as_of or timezone.localdate() - timedelta(days=1)
    start = start or end - timedelta(days=30)
    if user is None:
        user, _created = get_user_model().objects.get_or_create(
            username="report-benchmark", defaults={"is_superuser": True, "is_staff": True}
        )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    day = {"as_of": end.isoformat(), "source": source}
    period = {"from": start.isoformat(), "to": end.isoformat(), "source": source}
    requests = {
        "portfolio": ("report-portfolio", day),
        "portfolio_by_office_and_programme": (
            "report-portfolio",
            {**day, "group_by": "office,programme"},
        ),
        "portfolio_by_commune_xlsx": (
            "report-portfolio",
            {**day, "group_by": "commune", "format": "xlsx"},
        ),
        "flows": ("report-flows", period),
        "arrears_ageing": ("report-arrears-ageing", day),
        "decree_28": ("report-decree-28", {**period, "group_by": "programme,ethnicity"}),
    }

    def timer(url_name: str, params: dict) -> Callable[[], None]:
        def request() -> None:
            response = client.get(reverse(url_name), params)
            assert response.status_code == 200, response.content[:500]

        return request

    return {name: timer(url_name, params) for name, (url_name, params) in requests.items()}
