"""python manage.py journal_checksum

One line per append-only journal (settings.APPEND_ONLY_JOURNALS): `<table> <rows> <md5>`, the
MD5 of every row's every column in id order. Equal output on two databases means equal
journals: the backup drill compares the original with its restored copy this way.
"""

import hashlib
from datetime import UTC, date, datetime

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Model

CHUNK = 10_000


def journal_checksum(model: type[Model]) -> tuple[int, str]:
    """(rows, md5 hex) of the model's table: every concrete column, rows in primary-key order."""
    columns = [field.attname for field in model._meta.concrete_fields]
    rows = model._default_manager.order_by("pk").values_list(*columns)
    digest, count = hashlib.md5(usedforsecurity=False), 0
    for row in rows.iterator(chunk_size=CHUNK):
        digest.update(repr(tuple(_canonical(value) for value in row)).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _canonical(value):
    """Dates and times as ISO text (times in UTC), whatever the database's time zone."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class Command(BaseCommand):
    help = "Rows and MD5 of each append-only journal, for comparing a backup with its original."

    def handle(self, *args, **options):
        for label in settings.APPEND_ONLY_JOURNALS:
            model = apps.get_model(label)
            count, md5 = journal_checksum(model)
            self.stdout.write(f"{model._meta.db_table} {count} {md5}")
