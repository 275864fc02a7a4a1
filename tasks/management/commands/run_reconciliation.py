"""python manage.py run_reconciliation [--month YYYY-MM] | --resume RUN"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from tasks.jobs import reconciliation
from tasks.models import JobRun
from tasks.progress import progress
from tasks.tasks import resume_run, start_reconciliation

from ._runs import wait_for


class Command(BaseCommand):
    help = (
        "Run the monthly reconciliation (đối chiếu tháng) for a month (default: last month), "
        "or resume a stalled or failed run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; default: the month just ended")
        parser.add_argument(
            "--resume", type=int, metavar="RUN", help="run what the JobRun RUN has left"
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="with a broker: enqueue and return"
        )

    def handle(self, *args, month=None, resume=None, no_wait=False, **options):
        started = time.monotonic()
        with progress(self.stdout, "Đối chiếu tháng (phòng giao dịch)") as advance:
            try:
                if resume is not None:
                    run = self._resume(resume, advance)
                else:
                    run = self._start(self._month(month), advance)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            if not no_wait:
                run = wait_for(run, advance)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"JobRun {run.pk} reconciliation {run.period}: {run.status}, {run.progress}% "
            f"in {elapsed:.2f}s; counts {run.counts}"
        )
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error)

    def _start(self, first, advance) -> JobRun:
        if settings.CELERY_TASK_ALWAYS_EAGER:  # no broker: in this process
            return reconciliation.run_reconciliation(month=first, progress=advance)
        return start_reconciliation(month=first)  # one task per office, for the workers

    def _resume(self, run_id: int, advance) -> JobRun:
        run = JobRun.objects.filter(pk=run_id, kind=JobRun.Kind.RECONCILIATION).first()
        if run is None:
            raise CommandError(f"no reconciliation run {run_id}")
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return reconciliation.resume_reconciliation(run=run, progress=advance)
        return resume_run(run=run)

    @staticmethod
    def _month(month: str | None):
        try:
            first = (
                reconciliation.parse_month(month)
                if month
                else reconciliation.previous_month(timezone.localdate())
            )
        except ValueError as exc:
            raise CommandError("--month must be YYYY-MM") from exc
        if first > timezone.localdate():
            raise CommandError("--month must not be after the current month")
        return first
