"""Timing the nightly arrears job, in a subprocess (its own peak RSS) or in this process, and
its floor: one SQL statement that reads the same rows once and writes one row per loan."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection, transaction

from loans.models import PositionSnapshot
from tasks.jobs import arrears

from .environment import ROOT, child_env, stats

FLOOR_TABLE = "bench_floor"


def clear_snapshots(as_of: dt.date) -> None:
    """A first run of the night: no rows for the date yet (and none of their dead tuples)."""
    PositionSnapshot.objects.filter(as_of=as_of).delete()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {PositionSnapshot._meta.db_table}")


def time_nightly(as_of: dt.date, *, repeat: int, in_process: bool) -> dict:
    runs, rss, cpu = [], [], []
    for _ in range(max(1, repeat)):
        clear_snapshots(as_of)
        seconds, peak_mb, cpu_s = run_night(as_of, in_process=in_process)
        runs.append(seconds)
        rss.append(peak_mb)
        cpu.append(cpu_s)
    rows = PositionSnapshot.objects.filter(as_of=as_of).count()
    return {
        "nightly_s": stats(runs)["min"],
        "nightly_runs_s": [round(r, 2) for r in runs],
        "nightly_median_s": stats(runs)["median"],
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
call_command("run_arrears", as_of=sys.argv[1], full=sys.argv[2] == "full")
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak_rss_kb", line.split()[1])
"""


def run_night(
    as_of: dt.date, *, in_process: bool, full: bool = True
) -> tuple[float, float, float | None]:
    """One night of `as_of`: (seconds, peak RSS MB, CPU seconds); `full` recomputes every loan
    (the full night), else the default run (incremental when the day before is complete)."""
    if in_process:
        return _nightly_in_process(as_of, full=full)
    return _nightly_subprocess(as_of, full=full)


def _nightly_subprocess(as_of: dt.date, *, full: bool) -> tuple[float, float, float]:
    """`manage.py run_arrears` in a child: its own wall time, peak RSS and CPU time."""
    mode = "full" if full else "default"
    command = [sys.executable, "-c", _CHILD, as_of.isoformat(), mode]
    process = subprocess.Popen(
        command, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
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


def _nightly_in_process(as_of: dt.date, *, full: bool) -> tuple[float, float, float | None]:
    """In this process (an in-memory test database): peak RSS as the VmHWM after resetting it."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak resident size
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    arrears.run_arrears(as_of=as_of, full=full)
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


def time_floor(as_of: dt.date, *, repeat: int) -> dict:
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
        "floor_s": stats(runs)["min"],
        "floor_runs_s": [round(r, 2) for r in runs],
        "floor_rows": rows,
    }
