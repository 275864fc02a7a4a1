"""python manage.py import_organisation FILE [--dry-run] [--json]: offices, transaction points,
associations and savings groups on their own, previewed like the take-on."""

import json

from django.core.management.base import BaseCommand, CommandError

from loans.takeon.organisation import import_organisation


class Command(BaseCommand):
    help = "Nhập mạng lưới (PGD, điểm giao dịch, hội, tổ TK&VV) từ tệp .xlsx hoặc zip CSV."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true", help="the report as JSON")

    def handle(self, *args, **options):
        with open(options["file"], "rb") as handle:
            report = import_organisation(handle.read(), dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
        else:
            for e in report.errors:
                self.stdout.write(
                    f"{e['sheet']}, dòng {e['row']}, cột {e['column']}: {e['message']}"
                )
            counts = ", ".join(f"{k}: {v}" for k, v in report.counts.items())
            state = "đã ghi sổ" if report.posted else "chưa ghi sổ"
            self.stdout.write(f"{counts} ({state})")
        if report.errors:
            raise CommandError(f"{len(report.errors)} lỗi")
