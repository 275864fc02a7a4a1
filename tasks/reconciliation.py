"""The monthly reconciliation job (đối chiếu tháng, DOMAIN.md §6), the nightly job's pattern.

A run for month M is split into one partition per transaction office. A partition reads its
loans in id-range chunks and, per chunk, sums the journal in one grouped query (before M, within
M, all time; reversals netted against the kind they reverse) and runs the position engine twice
(end of M−1 and end of M). From these it builds one line per loan active in the month, the
group's commission and fees (DOMAIN.md §5, allocated back to the loans so every level adds up),
and the discrepancies:

- cache: a balance cached on the loan differs from the journal's all-time total (every loan);
- roll_forward: the engine's opening balance differs from the journal's balance at the end of
  M−1, or opening + disbursed − repaid − written off ≠ the engine's closing balance.

A partition replaces its office's rows for the month in one transaction, so a re-run (or a
crashed run run again) leaves exactly one set of results per month.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from borrowers.models import Association, SavingsGroup
from loans import positions as engine
from loans.models import Loan
from loans.reconciliation.models import (
    AMOUNT_FIELDS,
    Discrepancy,
    FeePayment,
    Reconciliation,
    ReconciliationLine,
)

# (previous_month is read from here by tasks.tasks, the admin and the commands.)
from loans.reconciliation.months import month_end, parse_month, previous_month  # noqa: F401

# The opening pass re-reads only the schedule in force on the eve of the month.
from loans.selectors import (
    engine_inputs,
    id_chunks,
    id_set_sql,
    instalments_in_force,
    int_rows,
    loan_book,
)

from .fees import ASSOCIATION_COLUMNS, LEVELS, apply_fee_rules, rules_in_force
from .jobs import run_partitions, tune_batch_session
from .models import JobRun

log = logging.getLogger(__name__)

# The principal flows of the roll-forward, by journal kind.
PRINCIPAL_KINDS = {
    "disbursed": "disbursement",
    "repaid": "principal_repayment",
    "written_off": "write_off",
}
# Cached balance on Loan -> how the journal's all-time totals give it.
CACHE_CHECKS = {
    "disbursed_total": ("all_disbursed",),
    "principal_repaid_total": ("all_repaid",),
    "written_off_total": ("all_written_off",),
    "outstanding_principal": ("all_disbursed", "-all_repaid", "-all_written_off"),
    "interest_paid_total": ("all_interest_paid",),
    "interest_written_off_total": ("all_interest_written_off",),
}
KEY_COLUMNS = [
    "loan_id",
    "office_id",
    "transaction_point_id",
    "savings_group_id",
    "programme_id",
    *ASSOCIATION_COLUMNS.values(),
]
# A loan with any of these non-zero is active in the month and gets a line.
ACTIVITY_COLUMNS = (
    "opening_outstanding",
    "disbursed",
    "principal_repaid",
    "written_off",
    "closing_outstanding",
    "interest_due",
    "interest_collected",
    "interest_arrears",
    "overdue_principal",
)
CACHE_COLUMNS = list(CACHE_CHECKS)
# Journal sums per loan: column -> (journal kind, value-date window).
JOURNAL_SUMS = {
    **{
        f"{when}_{name}": (kind, when)
        for name, kind in PRINCIPAL_KINDS.items()
        for when in ("before", "month", "all")
    },
    "month_interest_paid": ("interest_payment", "month"),
    "all_interest_paid": ("interest_payment", "all"),
    "all_interest_written_off": ("interest_write_off", "all"),
}
JOURNAL_COLUMNS = list(JOURNAL_SUMS)
# Loan fields read per chunk -> frame columns.
META_COLUMNS = {
    "id": "loan_id",
    "office_id": "office_id",
    "transaction_point_id": "transaction_point_id",
    "savings_group_id": "savings_group_id",
    "programme_id": "programme_id",
    **{field: field for field in CACHE_COLUMNS},
}
# Engine figures at the end of M−1 and of M -> frame columns.
OPENING_COLUMNS = {"outstanding_principal": "opening_outstanding", "interest_due": "due_before"}
CLOSING_COLUMNS = {
    "outstanding_principal": "closing_outstanding",
    "interest_due": "due_through",
    "interest_arrears": "interest_arrears",
    "overdue_principal": "overdue_principal",
}


# --- the run ---------------------------------------------------------------------------------


def create_reconciliation_run(*, month: date, by=None) -> tuple[JobRun, list[int]]:
    """A queued JobRun for `month`, the month's result record pointing at it, and the office
    partitions to run. Results of offices that no longer hold loans are dropped here; every
    other office's results are replaced by its partition."""
    month = parse_month(month)
    office_ids = sorted(set(Loan.objects.values_list("office_id", flat=True).distinct()))
    with transaction.atomic():
        run = JobRun.objects.create(
            kind=JobRun.Kind.RECONCILIATION,
            period=f"{month:%Y-%m}",
            parts_total=len(office_ids),
            created_by=by,
        )
        recon, _created = Reconciliation.objects.get_or_create(month=month)
        # The previous run's results stay readable until this one finishes (office by office).
        Reconciliation.objects.filter(pk=recon.pk).update(run_id=run.pk)
        for model in (ReconciliationLine, FeePayment, Discrepancy):
            model.objects.filter(reconciliation=recon).exclude(office_id__in=office_ids).delete()
    return run, office_ids


