"""The monthly reconciliation job (đối chiếu tháng, DOMAIN.md §6), the nightly job's pattern.

A run for month M is split into one partition per transaction office. A partition reads its
loans in id-range chunks and computes each loan's month (reconciliation_figures: journal sums,
two engine passes, the discrepancies), builds one line per loan active in the month and the
group's commission and fees (fees: DOMAIN.md §5, allocated back to the loans so every level
adds up). A partition replaces its office's rows for the month in one transaction, so a re-run
(or a crashed run run again) leaves exactly one set of results per month.
"""

import logging
import time
from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from loans.models import Loan
from loans.reconciliation.models import (
    AMOUNT_FIELDS,
    Discrepancy,
    FeePayment,
    Reconciliation,
    ReconciliationLine,
    ReconciliationTotal,
)
from loans.reconciliation.months import month_end, parse_month, previous_month
from loans.reconciliation.totals import write_level_totals
from loans.savings.models import MonthlySavingsLine
from loans.selectors import id_chunks

from ..models import JobRun
from . import reconciliation_figures as figures
from . import runs
from .fees import LEVELS, apply_fee_rules, rules_in_force
from .savings_reconciliation import savings_counts, write_savings_lines

__all__ = [
    "create_reconciliation_run",
    "finish_reconciliation",
    "month_end",
    "office_counts",
    "parse_month",
    "previous_month",
    "reconcile_office",
    "resume_reconciliation",
    "run_reconciliation",
    "run_reconciliation_partition",
]
log = logging.getLogger(__name__)
RESULT_MODELS = (ReconciliationLine, FeePayment, Discrepancy, MonthlySavingsLine)


# --- the run ---------------------------------------------------------------------------------


def create_reconciliation_run(*, month: date, by=None) -> tuple[JobRun, list[int]]:
    """A queued JobRun for `month`, the month's result record pointing at it, and the office
    partitions to run. Results of offices that no longer hold loans are dropped here; every
    other office's results are replaced by its partition."""
    month = parse_month(month)
    office_ids = sorted(set(Loan.objects.values_list("office_id", flat=True).distinct()))
    with transaction.atomic():
        run = runs.create_run(
            kind=JobRun.Kind.RECONCILIATION, period=f"{month:%Y-%m}", office_ids=office_ids, by=by
        )
        recon, _created = Reconciliation.objects.get_or_create(month=month)
        # The previous run's results stay readable until this one finishes (office by office).
        Reconciliation.objects.filter(pk=recon.pk).update(run_id=run.pk)
        for model in RESULT_MODELS:
            model.objects.filter(reconciliation=recon).exclude(office_id__in=office_ids).delete()
    return run, office_ids


def run_reconciliation(*, month: "date | str", by=None, progress=None) -> JobRun:
    """Run the whole month in this process (the command line, tests, the benchmark);
    `progress(done, total)` hears of each office."""
    month = parse_month(month)
    run, office_ids = create_reconciliation_run(month=month, by=by)
    runs.run_partitions(
        run_reconciliation_partition, office_ids, progress=progress, run_id=run.pk, month=month
    )
    finish_reconciliation(run_id=run.pk)
    run.refresh_from_db()
    return run


def resume_reconciliation(*, run: JobRun, progress=None) -> JobRun:
    """Run a stalled or failed run's missing partitions in this process, then close it."""
    office_ids = runs.reopen(run)
    month = parse_month(run.period)
    runs.run_partitions(
        run_reconciliation_partition, office_ids, progress=progress, run_id=run.pk, month=month
    )
    finish_reconciliation(run_id=run.pk)
    run.refresh_from_db()
    return run


def run_reconciliation_partition(*, run_id: int, month: date, office_id: int) -> dict[str, int]:
    """Reconcile one office's loans for `month` and replace its rows, then count the part."""
    month = parse_month(month)
    return runs.run_partition(
        lambda: _reconcile_and_write(month=month, office_id=office_id),
        run_id=run_id,
        office_id=office_id,
    )


def _reconcile_and_write(*, month: date, office_id: int) -> dict[str, int]:
    started = time.monotonic()
    recon = Reconciliation.objects.get(month=month)
    result = reconcile_office(office_id=office_id, month=month)
    with transaction.atomic():
        # Two runs of one month replacing one office's rows take turns, so neither inserts
        # rows the other has not deleted.
        runs.take_turns(f"reconciliation:{month:%Y-%m}", office_id)
        for model in RESULT_MODELS:
            model.objects.filter(reconciliation=recon, office_id=office_id).delete()
        _write(recon, result)
        write_level_totals(recon, office_id=office_id)
        savings = write_savings_lines(
            recon, office_id=office_id, first=month, last=month_end(month)
        )
        runs.test_delay()
    counts = {**office_counts(result), **savings}
    log.info(
        "reconciliation %s office %s: %s in %.1fs",
        f"{month:%Y-%m}",
        office_id,
        counts,
        time.monotonic() - started,
    )
    return counts


