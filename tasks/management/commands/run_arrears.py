"""python manage.py run_arrears [--as-of YYYY-MM-DD] [--office CODE] [--full] | --resume RUN"""

import time
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from borrowers.models import TransactionOffice
from core.errors import DomainError
from tasks.jobs import arrears
from tasks.models import JobRun
from tasks.progress import progress
from tasks.tasks import resume_run, start_arrears

from ._runs import wait_for


class Command(BaseCommand):
    help = (
        "Run the nightly arrears job for a business date (default: yesterday), for the whole "
        "branch or one office; or resume a stalled or failed run (its missing partitions)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="business date, YYYY-MM-DD")
        parser.add_argument("--office", help="only this transaction office (its code)")
        parser.add_argument(
            "--resume", type=int, metavar="RUN", help="run what the JobRun RUN has left"
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="with a broker: enqueue and return"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="recompute every loan from its history (default: loans with nothing new "
            "since the previous complete day roll forward from it)",
        )

    def handle(self, *args, as_of=None, office=None, resume=None, no_wait=False, full=False,
               **options):  # fmt: skip
        started = time.monotonic()
        with progress(self.stdout, "Tính nợ quá hạn (phòng giao dịch)") as advance:
            try:
                if resume is not None:
                    run = self._resume(resume, advance)
                else:
                    run = self._start(self._day(as_of), self._offices(office), advance, full)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            if not no_wait:
                run = wait_for(run, advance)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"JobRun {run.pk} arrears {run.period}: {run.status}, {run.progress}% "
            f"in {elapsed:.2f}s; counts {run.counts}"
        )
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error)

    def _start(self, day: date, offices: list[int] | None, advance, full: bool) -> JobRun:
        if settings.CELERY_TASK_ALWAYS_EAGER:  # no broker: the whole job in this process
            return arrears.run_arrears(as_of=day, offices=offices, progress=advance, full=full)
        # One task per office, for the workers.
        return start_arrears(as_of=day, offices=offices, full=full)

    def _resume(self, run_id: int, advance) -> JobRun:
        run = JobRun.objects.filter(pk=run_id, kind=JobRun.Kind.ARREARS).first()
        if run is None:
            raise CommandError(f"no arrears run {run_id}")
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return arrears.resume_arrears(run=run, progress=advance)
        return resume_run(run=run)

    @staticmethod
    def _day(as_of: str | None) -> date:
        try:
            return date.fromisoformat(as_of) if as_of else timezone.localdate() - timedelta(days=1)
        except ValueError as exc:
            raise CommandError("--as-of must be YYYY-MM-DD") from exc

    @staticmethod
    def _offices(code: str | None) -> list[int] | None:
        if code is None:
            return None
        office = TransactionOffice.objects.filter(code=code).first()
        if office is None:
            raise CommandError(f"no transaction office with the code {code}")
        return [office.pk]
