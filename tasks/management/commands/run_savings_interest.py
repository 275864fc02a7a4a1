"""python manage.py run_savings_interest --period-end YYYY-MM-DD | --resume RUN"""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from tasks.jobs import savings_interest
from tasks.models import JobRun
from tasks.progress import progress
from tasks.tasks import resume_run, start_savings_interest

from ._runs import wait_for


class Command(BaseCommand):
    help = (
        "Credit the members' savings interest of the half-year ending on --period-end "
        "(30 Jun or 31 Dec; default: the one just ended), or resume a stalled or failed run. "
        "A re-run credits nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period-end", help="YYYY-06-30 or YYYY-12-31")
        parser.add_argument(
            "--resume", type=int, metavar="RUN", help="run what the JobRun RUN has left"
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="with a broker: enqueue and return"
        )

    def handle(self, *args, period_end=None, resume=None, no_wait=False, **options):
        started = time.monotonic()
        with progress(self.stdout, "Lãi tiền gửi tổ viên (phòng giao dịch)") as advance:
            try:
                if resume is not None:
                    run = self._resume(resume, advance)
                else:
                    run = self._start(self._period_end(period_end), advance)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            if not no_wait:
                run = wait_for(run, advance)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"JobRun {run.pk} savings_interest {run.period}: {run.status}, {run.progress}% "
            f"in {elapsed:.2f}s; counts {run.counts}"
        )
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error)

    def _start(self, period_end: date, advance) -> JobRun:
        if settings.CELERY_TASK_ALWAYS_EAGER:  # no broker: in this process
            return savings_interest.run_savings_interest(period_end=period_end, progress=advance)
        return start_savings_interest(period_end=period_end)

    def _resume(self, run_id: int, advance) -> JobRun:
        run = JobRun.objects.filter(pk=run_id, kind=JobRun.Kind.SAVINGS_INTEREST).first()
        if run is None:
            raise CommandError(f"no savings_interest run {run_id}")
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return savings_interest.resume_savings_interest(run=run, progress=advance)
        return resume_run(run=run)

    @staticmethod
    def _period_end(text: str | None) -> date:
        if not text:
            return savings_interest.previous_period_end(timezone.localdate())
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise CommandError("--period-end must be YYYY-MM-DD") from exc
        if (day.month, day.day) not in ((6, 30), (12, 31)):
            raise CommandError("--period-end must be a 30 Jun or a 31 Dec")
        if day > timezone.localdate():
            raise CommandError("--period-end must not be in the future")
        return day