def run_reconciliation(*, month: "date | str", by=None) -> JobRun:
    """Run the whole month in this process (the command line, tests, the benchmark)."""
    month = parse_month(month)
    run, office_ids = create_reconciliation_run(month=month, by=by)
    run_partitions(run_reconciliation_partition, office_ids, run_id=run.pk, month=month)
    finish_reconciliation(run_id=run.pk)
    run.refresh_from_db()
    return run


def run_reconciliation_partition(*, run_id: int, month: date, office_id: int) -> dict[str, int]:
    """Reconcile one office's loans for `month` and replace its rows, then count the part."""
    started = time.monotonic()
    month = parse_month(month)
    # Compare-and-set: only the first partition to start moves the run to running.
    JobRun.objects.filter(pk=run_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now()
    )
    try:
        recon = Reconciliation.objects.get(month=month)
        result = reconcile_office(office_id=office_id, month=month)
        with transaction.atomic():
            _take_turns(recon.pk, office_id)
            for model in (ReconciliationLine, FeePayment, Discrepancy):
                model.objects.filter(reconciliation=recon, office_id=office_id).delete()
            _write(recon, result)
    except Exception as exc:
        JobRun.objects.filter(pk=run_id).update(
            status=JobRun.Status.FAILED, error=f"office {office_id}: {exc!r}"[:2000]
        )
        raise
    JobRun.objects.filter(pk=run_id).update(parts_done=F("parts_done") + 1)
    counts = {
        "loans": len(result.lines),
        "fees": len(result.fees),
        "discrepancies": len(result.discrepancies),
    }
    log.info(
        "reconciliation %s office %s: %s in %.1fs",
        f"{month:%Y-%m}",
        office_id,
        counts,
        time.monotonic() - started,
    )
    return counts


