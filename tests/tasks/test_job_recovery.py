"""Jobs that recover: a run that stops progressing is marked stalled (beat, and on every read),
`run_arrears --resume RUN` runs only its missing partitions, a redelivered partition is done
and counted once, and two runs of one day take turns instead of colliding on the unique key."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from config.celery import app
from loans.models import PositionSnapshot, SnapshotDay
from tasks.jobs import arrears, runs
from tasks.models import JobPartition, JobRun

from .test_arrears_job import AS_OF, _snapshot_digest
from .test_arrears_job import portfolio as portfolio


def _fail_second_office(monkeypatch):
    """The second office's partition dies (as if its worker had); the first one's is done."""
    real = arrears._process_chunk
    calls = {"n": 0}

    def dies_on_second_partition(ids, *, as_of):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(ids, as_of=as_of)

    monkeypatch.setattr(arrears, "_process_chunk", dies_on_second_partition)
    with pytest.raises(RuntimeError):
        arrears.run_arrears(as_of=AS_OF)
    monkeypatch.setattr(arrears, "_process_chunk", real)
    return JobRun.objects.get()


def _stopped_long_ago(run: JobRun, settings) -> None:
    ago = timezone.now() - timedelta(seconds=settings.JOB_STALLED_AFTER + 1)
    JobRun.objects.filter(pk=run.pk).update(progressed_at=ago)


def test_a_run_that_stops_progressing_is_marked_stalled(portfolio, settings):
    run, _offices = arrears.create_arrears_run(as_of=AS_OF)  # no worker ever takes it
    assert runs.mark_stalled() == 0  # just created: still waiting
    _stopped_long_ago(run, settings)

    assert runs.mark_stalled() == 1

    run.refresh_from_db()
    assert (run.status, run.get_status_display()) == ("stalled", "Bị treo")


def test_beat_looks_for_stalled_runs_every_few_minutes():
    entry = app.conf.beat_schedule["mark-stalled-runs"]
    assert entry["task"] == "tasks.mark_stalled_runs"
    assert entry["schedule"].minute == set(range(0, 60, 5))


def test_the_limits_let_a_lost_partition_run_again_well_before_an_hour(settings):
    # The broker hands a task out again only after its visibility timeout: above the longest a
    # partition may run (else a running one would be handed out twice), far below an hour.
    limit = settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < limit < visibility <= 15 * 60
    assert visibility < settings.JOB_STALLED_AFTER  # stalled: not even redelivery helped


@pytest.fixture
def failed_run(portfolio, monkeypatch):
    arrears.run_arrears(as_of=AS_OF)
    clean = _snapshot_digest(AS_OF)
    JobRun.objects.all().delete()
    PositionSnapshot.objects.all().delete()
    SnapshotDay.objects.all().delete()
    return _fail_second_office(monkeypatch), clean


def test_run_arrears_resume_runs_only_the_partitions_not_done(failed_run):
    run, clean = failed_run
    assert run.status == "failed" and run.parts_done == 1
    parts = {p.status: p for p in run.partitions.all()}
    assert set(parts) == {"done", "failed"} and "worker killed" in parts["failed"].error

    out = io.StringIO()
    call_command("run_arrears", resume=run.pk, stdout=out)

    run.refresh_from_db()
    assert (run.status, run.parts_done, run.progress, run.error) == ("done", 2, 100, "")
    # The partition that was done ran once; the one that failed ran again.
    assert sorted(run.partitions.values_list("attempts", flat=True)) == [1, 2]
    assert _snapshot_digest(AS_OF) == clean
    assert SnapshotDay.objects.get(as_of=AS_OF).loans == 2
    assert f"JobRun {run.pk} arrears 2025-07-20: done, 100%" in out.getvalue()


def test_resume_refuses_a_finished_run_and_one_still_progressing(portfolio):
    done = arrears.run_arrears(as_of=AS_OF)
    with pytest.raises(CommandError, match="đã hoàn thành"):
        call_command("run_arrears", resume=done.pk)
    waiting, _offices = arrears.create_arrears_run(as_of=AS_OF)
    with pytest.raises(CommandError, match="vẫn đang tiến triển"):
        call_command("run_arrears", resume=waiting.pk)


def test_a_stalled_run_resumes_and_completes(portfolio, settings):
    run, _offices = arrears.create_arrears_run(as_of=AS_OF)
    _stopped_long_ago(run, settings)

    resumed = arrears.resume_arrears(run=run)

    assert (resumed.status, resumed.parts_done) == ("done", 2)
    assert PositionSnapshot.objects.filter(as_of=AS_OF).count() == 2


def test_a_redelivered_partition_is_not_run_or_counted_twice(portfolio, monkeypatch):
    run, offices = arrears.create_arrears_run(as_of=AS_OF)
    first = arrears.run_arrears_partition(run_id=run.pk, as_of=AS_OF, office_id=offices[0])

    def must_not_run(ids, *, as_of):
        raise AssertionError("a partition already done ran again")

    monkeypatch.setattr(arrears, "_process_chunk", must_not_run)
    again = arrears.run_arrears_partition(run_id=run.pk, as_of=AS_OF, office_id=offices[0])

    run.refresh_from_db()
    assert again == first and run.parts_done == 1
    assert JobPartition.objects.get(run=run, office_id=offices[0]).attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_of_one_day_take_turns(portfolio, settings):
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL")
    arrears.run_arrears(as_of=AS_OF)
    clean = _snapshot_digest(AS_OF)
    # Each partition holds its transaction open a moment after writing, so the two runs'
    # partitions of one office overlap: without taking turns the second one's inserts would
    # wait for the first's and then die on the unique (as_of, loan).
    settings.JOB_PARTITION_TEST_DELAY = 0.5
    settings.JOB_THREADS = 1
    results, errors = [], []

    def one_run():
        try:
            results.append(arrears.run_arrears(as_of=AS_OF))
        except Exception as exc:  # pragma: no cover - the failure this test is about
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert [run.status for run in results] == ["done", "done"]
    assert _snapshot_digest(AS_OF) == clean


def test_the_dashboard_reads_the_runs_that_need_someone(portfolio, cast, settings):
    from tasks.selectors import runs_needing_attention_for

    branch, _ = arrears.create_arrears_run(as_of=AS_OF)
    bac_son, _ = arrears.create_arrears_run(as_of=AS_OF, offices=[cast.bac_son.pk])
    done = arrears.run_arrears(as_of=AS_OF)
    _stopped_long_ago(branch, settings)
    _stopped_long_ago(bac_son, settings)

    # Stalled now (marked on the way), newest first; a finished run needs nobody.
    assert list(runs_needing_attention_for(cast.carol)) == [bac_son, branch]
    assert list(runs_needing_attention_for(cast.alice)) == [branch]  # not Bắc Sơn's own run
    assert done not in runs_needing_attention_for(cast.carol)
