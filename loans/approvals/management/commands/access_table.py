"""Write (or --check) the README's access table from loans/approvals/roles.py."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loans.approvals.roles import MARKERS, access_table


class Command(BaseCommand):
    help = "Ghi (hoặc --check: kiểm tra) bảng phân quyền trong README.md theo định nghĩa vai trò."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the README differs.")

    def handle(self, *args, check: bool = False, **options) -> None:
        path = settings.BASE_DIR / "README.md"
        readme = path.read_text()
        start, end = MARKERS
        if start not in readme or end not in readme:
            raise CommandError(f"README.md has no {start} … {end} section.")
        before, rest = readme.split(start, 1)
        current, after = rest.split(end, 1)
        wanted = f"\n{access_table()}\n"
        if check:
            if current != wanted:
                raise CommandError("README.md's access table is out of date: run access_table.")
            return
        path.write_text(f"{before}{start}{wanted}{end}{after}")
        self.stdout.write("README.md: access table written.")
