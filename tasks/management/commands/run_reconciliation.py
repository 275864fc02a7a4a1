"""python manage.py run_reconciliation --month YYYY-MM"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks.jobs import reconciliation
from tasks.models import JobRun
from tasks.tasks import start_reconciliation


class Command(BaseCommand):
    help = "Run the monthly reconciliation (đối chiếu tháng) for a month (default: last month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; default: the month just ended")
        parser.add_argument(
            "--no-wait", action="store_true", help="with a broker: enqueue and return"
        )

    def handle(self, *args, month=None, no_wait=False, **options):
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
        started = time.monotonic()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            run = reconciliation.run_reconciliation(month=first)  # no broker: in this process
        else:
            run = start_reconciliation(month=first)  # one task per office, for the workers
        while not no_wait and run.status in (JobRun.Status.QUEUED, JobRun.Status.RUNNING):
            time.sleep(1)
            run.refresh_from_db()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"JobRun {run.pk} reconciliation {first:%Y-%m}: {run.status}, {run.progress}% "
            f"in {elapsed:.2f}s; counts {run.counts}"
        )
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error)