def _take_turns(reconciliation_id: int, office_id: int) -> None:
    """Two runs of one month replacing one office's rows take turns, so neither inserts rows
    the other has not deleted (PostgreSQL; SQLite serialises write transactions anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int4, %s::int4)",
                [reconciliation_id % 2**31, office_id % 2**31],
            )


def finish_reconciliation(*, run_id: int) -> JobRun | None:
    """Close the run once every partition is done: totals on the month and the run (once)."""
    run = JobRun.objects.get(pk=run_id)
    if run.parts_done < run.parts_total or run.status == JobRun.Status.FAILED:
        return None
    recon = Reconciliation.objects.get(month=parse_month(run.period))
    totals = {
        name: int(value or 0)
        for name, value in recon.lines.aggregate(*(Sum(f) for f in AMOUNT_FIELDS)).items()
    }
    totals = {name.removesuffix("__sum"): value for name, value in totals.items()}
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
    }
    if run.started_at:
        counts["seconds"] = round((timezone.now() - run.started_at).total_seconds(), 3)
    now = timezone.now()
    with transaction.atomic():
        updated = (
            JobRun.objects.filter(pk=run_id)
            .exclude(status=JobRun.Status.DONE)
            .update(status=JobRun.Status.DONE, finished_at=now, counts=counts)
        )
        if updated:
            Reconciliation.objects.filter(pk=recon.pk, run_id=run_id).update(
                finished_at=now,
                totals=totals,
                loan_count=counts["loans"],
                discrepancy_count=counts["discrepancies"],
            )
    run.refresh_from_db()
    return run if updated else None


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
        loan_figures(loans.filter(id__gte=lo, id__lte=hi), first=first, last=last)
        for lo, hi in id_chunks(loans, settings.POSITION_CHUNK_SIZE)
    ]
    if not chunks:
        return OfficeResult(lines=pd.DataFrame(), fees=[], discrepancies=pd.DataFrame())
    figures = pd.concat(chunks, ignore_index=True)
    discrepancies = find_discrepancies(figures)
    active = figures[(figures[list(ACTIVITY_COLUMNS)] != 0).any(axis=1)]
    lines = _with_associations(active.reset_index(drop=True))
    lines, fees = apply_fee_rules(lines, rules=rules_in_force(last))
    return OfficeResult(lines=lines, fees=fees, discrepancies=discrepancies)


def loan_figures(loans, *, first: date, last: date) -> pd.DataFrame:
    """Per loan of the (chunk) queryset: keys, cached balances, journal sums and the month's
    figures from two engine passes. A few queries for the whole chunk, none per loan."""
    with _one_snapshot():
        meta = pd.DataFrame.from_records(
            loans.values_list(*META_COLUMNS), columns=list(META_COLUMNS.values())
        )
        ids = meta["loan_id"].to_numpy(dtype=np.int64)
        journal = journal_sums(ids, first=first, last=last)
        closing_inputs = engine_inputs(loan_book(ids), as_of=last)
        # The opening pass reads the same journal and freezes (the engine ignores what is
        # dated after its day); only the schedule in force may differ (a version from M).
        opening_inputs = {
            **closing_inputs,
            "instalments": instalments_in_force(ids, first - timedelta(days=1)),
        }
    meta["savings_group_id"] = meta["savings_group_id"].astype("Int64")
    frame = meta.merge(journal, on="loan_id", how="left")
    frame[JOURNAL_COLUMNS] = frame[JOURNAL_COLUMNS].fillna(0).astype("int64")
    for as_of, inputs, columns in (
        (first - timedelta(days=1), opening_inputs, OPENING_COLUMNS),
        (last, closing_inputs, CLOSING_COLUMNS),
    ):
        engine_rows = _positions(inputs, as_of=as_of)[["loan_id", *columns]]
        frame = frame.merge(engine_rows.rename(columns=columns), on="loan_id")
    return frame.assign(
        disbursed=frame["month_disbursed"],
        principal_repaid=frame["month_repaid"],
        written_off=frame["month_written_off"],
        # The periods that fell due within M: cumulative interest due at M's end minus M−1's.
        interest_due=frame["due_through"] - frame["due_before"],
        interest_collected=frame["month_interest_paid"],
        journal_opening=frame["before_disbursed"]
        - frame["before_repaid"]
        - frame["before_written_off"],
    )


@contextmanager
def _one_snapshot():
    """On PostgreSQL, a chunk's reads in one read-only REPEATABLE READ transaction: the cached
    balances, the journal sums and the engine's inputs are then read as of one instant, so a
    posting committed while the job runs cannot pass for a discrepancy. (SQLite: a job runs
    alone on a development database; its transactions would lock out writers.)"""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tune_batch_session()  # as the nightly job: sorts in memory, no JIT, no parallel workers
        yield


def _positions(inputs: dict[str, pd.DataFrame], *, as_of: date) -> pd.DataFrame:
    return engine.compute_positions(
        as_of=as_of,
        bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
        overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
        **inputs,
    )


def journal_sums(ids: np.ndarray, *, first: date, last: date) -> pd.DataFrame:
    """One grouped query over the loans' journal: per loan, principal flows before, within and
    through all time, interest paid within M and all time, interest written off all time. A
    reversal counts negatively under the kind of the entry it reverses, at its own value date
    (which is that entry's)."""
    loan_set, params = id_set_sql("t.loan_id", ids)
    # The reversed entry's kind is looked up for reversals only: a join would visit the
    # journal's table for every entry instead of reading the covering (loan, day) index alone.
    original = "(SELECT r.kind FROM loans_loantransaction r WHERE r.id = t.reverses_id)"
    windows = {
        "before": "t.value_date < %(first)s",
        "month": "t.value_date BETWEEN %(first)s AND %(last)s",
        "all": "TRUE",
    }
    sums = ", ".join(
        f"SUM(CASE WHEN e.kind = '{kind}' AND {windows[when].replace('t.', 'e.')} "
        "THEN e.signed ELSE 0 END)"
        for kind, when in JOURNAL_SUMS.values()
    )
    kinds = sorted({kind for kind, _when in JOURNAL_SUMS.values()})
    sql = f"""
        SELECT e.loan_id, {sums}
        FROM (
            SELECT t.loan_id, t.value_date,
                CASE WHEN t.kind = 'reversal' THEN {original} ELSE t.kind END AS kind,
                CASE WHEN t.kind = 'reversal' THEN -t.amount ELSE t.amount END AS signed
            FROM loans_loantransaction t
            WHERE {loan_set} AND t.kind IN ({", ".join(f"'{k}'" for k in [*kinds, "reversal"])})
        ) e
        GROUP BY e.loan_id"""
    # Named parameters for the dates; the id set is the one positional parameter.
    sql = sql.replace("%s", "%(ids)s")
    rows = int_rows(sql, {"ids": params[0], "first": first, "last": last}, 1 + len(JOURNAL_SUMS))
    return pd.DataFrame(rows, columns=["loan_id", *JOURNAL_COLUMNS])


# --- discrepancies ---------------------------------------------------------------------------


def find_discrepancies(figures: pd.DataFrame) -> pd.DataFrame:
    """Every figure that does not reconcile: (loan_id, office_id, kind, field, expected,
    actual). Expected is what the journal says; actual is the cache or the engine's figure."""
    checks = []
    for field, terms in CACHE_CHECKS.items():
        expected = sum(-figures[t[1:]] if t.startswith("-") else figures[t] for t in terms)
        checks.append((Discrepancy.Kind.CACHE, field, expected, figures[field]))
    checks.append(
        (
            Discrepancy.Kind.ROLL_FORWARD,
            "opening_outstanding",
            figures["journal_opening"],
            figures["opening_outstanding"],
        )
    )
    rolled = (
        figures["opening_outstanding"]
        + figures["disbursed"]
        - figures["principal_repaid"]
        - figures["written_off"]
    )
    checks.append(
        (
            Discrepancy.Kind.ROLL_FORWARD,
            "closing_outstanding",
            rolled,
            figures["closing_outstanding"],
        )
    )
    found = [
        pd.DataFrame(
            {
                "loan_id": figures["loan_id"],
                "office_id": figures["office_id"],
                "kind": kind,
                "field": field,
                "expected": expected,
                "actual": actual,
            }
        )[expected != actual]
        for kind, field, expected, actual in checks
        if len(figures)
    ]
    columns = ["loan_id", "office_id", "kind", "field", "expected", "actual"]
    if not found:
        return pd.DataFrame(columns=columns)
    return pd.concat(found, ignore_index=True)[columns]


# --- associations ----------------------------------------------------------------------------


def _with_associations(lines: pd.DataFrame) -> pd.DataFrame:
    """Add the group's managing association and its parents at each level (one small query
    for the groups, one for the associations)."""
    group_ids = [int(g) for g in lines["savings_group_id"].dropna().unique()]
    managing = dict(
        SavingsGroup.objects.filter(id__in=group_ids).values_list("id", "association_id")
    )
    tree = {
        aid: (level, parent)
        for aid, level, parent in Association.objects.values_list("id", "level", "parent_id")
    }
    chains = []
    for group_id, association_id in managing.items():
        chain = {"savings_group_id": group_id, "association_id": association_id}
        seen, current = set(), association_id
        while current is not None and current not in seen:  # a cycle would be a data error
            seen.add(current)
            level, parent = tree[current]
            if level != "commune":
                chain.setdefault(ASSOCIATION_COLUMNS[level], current)
            current = parent
        chains.append(chain)
    chain_frame = pd.DataFrame(chains, columns=["savings_group_id", *ASSOCIATION_COLUMNS.values()])
    return lines.merge(chain_frame.astype("Int64"), on="savings_group_id", how="left")


# --- writing ---------------------------------------------------------------------------------

LINE_COLUMNS = [*KEY_COLUMNS, *AMOUNT_FIELDS]


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
