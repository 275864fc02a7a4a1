"""The job pages: starting a run answers at once (the run goes on after the answer), the
page polls the run's progress, and shows the result in words with formatted amounts."""

import pytest

from tasks import tasks
from tasks.models import JobRun

from .conftest import AS_OF, browser

RUN_ARREARS = "/admin/tasks/jobrun/run-arrears/"


@pytest.fixture
def in_background(settings, monkeypatch):
    """The background path, with the thread's work held until the test lets it run."""
    settings.JOB_PAGES_IN_BACKGROUND = True
    held = []
    monkeypatch.setattr(tasks, "start_in_background", held.append)
    return held


def test_starting_a_run_answers_at_once_and_the_run_goes_on_after(
    book, cast, in_background, django_capture_on_commit_callbacks
):
    client = browser(cast.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUN_ARREARS, {"as_of": AS_OF.strftime("%d/%m/%Y")})
    run = JobRun.objects.get()
    # The answer came before any office was computed: the run is queued, nothing done.
    assert response.status_code == 302
    assert response["Location"] == f"/admin/tasks/jobrun/{run.pk}/change/"
    assert run.status == JobRun.Status.QUEUED
    assert len(in_background) == 1
    progress = client.get(f"/admin/tasks/jobrun/{run.pk}/progress/").json()
    assert progress["finished"] is False
    assert progress["status_display"] == "Đang chờ"
    assert (progress["parts_done"], progress["progress"]) == (0, 0)
    page = client.get(response["Location"]).content.decode()
    assert "data-poll-url" in page and "vbsp/jobrun.js" in page

    in_background[0]()  # the thread's work: both offices
    progress = client.get(f"/admin/tasks/jobrun/{run.pk}/progress/").json()
    assert progress["finished"] is True
    assert progress["status_display"] == "Hoàn thành"
    assert (progress["parts_done"], progress["parts_total"], progress["progress"]) == (2, 2, 100)


def test_the_result_is_in_words_with_formatted_amounts(night, cast):
    # Văn Quan at 31 Oct 2025: 90,000,000 outstanding, 8,333,000 overdue on one loan of two
    # (tests/desk/test_dashboard.py works them out); alice sees her office's part only.
    run = JobRun.objects.filter(period="2025-10-31").get()
    client = browser(cast.alice)
    result = dict(
        (line["label"], line["value"])
        for line in client.get(f"/admin/tasks/jobrun/{run.pk}/progress/").json()["result"]
    )
    assert result["Số khoản vay"] == "2"
    assert result["Số khoản vay quá hạn"] == "1"
    assert result["Dư nợ"] == "90.000.000 ₫"
    assert result["Nợ quá hạn"] == "8.333.000 ₫"
    page = client.get(f"/admin/tasks/jobrun/{run.pk}/change/").content.decode()
    assert "90.000.000 ₫" in page
    assert "outstanding_principal" not in page
    assert "Created by" not in page and "created by" not in page.lower()
    assert "Lịch tự động" in page  # started by no one: the schedule (or the command line)


def test_another_offices_run_is_not_found_by_the_poll(book, cast):
    from tasks.jobs.arrears import run_arrears

    run = run_arrears(as_of=AS_OF, offices=[cast.bac_son.pk])
    assert browser(cast.alice).get(f"/admin/tasks/jobrun/{run.pk}/progress/").status_code == 404
    assert browser(cast.bob).get(f"/admin/tasks/jobrun/{run.pk}/progress/").status_code == 200


def test_the_month_is_typed_the_vietnamese_way(book, cast, django_capture_on_commit_callbacks):
    client = browser(cast.carol)
    page = client.get("/admin/tasks/jobrun/run-reconciliation/").content.decode()
    assert 'placeholder="mm/yyyy"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/tasks/jobrun/run-reconciliation/", {"month": "10/2025"})
    assert response.status_code == 302
    assert JobRun.objects.get(kind=JobRun.Kind.RECONCILIATION).period == "2025-10"
    refused = client.post("/admin/tasks/jobrun/run-reconciliation/", {"month": "13/2025"})
    assert "mm/yyyy" in refused.content.decode()
