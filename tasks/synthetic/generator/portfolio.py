"""A whole generation run (`generate_portfolio`), resetting, and the cache-against-journal check.

Blocks are drawn and encoded in a worker thread while the database ingests the previous one:
two cores, two stages. Into empty tables on PostgreSQL (as a superuser) everything loads in
one transaction with the secondary indexes dropped and rebuilt at the end (a crash rolls back
to the intact schema); otherwise one transaction per block of loans.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from borrowers.models import (
    AdministrativeUnit,
    Association,
    Borrower,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from loans.models import Instalment, Loan, LoanFreeze, LoanTransaction, ScheduleVersion

from .arrays import day
from .block import Block, Context, Ids
from .catalogue import Catalogue
from .encoding import encode_rows, send_rows
from .organisation import ensure_organisation
from .params import BATCH_LOANS, DEFAULT_SEED, LOANS_PER_HOUSEHOLD

log = logging.getLogger(__name__)

TABLES = [Borrower, Loan, ScheduleVersion, Instalment, LoanFreeze, LoanTransaction]


def generate_portfolio(
    *,
    loans: int = 0,
    households: int | None = None,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    until: date | None = None,
    batch_size: int = BATCH_LOANS,
    spread: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, float]:
    """Add `loans` synthetic loans and their households (or `households` households and their
    loans) whose history ends on `until` (default: yesterday); `reset` first removes every loan
    and borrower; `spread` draws the households into every existing group, not only as many
    as they fill. Returns row counts; `progress(done, total)` counts loans (or households)."""
    started = time.monotonic()
    until = until or timezone.localdate() - timedelta(days=1)
    if reset:
        reset_portfolio()
    catalogue = Catalogue.load()
    mean = sum(k * p for k, p in LOANS_PER_HOUSEHOLD.items())
    wanted = households if households is not None else math.ceil(loans / mean)
    org = ensure_organisation(households=wanted, seed=seed, spread=spread)
    ctx = Context(catalogue, org, day(until), Ids.allocate(TABLES), timezone.now())
    run = _Run(ctx, seed=seed, loans=loans, batch_size=batch_size, households=households)
    counts = _load(run, bulk=_can_bulk_load(), progress=progress)
    finishing = time.monotonic()
    _finish()
    log.info("sequences and statistics in %.1fs", time.monotonic() - finishing)
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


@dataclass
class _Run:
    """One generation run: its blocks are drawn from generators seeded by (seed, block), each
    of `batch_size` loans, or with `households`, of about as many loans' households."""

    ctx: Context
    seed: int
    loans: int
    batch_size: int
    households: int | None = None

    def __post_init__(self) -> None:
        self.vendor, self.ops = connection.vendor, connection.ops
        mean = sum(k * p for k, p in LOANS_PER_HOUSEHOLD.items())
        self.per_block = self.batch_size if self.households is None else int(self.batch_size / mean)
        self.total = self.loans if self.households is None else self.households
        self.blocks = math.ceil(self.total / max(1, self.per_block))

    def produce(self, number: int) -> tuple[int, list]:
        """Block `number`, drawn and encoded (numpy, mostly outside the GIL): the loans (or
        households) done after it, and (model, rows, chunks) per table."""
        first = number * self.per_block
        size = min(self.per_block, self.total - first)
        rng = np.random.default_rng([self.seed, number])
        if self.households is None:
            block = Block(self.ctx, rng, size)
        else:
            block = Block(self.ctx, rng, 0, households=size)
        tables = [(model, *block.tables[model]) for model in TABLES[:-1]]
        tables.append((LoanTransaction, len(block.journal["id"]), block.journal_values()))
        encode = {"vendor": self.vendor, "ops": self.ops}
        return first + size, [(m, n, encode_rows(m, n, v, **encode)) for m, n, v in tables]


