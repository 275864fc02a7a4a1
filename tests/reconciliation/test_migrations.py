"""The reconciliation's tables move from `tasks` to `loans.reconciliation` without losing a row:
a database at main's schema (tasks 0002) with a reconciled month and a finished nightly run is
migrated forward; the month keeps its run as a plain id, the permission granted on it follows
its content type, and the finished day becomes a `SnapshotDay`."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tasks", "0002_reconciliation"), ("reconciliation", None)]
STARTED = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)


def migrate(targets) -> object:
    """Migrate to `targets`; the historical apps of the database as it then is."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(list(executor.loader.applied_migrations)).apps


def latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_main_schema_migrates_forward_keeping_rows_runs_and_permissions():
    old = migrate(BEFORE)
    job_run, content_type = (
        old.get_model("tasks", "JobRun"),
        old.get_model("contenttypes", "ContentType"),
    )
    run = job_run.objects.create(
        kind="reconciliation", period="2025-06", status="done", parts_total=1, parts_done=1
    )
    old.get_model("tasks", "Reconciliation").objects.create(
        month=date(2025, 6, 1), run=run, loan_count=3, totals={"closing_outstanding": 9}
    )
    job_run.objects.create(
        kind="arrears",
        period="2025-06-30",
        status="done",
        counts={"loans": 3},
        started_at=STARTED,
        finished_at=STARTED,
    )
    tasks_type, _created = content_type.objects.get_or_create(
        app_label="tasks", model="reconciliation"
    )
    permission, _created = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=tasks_type, codename="view_reconciliation", defaults={"name": "Can view"}
    )

    new = migrate(latest())

    recon = new.get_model("reconciliation", "Reconciliation").objects.get()
    assert (recon.month, recon.run_id, recon.loan_count) == (date(2025, 6, 1), run.pk, 3)
    assert recon.totals == {"closing_outstanding": 9}
    moved = new.get_model("auth", "Permission").objects.get(pk=permission.pk)
    assert moved.content_type.app_label == "reconciliation"
    day = new.get_model("loans", "SnapshotDay").objects.get()
    assert (day.as_of, day.loans, day.started_at) == (date(2025, 6, 30), 3, STARTED)
    # Without the foreign key a run can go while the month keeps its id.
    new.get_model("tasks", "JobRun").objects.filter(pk=run.pk).delete()
    assert new.get_model("reconciliation", "Reconciliation").objects.get().run_id == run.pk
