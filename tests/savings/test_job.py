"""The savings_interest job: the command, the jobs API, a re-run that credits nothing twice.
Figures: tests/savings/test_interest.py (A 4,970 đồng, B 100 đồng for 1 Jan–30 Jun 2025)."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from loans.savings.models import SavingsAccount, SavingsTransaction
from tasks.jobs.savings_interest import previous_period_end
from tasks.models import JobRun

API = "/api/v1"


def test_the_command_credits_the_half_year_once(accounts, capsys):
    call_command("run_savings_interest", "--period-end", "2025-06-30")
    run = JobRun.objects.get(kind="savings_interest")
    assert (run.status, run.period) == ("done", "2025-06-30")
    assert run.counts["interest_credited"] == 5_070  # 4,970 + 100
    assert run.counts["accounts_credited"] == 2
    call_command("run_savings_interest", "--period-end", "2025-06-30")
    again = JobRun.objects.filter(kind="savings_interest").latest("id")
    assert again.counts["accounts_credited"] == 0
    assert again.counts["interest_credited"] == 5_070
    assert SavingsTransaction.objects.filter(kind="interest_credit").count() == 2
    assert SavingsAccount.objects.get(borrower=accounts[0]).balance == 1_204_970
    assert "savings_interest 2025-06-30: done" in capsys.readouterr().out


@pytest.mark.parametrize("period_end", ["2025-05-31", "2099-12-31", "2025-6-30"])
def test_the_command_refuses_another_day(db, period_end):
    with pytest.raises(CommandError):
        call_command("run_savings_interest", "--period-end", period_end)
    assert not JobRun.objects.exists()


def test_the_jobs_api_starts_a_run(accounts, carol_api, django_capture_on_commit_callbacks):
    body = {"kind": "savings_interest", "period_end": "2025-06-30"}
    with django_capture_on_commit_callbacks(execute=True):
        response = carol_api.post(f"{API}/jobs/", body, format="json")
    assert response.status_code == 202, response.json()
    run = JobRun.objects.get(pk=response.json()["id"])
    assert (run.kind, run.status) == ("savings_interest", "done")
    assert SavingsTransaction.objects.filter(kind="interest_credit").count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "savings_interest"},
        {"kind": "savings_interest", "period_end": "2025-05-31"},
        {"kind": "savings_interest", "period_end": "2099-06-30"},
    ],
)
def test_the_jobs_api_refuses_a_bad_period(accounts, carol_api, body):
    response = carol_api.post(f"{API}/jobs/", body, format="json")
    assert response.status_code == 400
    assert "period_end" in response.json()
    assert not JobRun.objects.exists()


def test_beat_takes_the_half_year_just_ended():
    assert previous_period_end(date(2026, 1, 1)) == date(2025, 12, 31)
    assert previous_period_end(date(2026, 7, 1)) == date(2026, 6, 30)
