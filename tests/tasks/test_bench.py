"""The benchmark command: one run writes every figure."""

import json
import os

import pytest
from django.core.management import call_command

from loans.models import PositionSnapshot
from tasks.synthetic import bench
from tasks.synthetic.bench import workers as bench_workers


def test_the_bench_writes_every_figure(cast, tmp_path):
    path = tmp_path / "bench.json"

    call_command("bench", loans=300, json_path=str(path), sample=15, repeat=1, as_of="2026-06-30")

    figures = json.loads(path.read_text())
    assert set(bench.KEYS) <= set(figures)
    assert figures["loans"] == 300
    assert figures["nightly_s"] > 0 and figures["floor_s"] > 0
    assert figures["nightly_snapshot_rows"] > 200
    assert figures["per_loan_ref_ms"] > 0 and figures["speedup_vs_per_loan"] > 0
    # The per-loan reference and the job compute the same positions.
    assert figures["per_loan_disagreements"] == []
    assert figures["admin_list_ms"]["p95"] > 0
    assert figures["dashboard_ms"]["p95"] > 0  # the admin's index, the dashboard (desk/)
    assert figures["reconciliation_s"] > 0 and figures["reconciliation_status"] == "done"
    # Every report endpoint answered 200 and was timed.
    assert set(figures["report_p95_ms"]) == set(bench.REPORT_URLS)
    # The position reports read the aggregates the timed job has just written with its snapshot.
    assert figures["report_ms"]["portfolio"]["source"] == "aggregate"
    assert figures["report_ms"]["portfolio"]["first"] > 0  # the warm-up call is timed too
    assert figures["workers"] is None
    # A day of activity at the sessions of D+1, then its incremental night: most loans roll
    # forward, and the full night of D+1 writes the very same rows.
    assert figures["activity_loans"] > 0 and figures["activity_sessions"] > 0
    assert figures["nightly_incremental_s"] > 0 and figures["incremental_over_floor"] > 0
    assert figures["incremental_rolled_forward"] > figures["nightly_snapshot_rows"] // 2
    assert figures["incremental_differences"] == 0
    # Scratch rows of the per-loan loop are gone; the floor table is dropped.
    assert not PositionSnapshot.objects.filter(as_of=bench.SCRATCH_DAY).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_bench_runs_the_job_in_a_subprocess_and_on_a_real_worker(cast, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a subprocess shares only a PostgreSQL database")
    workers = (1,) if os.environ.get("TEST_REDIS_URL") else ()
    if workers:
        monkeypatch.setattr(bench_workers, "BROKER_URL", os.environ["TEST_REDIS_URL"])

    result = bench.run_bench(
        loans=200, as_of=None, workers=workers, sample=5, repeat=1, say=lambda _: None
    )

    assert result["nightly_peak_rss_mb"] > 20  # the child's own, from wait4
    assert result["nightly_snapshot_rows"] > 100
    if workers:
        assert result["nightly_s_by_workers"]["1"]["seconds"] > 0
