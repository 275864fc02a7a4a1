"""A freeze (khoanh nợ) lasts up to 3 years (Decision 50/2010 as amended by 08/2021): its last
day is at most the day before the same date three years on, and an open freeze is ended within
that too."""

from datetime import date, timedelta

import pytest

from loans import services
from loans.models import LoanStatus
from tests.conftest import approved_loan


@pytest.fixture
def old_loan(cast, household):
    """10,000,000 đồng HN disbursed four years and a month ago (so 3 years can pass by today)."""
    start = services.today() - timedelta(days=4 * 365 + 30)
    loan = approved_loan(household, "HN", amount=10_000_000, term=60, by=cast.alice)
    services.disburse(loan, amount=10_000_000, on=start, by=cast.alice)
    loan.refresh_from_db()
    return loan


@pytest.mark.parametrize(
    ("start", "last"),
    [
        (date(2025, 3, 1), date(2028, 2, 29)),  # 2028 is a leap year: 29 Feb is the last day
        (date(2025, 1, 10), date(2028, 1, 9)),
        (date(2024, 2, 29), date(2027, 2, 28)),  # from 29 Feb: the anniversary is 1 Mar 2027
    ],
)
def test_the_last_day_of_a_freeze_is_three_years_on(start, last):
    assert services.last_freeze_day(start) == last


def test_a_freeze_through_its_last_day_is_taken_and_one_day_more_refused(cast, old_loan):
    start = old_loan.first_disbursed_on + timedelta(days=1)
    last = services.last_freeze_day(start)
    with pytest.raises(services.LoanError) as err:
        services.freeze(
            old_loan, start=start, end=last + timedelta(days=1), decision_ref="QĐ", by=cast.alice
        )
    assert err.value.field == "end"
    assert f"{last:%d/%m/%Y}" in err.value.message
    assert not old_loan.freezes.exists()
    with pytest.raises(services.LoanError) as err:
        services.freeze(
            old_loan, start=start, end=start - timedelta(days=1), decision_ref="QĐ", by=cast.alice
        )
    assert err.value.field == "end"
    record = services.freeze(old_loan, start=start, end=last, decision_ref="QĐ 1", by=cast.alice)
    assert (record.start, record.end) == (start, last)


def test_an_open_freeze_is_ended_within_three_years(cast, old_loan):
    start = old_loan.first_disbursed_on + timedelta(days=1)
    services.freeze(old_loan, start=start, end=None, decision_ref="QĐ 2", by=cast.alice)
    last = services.last_freeze_day(start)
    assert last < services.today()  # four years on: past the limit
    with pytest.raises(services.LoanError) as err:
        services.unfreeze(old_loan, on=last + timedelta(days=1), by=cast.alice)
    assert err.value.field == "on"
    record = services.unfreeze(old_loan, on=last, by=cast.alice)
    old_loan.refresh_from_db()
    assert (record.end, old_loan.status) == (last, LoanStatus.ACTIVE)


def test_the_api_refuses_a_freeze_beyond_three_years(clients, roles, loan):
    from tests.api.conftest import API

    start = loan.first_disbursed_on
    body = {
        "start": str(start),
        "end": str(services.last_freeze_day(start) + timedelta(days=1)),
        "decision_ref": "QĐ 3",
    }
    response = clients["administrator"].post(f"{API}/loans/{loan.pk}/freezes/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["end"]