def _load(run: _Run, *, bulk: bool, progress) -> dict[str, float]:
    """Send every block as the next one is being drawn; row counts per table."""
    counts = dict.fromkeys((m._meta.db_table for m in TABLES), 0)
    with (
        transaction.atomic() if bulk else _nothing(),
        _indexes_rebuilt(bulk),
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending = pool.submit(run.produce, 0) if run.blocks else None
        waited = sent = 0.0
        for number in range(run.blocks):
            block_started = time.monotonic()
            done, encoded = pending.result()
            if number + 1 < run.blocks:
                pending = pool.submit(run.produce, number + 1)
            waited += time.monotonic() - block_started
            with transaction.atomic(), _row_triggers_skipped():
                for model, rows, chunks in encoded:
                    send_rows(model, chunks)
                    counts[model._meta.db_table] += rows
            sent += time.monotonic() - block_started
            if progress:
                progress(done, run.total)
        log.info("waited %.1fs for the generator, %.1fs sending rows", waited, sent - waited)
    return counts


@contextmanager
def _nothing():
    yield


def _can_bulk_load() -> bool:
    """PostgreSQL, every generated table empty, and a superuser (no deferred FK checks)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return False
        for model in TABLES:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {model._meta.db_table})")
            if cursor.fetchone()[0]:
                return False
    return True


@contextmanager
def _indexes_rebuilt(enabled: bool):
    """Drop the generated tables' secondary indexes and unique constraints, and re-create them
    from their own definitions afterwards: a sorted build beats millions of index inserts."""
    if not enabled:
        yield
        return
    saved = []
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'u'",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            saved.append((table, constraints, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for table, constraints, indexes in saved:
            started = time.monotonic()
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            log.info("%s: indexes rebuilt in %.1fs", table, time.monotonic() - started)


@contextmanager
def _row_triggers_skipped():
    """On PostgreSQL, as a superuser, skip the foreign-key triggers while loading: the rows are
    consistent by construction, and millions of deferred checks would queue in memory. (The
    journal's append-only trigger guards UPDATE and DELETE only, never inserts.) Restored
    afterwards, so a caller's transaction (a test) keeps its triggers."""
    skip = connection.vendor == "postgresql"
    if skip:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            skip = cursor.fetchone()[0]
            if skip:
                cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    if skip:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


# The organisation the generator may have created (thousands of groups and associations): its
# statistics too, or a report joins 17,000 groups planned as a couple of thousand (seen with
# autovacuum off: nested loops of index lookups where a hash join takes a third of the time).
ORGANISATION = [
    AdministrativeUnit,
    TransactionOffice,
    TransactionPoint,
    Association,
    SavingsGroup,
]


def _finish() -> None:
    """Move the id sequences past the explicit ids, and refresh the planner's statistics (of the
    organisation too)."""
    tables = [m._meta.db_table for m in TABLES]
    organisation = [m._meta.db_table for m in ORGANISATION]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        # VACUUM also sets the visibility map (index-only scans); it cannot run in a transaction.
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{verb} {', '.join(tables)}")
        cursor.execute(f"ANALYZE {', '.join(organisation)}")


def reset_portfolio() -> list[str]:
    """Remove every borrower and loan and everything that refers to them (journal included:
    TRUNCATE on PostgreSQL, which the append-only trigger allows; raw DELETE on SQLite, as the
    journal's model refuses a queryset delete). The organisation stays."""
    tables = [m._meta.db_table for m in _dependants({Loan, Borrower})]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    return tables


def _dependants(roots: set[type[models.Model]]) -> list[type[models.Model]]:
    """The roots, their history tables, and every model that refers to any of them, repeatedly."""
    found = set(roots) | {m.history.model for m in roots if hasattr(m, "history")}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models(include_auto_created=True):
            if model in found:
                continue
            if any(f.is_relation and f.related_model in found for f in model._meta.concrete_fields):
                found.add(model)
                grown = True
    return sorted(found, key=lambda m: m._meta.db_table)


# --- checks ----------------------------------------------------------------------------------

MISMATCH_SQL = """
SELECT COUNT(*) FROM loans_loan l
LEFT JOIN (
    SELECT t.loan_id,
        SUM(CASE WHEN t.kind = 'disbursement' THEN t.amount
                 WHEN r.kind = 'disbursement' THEN -t.amount ELSE 0 END) AS disbursed,
        SUM(CASE WHEN t.kind = 'principal_repayment' THEN t.amount
                 WHEN r.kind = 'principal_repayment' THEN -t.amount ELSE 0 END) AS repaid,
        SUM(CASE WHEN t.kind = 'write_off' THEN t.amount
                 WHEN r.kind = 'write_off' THEN -t.amount ELSE 0 END) AS written_off,
        SUM(CASE WHEN t.kind = 'interest_payment' THEN t.amount
                 WHEN r.kind = 'interest_payment' THEN -t.amount ELSE 0 END) AS interest_paid,
        SUM(CASE WHEN t.kind = 'interest_write_off' THEN t.amount
                 WHEN r.kind = 'interest_write_off' THEN -t.amount ELSE 0 END) AS interest_wo
    FROM loans_loantransaction t
    LEFT JOIN loans_loantransaction r ON r.id = t.reverses_id
    GROUP BY t.loan_id
) j ON j.loan_id = l.id
WHERE l.disbursed_total <> COALESCE(j.disbursed, 0)
   OR l.principal_repaid_total <> COALESCE(j.repaid, 0)
   OR l.written_off_total <> COALESCE(j.written_off, 0)
   OR l.interest_paid_total <> COALESCE(j.interest_paid, 0)
   OR l.interest_written_off_total <> COALESCE(j.interest_wo, 0)
   OR l.outstanding_principal <> l.disbursed_total - l.principal_repaid_total - l.written_off_total
"""


def journal_mismatches() -> int:
    """How many loans' cached balances differ from their journal (one aggregate query)."""
    with connection.cursor() as cursor:
        cursor.execute(MISMATCH_SQL)
        return cursor.fetchone()[0]