def office_counts(result: "OfficeResult") -> dict[str, int]:
    """One office's share of the run's counts (the same keys; groups and loans belong to one
    office, so the offices' counts add up to the run's)."""
    lines, found = result.lines, result.discrepancies
    total = {name: int(lines[name].sum()) if len(lines) else 0 for name in AMOUNT_FIELDS}
    groups = lines["savings_group_id"].dropna().nunique() if len(lines) else 0
    return {
        "loans": len(lines),
        "groups": int(groups),
        "fees": len(result.fees),
        "discrepancies": len(found),
        "discrepant_loans": int(found["loan_id"].nunique()) if len(found) else 0,
        "closing_outstanding": total["closing_outstanding"],
        "interest_collected": total["interest_collected"],
        "leader_commission": total["leader_commission"],
        "association_fee": sum(total[f"fee_{level}"] for level in LEVELS),
    }


def finish_reconciliation(*, run_id: int) -> JobRun | None:
    """Close the run once every partition is done: totals on the month and the run (once)."""
    run = runs.run_to_finish(run_id)
    if run is None:
        return None
    recon = Reconciliation.objects.get(month=parse_month(run.period))
    sums = recon.lines.aggregate(*(Sum(f) for f in AMOUNT_FIELDS))
    totals = {name.removesuffix("__sum"): int(value or 0) for name, value in sums.items()}
    counts = {
        "loans": recon.lines.count(),
        "groups": recon.lines.exclude(savings_group=None)
        .values("savings_group")
        .distinct()
        .count(),
        "discrepancies": recon.discrepancies.count(),
        "discrepant_loans": recon.discrepancies.values("loan").distinct().count(),
        "closing_outstanding": totals["closing_outstanding"],
        "interest_collected": totals["interest_collected"],
        "leader_commission": totals["leader_commission"],
        "association_fee": sum(totals[f"fee_{level}"] for level in LEVELS),
        **savings_counts(recon),
    }

    # Statistics for the month just written: without them PostgreSQL planned the savings-group
    # level's join for one row a table and sorted 17,857 rows on disk (1M loans: 59 -> 38 ms).
    runs.analyze(ReconciliationLine, ReconciliationTotal, FeePayment)

    def record_totals(finished_at) -> None:
        Reconciliation.objects.filter(pk=recon.pk, run_id=run_id).update(
            finished_at=finished_at,
            totals=totals,
            loan_count=counts["loans"],
            discrepancy_count=counts["discrepancies"],
        )

    return runs.mark_done(run, counts, then=record_totals)


# --- one office ------------------------------------------------------------------------------


@dataclass
class OfficeResult:
    """What a partition writes: loan lines, fee rows (dicts) and discrepancy rows."""

    lines: pd.DataFrame
    fees: list[dict]
    discrepancies: pd.DataFrame


def reconcile_office(*, office_id: int, month: date) -> OfficeResult:
    """Compute (and not write) one office's month; every loan of the office is checked."""
    loans = Loan.objects.filter(office_id=office_id)
    first, last = month, month_end(month)
    chunks = [
        figures.loan_figures(loans.filter(id__gte=lo, id__lte=hi), first=first, last=last)
        for lo, hi in id_chunks(loans, settings.POSITION_CHUNK_SIZE)
    ]
    if not chunks:
        return OfficeResult(lines=pd.DataFrame(), fees=[], discrepancies=pd.DataFrame())
    rows = pd.concat(chunks, ignore_index=True)
    discrepancies = figures.find_discrepancies(rows)
    active = rows[(rows[list(figures.ACTIVITY_COLUMNS)] != 0).any(axis=1)]
    lines = figures.with_associations(active.reset_index(drop=True))
    lines, fees = apply_fee_rules(lines, rules=rules_in_force(last))
    return OfficeResult(lines=lines, fees=fees, discrepancies=discrepancies)


# --- writing ---------------------------------------------------------------------------------

LINE_COLUMNS = [*figures.KEY_COLUMNS, *AMOUNT_FIELDS]


def _write(recon: Reconciliation, result: OfficeResult) -> None:
    lines = result.lines.assign(reconciliation_id=recon.pk)
    columns = ["reconciliation_id", *LINE_COLUMNS]
    rows = zip(*(_plain_values(lines[column]) for column in columns), strict=True)
    if connection.vendor == "postgresql":
        _copy_rows(ReconciliationLine._meta.db_table, columns, rows)
    else:
        ReconciliationLine.objects.bulk_create(
            (ReconciliationLine(**dict(zip(columns, row, strict=True))) for row in rows),
            batch_size=2000,
        )
    FeePayment.objects.bulk_create(FeePayment(reconciliation=recon, **row) for row in result.fees)
    Discrepancy.objects.bulk_create(
        Discrepancy(
            reconciliation=recon,
            loan_id=int(row.loan_id),
            office_id=int(row.office_id),
            kind=row.kind,
            field=row.field,
            expected=int(row.expected),
            actual=int(row.actual),
        )
        for row in result.discrepancies.itertuples(index=False)
    )


def _plain_values(column: pd.Series) -> list:
    """A column as Python ints, None where missing (a loan outside any group), column-wise."""
    if column.hasnans:
        return [None if pd.isna(value) else int(value) for value in column.tolist()]
    return column.astype("int64").tolist()


def _copy_rows(table: str, columns: list[str], rows) -> None:
    """PostgreSQL COPY (psycopg 3): the fastest way to land many rows."""
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
