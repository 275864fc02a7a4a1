"""The loan operations the admin had, now in the API too: same rules, same messages (both call
the one service), and what each answers when it is done."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from loans import forms
from loans.models import LoanStatus, TransactionKind
from loans.selectors import schedule_in_force
from tests.api.conftest import API, token_client


@pytest.fixture
def api(cast):
    return token_client(cast.alice)  # the cast may act alone (tests/factories.py)


def post(api, loan, operation, body):
    return api.post(f"{API}/loans/{loan.pk}/{operation}/", body, format="json")


def admin_errors(form_class, loan, data, *, by) -> dict:
    form = form_class(data, loan=loan)
    assert form.is_valid(), form.errors
    assert not form.submit(by=by)
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def test_a_write_off_takes_the_principal_and_the_interest(api, loan):
    today = timezone.localdate()
    answer = post(api, loan, "write-offs", {"value_date": str(today), "reason": "QĐ 5/QĐ"})
    assert answer.status_code == 201, answer.json()
    kinds = [row["kind"] for row in answer.json()["transactions"]]
    # All 20,000,000 of principal is outstanding; interest accrued since 10/01/2025 is owed too.
    assert kinds == [TransactionKind.WRITE_OFF, TransactionKind.INTEREST_WRITE_OFF]
    assert answer.json()["transactions"][0]["amount"] == 20_000_000
    assert answer.json()["loan"]["status"] == LoanStatus.WRITTEN_OFF


def test_a_write_off_before_the_disbursement_date_has_the_admins_message(api, loan, cast):
    early = str(loan.first_disbursed_on - timedelta(days=1))
    answer = post(api, loan, "write-offs", {"value_date": early, "reason": "QĐ 5"})
    assert answer.status_code == 400
    data = {"value_date": early, "reason": "QĐ 5"}
    assert admin_errors(forms.WriteOffForm, loan, data, by=cast.alice) == answer.json()


def test_a_freeze_longer_than_three_years_is_refused_as_in_the_admin(api, loan, cast):
    start = loan.first_disbursed_on
    data = {
        "start": str(start),
        "end": str(start + timedelta(days=3 * 366 + 1)),
        "decision_ref": "QĐ 7",
    }
    answer = post(api, loan, "freezes", data)
    assert answer.status_code == 400
    assert admin_errors(forms.FreezeForm, loan, data, by=cast.alice) == answer.json()
    assert set(answer.json()) == {"end"}


def test_freeze_then_unfreeze(api, loan):
    start = loan.first_disbursed_on
    frozen = post(api, loan, "freezes", {"start": str(start), "decision_ref": "QĐ 8"})
    assert frozen.status_code == 201, frozen.json()
    assert frozen.json()["freeze"]["decision_ref"] == "QĐ 8"
    assert frozen.json()["loan"]["status"] == LoanStatus.FROZEN
    ended = post(api, loan, "unfreezes", {"on": str(timezone.localdate())})
    assert ended.status_code == 201, ended.json()
    assert ended.json()["loan"]["status"] == LoanStatus.ACTIVE


def test_unfreezing_an_active_loan_is_a_409_with_the_admins_message(api, loan, cast):
    answer = post(api, loan, "unfreezes", {"on": str(timezone.localdate())})
    assert answer.status_code == 409
    form = forms.UnfreezeForm({"on": str(timezone.localdate())}, loan=loan)
    assert form.is_valid() and not form.submit(by=cast.alice)
    assert form.non_field_errors() == [answer.json()["detail"]]


def test_an_extension_moves_one_due_date_in_a_new_schedule_version(api, loan, cast):
    first = schedule_in_force(loan, timezone.localdate())[0]
    backwards = {
        "due_date": str(first.due_date),
        "new_due_date": str(first.due_date - timedelta(days=1)),
        "on": str(timezone.localdate()),
        "reason": "Thiên tai",
    }
    refused = post(api, loan, "extensions", backwards)
    assert refused.status_code == 400
    assert admin_errors(forms.ExtensionForm, loan, backwards, by=cast.alice) == refused.json()

    later = first.due_date + timedelta(days=180)
    answer = post(api, loan, "extensions", {**backwards, "new_due_date": str(later)})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["version"] == 2  # the disbursement wrote version 1
    assert str(later) in [row["due_date"] for row in answer.json()["schedule"]]


def test_a_schedule_adjustment_keeps_the_total(api, loan):
    rows = schedule_in_force(loan, timezone.localdate())
    today = str(timezone.localdate())
    body = [{"due_date": str(r.due_date), "principal": r.principal} for r in rows]
    short = [*body[:-1], {**body[-1], "principal": body[-1]["principal"] - 1}]
    refused = post(api, loan, "schedule-adjustments", {"rows": short, "on": today, "reason": "x"})
    assert refused.status_code == 400
    assert refused.json() == {"rows": ["Tổng gốc các kỳ phải bằng tổng gốc của lịch hiện tại."]}
    # Move 1,000,000 from the last instalment to the first: same 20,000,000 in all.
    moved = [
        {**body[0], "principal": body[0]["principal"] + 1_000_000},
        *body[1:-1],
        {**body[-1], "principal": body[-1]["principal"] - 1_000_000},
    ]
    answer = post(
        api, loan, "schedule-adjustments", {"rows": moved, "on": today, "reason": "Hộ xin"}
    )
    assert answer.status_code == 201, answer.json()
    assert sum(row["principal"] for row in answer.json()["schedule"]) == 20_000_000
    assert answer.json()["schedule"][0]["principal"] == body[0]["principal"] + 1_000_000


def test_a_bad_row_is_one_message_on_rows(api, loan):
    answer = post(
        api,
        loan,
        "schedule-adjustments",
        {"rows": [{"due_date": "x"}], "on": str(date.today()), "reason": "x"},
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"rows"}
