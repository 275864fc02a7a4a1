"""python manage.py run_arrears --as-of YYYY-MM-DD"""

import time
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks.jobs import arrears
from tasks.models import JobRun
from tasks.tasks import start_arrears


class Command(BaseCommand):
    help = "Run the nightly arrears job for a business date (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="business date, YYYY-MM-DD")
        parser.add_argument(
            "--no-wait", action="store_true", help="with a broker: enqueue and return"
        )

    def handle(self, *args, as_of=None, no_wait=False, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate() - timedelta(days=1)
        except ValueError as exc:
            raise CommandError("--as-of must be YYYY-MM-DD") from exc
        started = time.monotonic()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            run = arrears.run_arrears(as_of=day)  # no broker: the whole job in this process
        else:
            run = start_arrears(as_of=day)  # one task per office, for the workers
        while not no_wait and run.status in (JobRun.Status.QUEUED, JobRun.Status.RUNNING):
            time.sleep(1)
            run.refresh_from_db()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"JobRun {run.pk} arrears {day}: {run.status}, {run.progress}% "
            f"in {elapsed:.2f}s; counts {run.counts}"
        )
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error)
