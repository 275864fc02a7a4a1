"""python manage.py import_book FILE --as-of C [--dry-run]: the take-on of an existing book."""

import json
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from loans.takeon.services import import_book


class Command(BaseCommand):
    help = "Chuyển đổi dữ liệu: nhập sổ cho vay hiện có (tệp .xlsx hoặc zip CSV) tại ngày C."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as-of", required=True, type=date.fromisoformat)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true", help="the report as JSON")

    def handle(self, *args, **options):
        started = time.monotonic()
        with open(options["file"], "rb") as handle:
            data = handle.read()
        report = import_book(
            data,
            as_of=options["as_of"],
            dry_run=options["dry_run"],
            by=None,
            file_name=options["file"],
        )
        seconds = time.monotonic() - started
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict() | {"seconds": round(seconds, 1)}))
        else:
            self._print(report, seconds)
        if report.errors or report.mismatches:
            raise CommandError(f"{len(report.errors)} lỗi, {len(report.mismatches)} khoản lệch")

    def _print(self, report, seconds: float) -> None:
        for error in report.errors:
            self.stdout.write(
                f"{error['sheet']}, dòng {error['row']}, cột {error['column']}: {error['message']}"
            )
        for mismatch in report.mismatches:
            self.stdout.write(f"Lệch: {mismatch}")
        state = "đã ghi sổ" if report.posted else "chưa ghi sổ"
        self.stdout.write(
            f"Hộ: {report.households}, khoản vay: {report.loans}, tiết kiệm: {report.savings}"
            f" ({state}; {seconds:.1f} giây)"
        )
