"""The incremental night after one ordinary day (`nightly_incremental_s`).

After the full night of D, day D+1 gets an ordinary day of activity through the sessions'
services: one session at each transaction point that meets that day (its session day; the
points with the nearest session days too while they are short of ~3% of the open loans), and
each of its groups' sheets posted as pre-filled (every member pays the interest due). The night
of D+1 is then timed as the default run (incremental: the loans with a posting are recomputed,
the others roll forward from D), its rows are kept, and the full night of D+1 must write the same
rows to the đồng: `incremental_differences` counts the rows of either that the other lacks.
"""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q

from borrowers.models import SavingsGroup, TransactionPoint
from core.errors import DomainError
from loans.models import Loan, LoanStatus, LoanTransaction, PositionSnapshot, TransactionKind
from loans.sessions import services
from loans.sessions.selectors import sheet
from loans.sessions.services.errors import SessionError
from tasks.jobs.snapshots import SNAPSHOT_FIELDS, STATE_FIELDS
from tasks.models import JobRun

from .nightly import clear_snapshots, run_night

SHARE = 0.03  # loans with a posting on an ordinary day
KEPT_TABLE = "bench_incremental_rows"
COLUMNS = ["loan_id", "office_id", "programme_id", *SNAPSHOT_FIELDS, *STATE_FIELDS]


def time_incremental(as_of: dt.date, *, repeat: int, in_process: bool, say) -> dict:
    """A day of activity on D+1, then its incremental night (`repeat` times, the fastest
    kept), compared row by row with its full night."""
    day = as_of + dt.timedelta(days=1)
    result = one_day_of_activity(day)
    say(f"{result['activity_loans']:,} loans paid at {result['activity_sessions']} sessions; "
        f"incremental night of {day} ({repeat}×) …")  # fmt: skip
    runs = []
    for _ in range(max(1, repeat)):
        clear_snapshots(day)
        runs.append(run_night(day, in_process=in_process, full=False)[0])
    run = JobRun.objects.filter(kind=JobRun.Kind.ARREARS, period=day.isoformat()).latest("pk")
    result["nightly_incremental_s"] = round(min(runs), 2)
    result["nightly_incremental_runs_s"] = [round(r, 2) for r in runs]
    result["incremental_rolled_forward"] = run.counts.get("rolled_forward")
    _keep_rows(day)
    say(f"full night of {day}, compared row by row …")
    clear_snapshots(day)
    result["nightly_full_next_day_s"] = round(run_night(day, in_process=in_process)[0], 2)
    result["incremental_differences"] = _differences(day)
    return result


def one_day_of_activity(day: dt.date, *, share: float = SHARE) -> dict:
    """Sessions on `day` at the points that meet then, their groups' sheets posted."""
    started = time.monotonic()
    user = _user()
    target = share * Loan.objects.filter(status=LoanStatus.ACTIVE).count()
    paid, sessions, refused = 0, 0, 0
    for point in _meeting_points(day):
        if paid >= target:
            break
        try:
            session = services.open_session(point, day, by=user)
        except SessionError:
            # A bench re-run on the same portfolio (--reuse): that day was posted already.
            paid += _paid_at(point, day)
            sessions += 1
            continue
        sessions += 1
        for group in SavingsGroup.objects.filter(transaction_point=point).order_by("pk"):
            try:
                paid += _post_group(session, group, user)
            except DomainError:
                refused += 1
    return {
        "activity_day": day.isoformat(),
        "activity_loans": paid,
        "activity_sessions": sessions,
        "activity_refused_sheets": refused,
        "activity_s": round(time.monotonic() - started, 2),
    }


def _paid_at(point: TransactionPoint, day: dt.date) -> int:
    """Loans paid at the point's session of `day` (posted by an earlier run)."""
    paid = LoanTransaction.objects.filter(
        transaction_point=point, value_date=day, kind=TransactionKind.INTEREST_PAYMENT
    )
    return paid.values("loan_id").distinct().count()


def _meeting_points(day: dt.date) -> list[TransactionPoint]:
    """Points whose session day is `day`'s, then the nearest session days, with open loans."""
    points = TransactionPoint.objects.annotate(
        open_loans=Count("groups__loans", filter=Q(groups__loans__status=LoanStatus.ACTIVE))
    ).filter(open_loans__gt=0)

    def distance(point: TransactionPoint) -> tuple[int, int]:
        gap = abs((point.session_day or 0) - day.day)
        return min(gap, 31 - gap), point.pk

    return sorted(points, key=distance)


def _post_group(session, group: SavingsGroup, user) -> int:
    """Post the group's pre-filled sheet (the interest due of every loan owing some)."""
    lines = [line for line in sheet(session, group)["lines"] if line["interest_due"] > 0]
    if not lines:
        return 0
    body = {
        "savings_group": group,
        "lines": [{"loan": line["loan"], "interest": line["interest_due"]} for line in lines],
        "savings": [],
    }
    body["cash_counted"] = services.sheet_totals(body)["cash"]
    services.post_sheet(session, body, by=user)
    return len(lines)


def _user():
    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-sessions", password=None)
    return user


def _keep_rows(day: dt.date) -> None:
    table = PositionSnapshot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {KEPT_TABLE}")
        cursor.execute(
            f"CREATE TABLE {KEPT_TABLE} AS SELECT {', '.join(COLUMNS)} FROM {table} "
            "WHERE as_of = %s",
            [day],
        )


def _differences(day: dt.date) -> int:
    """Rows of the incremental night the full one lacks, and the other way round."""
    table, columns = PositionSnapshot._meta.db_table, ", ".join(COLUMNS)
    now = f"SELECT {columns} FROM {table} WHERE as_of = %s"
    kept = f"SELECT {columns} FROM {KEPT_TABLE}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM ({kept} EXCEPT {now}) a), "
            f"(SELECT COUNT(*) FROM ({now} EXCEPT {kept}) b)",
            [day, day],
        )
        missing, extra = cursor.fetchone()
        cursor.execute(f"DROP TABLE {KEPT_TABLE}")
    return int(missing) + int(extra)
