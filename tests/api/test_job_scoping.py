"""Job scoping (issue 14): an officer runs jobs only for their own office's partitions and sees
only their office's results; the branch sees and starts everything. Through the API and the
admin, with the two offices of `sites` (one disbursed loan each, 20,000,000 đồng)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from loans.models import PositionSnapshot, SnapshotDay
from tasks.jobs import arrears
from tasks.models import JobRun

from .conftest import API

AS_OF = date(2025, 7, 20)


def offices_with_rows() -> set[int]:
    return set(PositionSnapshot.objects.filter(as_of=AS_OF).values_list("office_id", flat=True))


def start(client, **body):
    return client.post(
        f"{API}/jobs/", {"kind": "arrears", "as_of": "2025-07-20", **body}, format="json"
    )


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    # No broker: the partitions run in-process once the run row is committed.
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_an_officer_starts_a_run_of_their_own_office(sites, cast, alice_api, capture):
    with capture():
        response = start(alice_api, office=cast.van_quan.pk)

    assert response.status_code == 202, response.json()
    assert (response.json()["scope"], response.json()["offices"]) == ("offices", [cast.van_quan.pk])
    body = alice_api.get(f"{API}/jobs/{response.json()['id']}/").json()
    assert body["status"] == "done"
    assert (body["parts_total"], body["parts_done"], body["counts"]["loans"]) == (1, 1, 1)
    assert offices_with_rows() == {cast.van_quan.pk}
    # One office's rows are not the whole day's snapshot: no SnapshotDay.
    assert not SnapshotDay.objects.exists()


def test_an_officer_may_not_start_a_run_of_the_branch_or_of_another_office(sites, cast, alice_api):
    assert start(alice_api).status_code == 403  # no office: the whole branch
    other = start(alice_api, office=cast.bac_son.pk)
    # Another office does not exist for her, as everywhere in the API.
    assert other.status_code == 400 and list(other.json()) == ["office"]
    reconciliation = alice_api.post(
        f"{API}/jobs/",
        {"kind": "reconciliation", "month": "2025-06", "office": cast.van_quan.pk},
        format="json",
    )
    assert reconciliation.status_code == 400 and list(reconciliation.json()) == ["office"]
    assert not JobRun.objects.exists()


def test_officers_see_only_their_offices_part_of_a_branch_run(sites, cast, alice_api, carol_api):
    run = arrears.run_arrears(as_of=AS_OF)

    theirs = alice_api.get(f"{API}/jobs/{run.pk}/").json()
    branch = carol_api.get(f"{API}/jobs/{run.pk}/").json()

    # The branch: both offices, 2 loans of 20,000,000 đồng each (nothing repaid yet).
    assert (branch["parts_total"], branch["counts"]["loans"]) == (2, 2)
    assert branch["counts"]["outstanding_principal"] == 40_000_000
    assert {part["office"] for part in branch["partitions"]} == {
        cast.van_quan.pk,
        cast.bac_son.pk,
    }
    # Alice: Văn Quan's partition and its counts only.
    assert (theirs["parts_total"], theirs["parts_done"], theirs["progress"]) == (1, 1, 100)
    assert theirs["counts"]["loans"] == 1
    assert theirs["counts"]["outstanding_principal"] == 20_000_000
    assert [part["office"] for part in theirs["partitions"]] == [cast.van_quan.pk]


def test_an_officer_does_not_see_another_offices_run(sites, cast, alice_api, bob_api):
    theirs = arrears.run_arrears(as_of=AS_OF, offices=[cast.van_quan.pk], by=cast.alice)
    branch = arrears.run_arrears(as_of=AS_OF)

    assert [run["id"] for run in bob_api.get(f"{API}/jobs/").json()["results"]] == [branch.pk]
    assert bob_api.get(f"{API}/jobs/{theirs.pk}/").status_code == 404
    listed = [run["id"] for run in alice_api.get(f"{API}/jobs/").json()["results"]]
    assert listed == [branch.pk, theirs.pk]


def test_an_office_run_replaces_only_its_rows_and_keeps_the_complete_day(sites, cast):
    branch = arrears.run_arrears(as_of=AS_OF)
    day = SnapshotDay.objects.get(as_of=AS_OF)
    bac_son_rows = list(
        PositionSnapshot.objects.filter(as_of=AS_OF, office=cast.bac_son).values_list("id", "loan")
    )

    run = arrears.run_arrears(as_of=AS_OF, offices=[cast.van_quan.pk])

    assert run.status == "done" and run.counts["loans"] == 1
    assert "pruned_snapshots" not in run.counts  # pruning is the branch's night's
    again = list(
        PositionSnapshot.objects.filter(as_of=AS_OF, office=cast.bac_son).values_list("id", "loan")
    )
    assert again == bac_son_rows  # Bắc Sơn's rows untouched
    assert PositionSnapshot.objects.filter(as_of=AS_OF).count() == 2
    # The day's record is still the branch run's: same start, same count.
    assert SnapshotDay.objects.get(as_of=AS_OF).started_at == day.started_at == branch.started_at


def test_an_officer_resumes_only_their_offices_runs(sites, cast, alice_api, carol_api, capture):
    own, _ = arrears.create_arrears_run(as_of=AS_OF, offices=[cast.van_quan.pk])
    branch, _ = arrears.create_arrears_run(as_of=AS_OF)
    JobRun.objects.update(status=JobRun.Status.STALLED)

    assert alice_api.post(f"{API}/jobs/{branch.pk}/resume/").status_code == 403
    with capture():
        resumed = alice_api.post(f"{API}/jobs/{own.pk}/resume/")
    assert resumed.status_code == 202
    assert alice_api.get(f"{API}/jobs/{own.pk}/").json()["status"] == "done"
    again = carol_api.post(f"{API}/jobs/{own.pk}/resume/")
    assert again.status_code == 409 and again.json()["code"] == "job_state"


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_lets_an_officer_run_only_their_own_office(sites, cast, client, capture):
    client.force_login(cast.alice)
    page = client.get("/admin/tasks/jobrun/run-arrears/").content.decode()
    assert cast.van_quan.name in page and cast.bac_son.name not in page
    assert "Toàn chi nhánh" not in page

    refused = client.post("/admin/tasks/jobrun/run-arrears/", {"as_of": "20/07/2025"})
    assert refused.status_code == 200
    assert "không chạy cho toàn chi nhánh" in refused.content.decode()
    other = {"as_of": "20/07/2025", "office": cast.bac_son.pk}
    assert client.post("/admin/tasks/jobrun/run-arrears/", other).status_code == 200
    assert not JobRun.objects.exists()

    with capture():
        ran = client.post(
            "/admin/tasks/jobrun/run-arrears/", {"as_of": "20/07/2025", "office": cast.van_quan.pk}
        )
    run = JobRun.objects.get()
    assert ran.status_code == 302 and run.scope == "offices"
    assert list(run.offices.all()) == [cast.van_quan]
    assert offices_with_rows() == {cast.van_quan.pk}


def test_the_admin_shows_an_officer_their_offices_counts(sites, cast, client):
    run = arrears.run_arrears(as_of=AS_OF)
    client.force_login(cast.alice)

    listing = client.get("/admin/tasks/jobrun/").content.decode()
    detail = client.get(f"/admin/tasks/jobrun/{run.pk}/change/").content.decode()

    # The counts in words (tasks/results.py), never the raw keys.
    assert "Số khoản vay: 1<" in listing and "Số khoản vay: 2<" not in listing
    assert "1/1" in detail and cast.van_quan.name in detail and cast.bac_son.name not in detail
    client.force_login(cast.carol)
    assert "Số khoản vay: 2<" in client.get("/admin/tasks/jobrun/").content.decode()


def test_the_admin_marks_a_stalled_run_and_resumes_it(sites, cast, client, capture):
    run, _ = arrears.create_arrears_run(as_of=AS_OF)
    JobRun.objects.update(progressed_at=timezone.now() - timedelta(days=1))
    client.force_login(cast.carol)

    page = client.get(f"/admin/tasks/jobrun/{run.pk}/change/").content.decode()
    assert "Bị treo" in page and "Chạy tiếp các phần còn lại" in page
    with capture():
        response = client.post(f"/admin/tasks/jobrun/{run.pk}/resume/")

    run.refresh_from_db()
    assert response.status_code == 302 and run.status == "done"
    assert offices_with_rows() == {cast.van_quan.pk, cast.bac_son.pk}


def test_an_office_run_covers_its_office_even_with_no_open_loan(sites, cast):
    from tests.factories import OfficeFactory

    empty = OfficeFactory(branch=cast.branch, code="DLA", name="PGD NHCSXH huyện Đình Lập")

    run = arrears.run_arrears(as_of=AS_OF, offices=[empty.pk])

    # Its partition ran (replacing that office's rows of the day, here none) and found nothing.
    assert (run.status, run.parts_total, run.counts["loans"]) == ("done", 1, 0)
    assert run.partitions.get().office == empty
