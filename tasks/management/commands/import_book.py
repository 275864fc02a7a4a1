"""python manage.py import_book FILE --as-of C [--dry-run] [--json]: the take-on of an existing
book (loans.takeon). It lives here, not in loans/takeon, for its progress bar (tasks.progress:
nothing below tasks imports tasks): a bar on a terminal, plain lines otherwise."""

import json
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from loans.takeon.services import STEPS, import_book
from tasks.progress import progress


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
        stream = self.stderr if options["json"] else self.stdout  # --json: stdout is the report
        with progress(stream, "Chuyển đổi dữ liệu", total=len(STEPS)) as advance:
            done = 0

            def step(label: str) -> None:
                nonlocal done
                advance.say(f"{label} ({time.monotonic() - started:.1f}s)")
                advance(done)
                done += 1

            report = import_book(
                data,
                as_of=options["as_of"],
                dry_run=options["dry_run"],
                by=None,
                file_name=options["file"],
                step=step,
            )
            advance(len(STEPS))
        self._report(report, time.monotonic() - started, as_json=options["json"])
        if report.errors or report.mismatches:
            raise CommandError(f"{len(report.errors)} lỗi, {len(report.mismatches)} khoản lệch")

    def _report(self, report, seconds: float, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report.as_dict() | {"seconds": round(seconds, 1)}))
            return
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
