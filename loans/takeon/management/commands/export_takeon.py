"""python manage.py export_takeon FILE --as-of C: the book as a take-on workbook as of C."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand

from loans.models import Loan
from loans.takeon.export import write_takeon


class Command(BaseCommand):
    help = "Ghi sổ cho vay (các khoản còn dư nợ tại ngày C) thành tệp chuyển đổi dữ liệu .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as-of", required=True, type=date.fromisoformat)

    def handle(self, *args, file, as_of, **options):
        data = write_takeon(Loan.objects.all(), as_of, csv_zip=file.endswith(".zip"))
        Path(file).write_bytes(data)
        self.stdout.write(f"{file}: {len(data):,} bytes")
