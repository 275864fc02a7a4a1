"""The half-year savings interest job (DOMAIN.md §7), the nightly job's pattern.

A run for the half-year ending on 30 Jun or 31 Dec is split into one partition per
transaction office: a partition credits its office's households' interest, set-based
(loans.savings.services.credit_half_year: one SQL statement per office on PostgreSQL). An
account credited already is skipped, so a re-run, or a partition run twice, credits nothing
twice, and costs little.
"""

from datetime import date

from django.db import connection, transaction
from django.db.models import Sum

from loans.savings import services as savings
from loans.savings.interest import check_period_end
from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction

from ..models import JobRun
from . import runs

KIND = JobRun.Kind.SAVINGS_INTEREST


def previous_period_end(today: date) -> date:
    """The half-year end just passed: 31 Dec on 1 Jan–30 Jun, 30 Jun on 1 Jul–31 Dec."""
    if today.month <= 6:
        return date(today.year - 1, 12, 31)
    return date(today.year, 6, 30)


def create_savings_interest_run(*, period_end: date, by=None) -> tuple[JobRun, list[int]]:
    """A queued JobRun for the half-year and the offices whose households have accounts."""
    check_period_end(period_end)
    office_ids = sorted(
        set(
            SavingsAccount.objects.values_list("borrower__office_id", flat=True)
            .order_by()
            .distinct()
        )
    )
    run = runs.create_run(kind=KIND, period=period_end.isoformat(), office_ids=office_ids, by=by)
    _fresh_statistics()
    return run, office_ids


def _fresh_statistics() -> None:
    """ANALYZE the savings tables (PostgreSQL) when a tenth of their rows changed since the
    last ANALYZE: the credit statement reads an office's entries through the account index
    only if the planner knows how many rows there are (with a journal grown since the last
    autovacuum it would scan the whole journal once per office)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND n_mod_since_analyze > 0.1 * GREATEST(n_live_tup, 1000)",
            [["savings_savingsaccount", "savings_savingstransaction"]],
        )
        stale = [name for (name,) in cursor.fetchall()]
        if stale:
            cursor.execute(f"ANALYZE {', '.join(stale)}")


def run_savings_interest(*, period_end: date, by=None, progress=None) -> JobRun:
    """The whole run in this process (the command line, tests, the benchmark)."""
    run, office_ids = create_savings_interest_run(period_end=period_end, by=by)
    runs.run_partitions(
        run_savings_interest_partition,
        office_ids,
        progress=progress,
        run_id=run.pk,
        period_end=period_end,
    )
    finish_savings_interest(run_id=run.pk)
    run.refresh_from_db()
    return run


def resume_savings_interest(*, run: JobRun, progress=None) -> JobRun:
    office_ids = runs.reopen(run)
    period_end = date.fromisoformat(run.period)
    runs.run_partitions(
        run_savings_interest_partition,
        office_ids,
        progress=progress,
        run_id=run.pk,
        period_end=period_end,
    )
    finish_savings_interest(run_id=run.pk)
    run.refresh_from_db()
    return run


def run_savings_interest_partition(*, run_id: int, period_end: date, office_id: int) -> dict:
    return runs.run_partition(
        lambda: _office_credit(period_end=period_end, office_id=office_id),
        run_id=run_id,
        office_id=office_id,
    )


def _office_credit(*, period_end: date, office_id: int) -> dict[str, int]:
    with transaction.atomic():
        runs.take_turns(f"savings_interest:{period_end.isoformat()}", office_id)
        runs.tune_batch_session()  # as the nightly job: sorts in memory, no JIT, SSD costs
        return savings.credit_half_year(period_end, office_id=office_id)


def finish_savings_interest(*, run_id: int) -> JobRun | None:
    """Close the run once every partition is done, with the half-year's credited totals."""
    run = runs.run_to_finish(run_id)
    if run is None:
        return None
    credits = SavingsTransaction.objects.filter(
        kind=SavingsKind.INTEREST_CREDIT, value_date=date.fromisoformat(run.period)
    )
    total = credits.aggregate(t=Sum("amount"))["t"] or 0
    parts = run.partitions.values_list("counts", flat=True)
    counts = {
        "accounts_credited": sum(int(c.get("accounts", 0)) for c in parts),
        "credited_now": sum(int(c.get("total", 0)) for c in parts),
        "interest_credited": int(total),
        "accounts_with_credit": credits.count(),
    }
    return runs.mark_done(run, counts)
