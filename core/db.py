"""Report reads on a PostgreSQL read replica (DESIGN.md: the province's reports must not load the
primary that takes the day's postings).

With `REPORTS_DATABASE_URL` set, settings add a `reports` database (a streaming replica). Code
that builds a report runs inside `report_reads()`: there, the router sends every ORM read to the
replica and `read_connection()` gives the raw-SQL helpers the same connection; writes always go
to `default` (and a hot standby refuses them anyway). Outside `report_reads()`, and without a
replica, everything reads `default` as before.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

REPORTS_DB_ALIAS = "reports"

_read_alias: ContextVar[str] = ContextVar("read_alias", default=DEFAULT_DB_ALIAS)


def has_replica() -> bool:
    """Whether a reports database is configured."""
    return REPORTS_DB_ALIAS in settings.DATABASES


@contextmanager
def report_reads() -> Iterator[str]:
    """Reads inside go to the reports replica when there is one; yields the alias read."""
    alias = REPORTS_DB_ALIAS if has_replica() else DEFAULT_DB_ALIAS
    token = _read_alias.set(alias)
    try:
        yield alias
    finally:
        _read_alias.reset(token)


def read_alias() -> str:
    """The database the current code reads: `reports` inside `report_reads()`, else default."""
    return _read_alias.get()


def read_connection() -> BaseDatabaseWrapper:
    """The connection raw SQL reads through (the ORM's reads follow the router)."""
    return connections[read_alias()]


def replica_lag_seconds(alias: str | None = None) -> float | None:
    """How far the replica's data is behind the primary, in seconds (0 when it has replayed
    everything it received); None when reads go to the primary itself."""
    alias = alias or read_alias()
    if alias == DEFAULT_DB_ALIAS:
        return None
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        (lag,) = cursor.fetchone()
    return round(float(lag or 0), 3)


class ReportsRouter:
    """Reads inside `report_reads()` go to the replica; writes and migrations never do."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        alias = _read_alias.get()
        return alias if alias != DEFAULT_DB_ALIAS else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # one database, read from two places

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        return bool(db == DEFAULT_DB_ALIAS)
