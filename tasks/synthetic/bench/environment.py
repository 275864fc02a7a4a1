"""Where the benchmark runs: the database, and the environment of its child processes."""

from __future__ import annotations

import os
import secrets
import statistics
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]  # the project, where manage.py is


def database() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def shareable_database() -> bool:
    """Whether another process sees this database (not an in-memory test database)."""
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "postgresql" or (
        ":memory:" not in name and "mode=memory" not in name
    )


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",  # timed as in production; a production process needs a secret
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
        **extra,
    }


def stats(runs: list[float]) -> dict:
    return {"min": round(min(runs), 3), "median": round(statistics.median(runs), 3)}
