"""The reports now read which days have a complete snapshot from `loans.SnapshotDay`, which the
nightly job writes when a run finishes. Days finished before: one row per day whose latest
arrears run is done, as the reports read the runs until now."""

from datetime import date

from django.db import migrations


def record_finished_days(apps, schema_editor):
    alias = schema_editor.connection.alias
    JobRun = apps.get_model("tasks", "JobRun")
    SnapshotDay = apps.get_model("loans", "SnapshotDay")
    latest = {}
    runs = JobRun.objects.using(alias).filter(kind="arrears").order_by("created_at", "id")
    for run in runs.iterator():
        latest[run.period] = run  # the last one of each day wins
    for period, run in latest.items():
        if run.status == "done" and run.finished_at is not None:
            SnapshotDay.objects.using(alias).update_or_create(
                as_of=date.fromisoformat(period),
                defaults={
                    "loans": int(run.counts.get("loans", 0)),
                    "started_at": run.started_at or run.created_at,
                    "completed_at": run.finished_at,
                },
            )


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0006_snapshotday'),
        ('tasks', '0004_reconciliation_leaves_tasks'),
    ]

    operations = [
        migrations.RunPython(record_finished_days, migrations.RunPython.noop),
    ]
