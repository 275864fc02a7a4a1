"""python manage.py generate_portfolio --loans N [--seed S] [--reset] [--until YYYY-MM-DD]
[--write-takeon FILE --as-of C]"""

import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from loans.models import Loan
from loans.takeon.export import write_takeon
from tasks.progress import progress
from tasks.synthetic import generator


class Command(BaseCommand):
    help = (
        "Generate a synthetic portfolio (households, loans, schedules, journal) for load tests "
        "and the benchmark; written directly with COPY, not through the services."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loans", type=int, required=True, help="number of loans to add")
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
        parser.add_argument(
            "--reset", action="store_true", help="first remove every loan and borrower"
        )
        parser.add_argument("--until", help="last day of history, YYYY-MM-DD (default yesterday)")
        parser.add_argument("--batch-size", type=int, default=generator.BATCH_LOANS)
        parser.add_argument(
            "--check", action="store_true", help="verify cached balances against the journal"
        )
        parser.add_argument(
            "--write-takeon", metavar="FILE", help="then write the book as a take-on workbook"
        )
        parser.add_argument("--as-of", help="the take-on's cut-over date C (default: --until)")

    def handle(self, *args, loans, seed, reset, until, batch_size, check, **options):
        self._generate(loans, seed, reset, until, batch_size, check)
        if options.get("write_takeon"):
            as_of = options.get("as_of") or until
            if not as_of:
                raise CommandError("--write-takeon needs --as-of (or --until)")
            self._write_takeon(options["write_takeon"], date.fromisoformat(as_of))

    def _write_takeon(self, file: str, as_of: date) -> None:
        started = time.monotonic()
        data = write_takeon(Loan.objects.all(), as_of, csv_zip=file.endswith(".zip"))
        Path(file).write_bytes(data)
        self.stdout.write(f"{file}: {len(data):,} bytes ({time.monotonic() - started:.1f}s)")

    def _generate(self, loans, seed, reset, until, batch_size, check):
        if loans < 0:
            raise CommandError("--loans must not be negative")
        try:
            last_day = date.fromisoformat(until) if until else None
        except ValueError as exc:
            raise CommandError("--until must be YYYY-MM-DD") from exc
        with progress(self.stdout, "Khoản vay", total=loans) as advance:
            counts = generator.generate_portfolio(
                loans=loans,
                seed=seed,
                reset=reset,
                until=last_day,
                batch_size=batch_size,
                progress=advance,
            )
        for table, rows in counts.items():
            self.stdout.write(f"{table:<28} {rows:>14,}")
        if check:
            started = time.monotonic()
            wrong = generator.journal_mismatches()
            style = self.style.SUCCESS if not wrong else self.style.ERROR
            self.stdout.write(
                style(f"loans whose cache differs from the journal: {wrong} "
                      f"({time.monotonic() - started:.1f}s)")
            )  # fmt: skip
            if wrong:
                raise CommandError("cached balances differ from the journal")
