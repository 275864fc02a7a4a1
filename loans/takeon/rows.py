"""Writing many plain rows at once: PostgreSQL COPY, or executemany elsewhere (SQLite).

For the take-on's largest tables (instalments and opening entries): no model instance per row,
and one COPY stream instead of batched INSERTs. Every NOT NULL column must be given."""

from collections.abc import Iterable, Sequence

from django.db import connection, models


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
            if len(batch) == 5000:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
        return count + len(batch)
