"""Jobs through the API: the branch starts a run, everyone with an office follows it."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from loans.models import PositionSnapshot
from tasks.models import JobRun

from .conftest import API

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


def test_the_branch_starts_an_arrears_run_and_follows_it(
    sites, carol_api, alice_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = carol_api.post(
            f"{API}/jobs/", {"kind": "arrears", "as_of": "2025-07-20"}, format="json"
        )
    assert response.status_code == 202, response.json()
    run_id = response.json()["id"]

    # No broker configured: the partitions ran in-process once the run was committed.
    followed = alice_api.get(f"{API}/jobs/{run_id}/")
    assert followed.status_code == 200
    body = followed.json()
    assert body["kind"] == "arrears"
    assert body["period"] == "2025-07-20"
    assert body["status"] == "done"
    assert body["progress"] == 100
    assert {"counts", "error", "created_at", "started_at", "finished_at"} <= set(body)
    assert PositionSnapshot.objects.filter(as_of=date(2025, 7, 20)).count() == 2


def test_an_officer_may_not_start_a_run(alice_api):
    response = alice_api.post(
        f"{API}/jobs/", {"kind": "arrears", "as_of": "2025-07-20"}, format="json"
    )
    assert response.status_code == 403
    assert not JobRun.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "arrears"}, "as_of"),
        ({"kind": "arrears", "as_of": TOMORROW}, "as_of"),
        ({"kind": "arrears", "as_of": "1999-12-31"}, "as_of"),
        ({"kind": "reconciliation"}, "month"),
        ({"kind": "reconciliation", "month": "2025-13"}, "month"),
        ({"kind": "reconciliation", "month": "2099-01"}, "month"),
        ({"kind": "nightly"}, "kind"),
    ],
)
def test_it_rejects_an_invalid_job(carol_api, body, field):
    response = carol_api.post(f"{API}/jobs/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_branch_starts_a_monthly_reconciliation(sites, carol_api):
    response = carol_api.post(
        f"{API}/jobs/", {"kind": "reconciliation", "month": "2025-06"}, format="json"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["kind"] == "reconciliation"
    assert response.json()["period"] == "2025-06"
    assert carol_api.get(f"{API}/jobs/{response.json()['id']}/").status_code == 200
