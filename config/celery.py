"""The Celery application. Tasks live in `tasks/tasks.py`."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("vbsp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tasks"])
# Minutes between two looks for runs that stopped progressing (settings.JOB_STALLED_AFTER).
STALL_CHECK_MINUTES = int(os.environ.get("JOB_STALL_CHECK_MINUTES", "5"))


app.conf.beat_schedule = {
    # Yesterday's positions for every open loan, at 01:00 in the branch's time zone.
    "nightly-arrears": {"task": "tasks.nightly_arrears", "schedule": crontab(hour=1, minute=0)},
    # The month just ended, reconciled on the 1st at 02:00 (after that night's arrears run).
    "monthly-reconciliation": {
        "task": "tasks.monthly_reconciliation",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    # The members' savings interest of the half-year just ended, on 1 Jan and 1 Jul at 03:00.
    "half-year-savings-interest": {
        "task": "tasks.half_year_savings_interest",
        "schedule": crontab(month_of_year="1,7", day_of_month=1, hour=3, minute=0),
    },
    # Runs that stopped progressing (a lost worker, no worker at all) are flagged "stalled".
    "mark-stalled-runs": {
        "task": "tasks.mark_stalled_runs",
        "schedule": crontab(minute=f"*/{STALL_CHECK_MINUTES}"),
    },
}
