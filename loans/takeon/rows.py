"""Writing many plain rows at once: PostgreSQL COPY, or executemany elsewhere (SQLite).

For the take-on's largest tables (instalments and opening entries): no model instance per row,
and one COPY stream instead of batched INSERTs. Every NOT NULL column must be given."""

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

BATCH_SIZE = 5000


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert the rows (values in `columns` order, column names as in the table)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
        return count + len(batch)


def insert_records(model: type[models.Model], records: list[dict], *, key: str, by) -> None:
    """New rows of a model with history (households, loans) and their "+" history rows; each
    record gives field attnames (`office_id`), the fields' defaults fill the rest.

    On PostgreSQL one COPY of the rows (no model instance, no per-value preparation as
    bulk_create does) and one INSERT ... SELECT of their history rows, found by their unique
    `key`; elsewhere simple_history's bulk_create_with_history."""
    if connection.vendor != "postgresql":
        objs = [model(**record) for record in records]
        bulk_create_with_history(objs, model, batch_size=BATCH_SIZE, default_user=by)
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = [now if getattr(f, "auto_now_add", False) else f.get_default() for f in fields]
    names = [str(f.attname) for f in fields]
    insert_rows(
        model,
        [str(f.column) for f in fields],
        (
            tuple(r.get(name, default) for name, default in zip(names, defaults, strict=True))
            for r in records
        ),
    )
    history = model.history.model  # type: ignore[attr-defined]
    columns = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    quote = connection.ops.quote_name
    names_sql = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({names_sql}, "
            "history_date, history_type, history_user_id, history_change_reason) "
            f"SELECT {names_sql}, %s, '+', %s, NULL FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(key)} = ANY(%s)",
            [now, getattr(by, "pk", None), [r[key] for r in records]],
        )
