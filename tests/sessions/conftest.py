"""A Văn Quan point meeting on the 10th, one group of three households, each with a poor-
household loan (HN, 6.6 %/yr, 36 months, principal every 6 months, due day 10) disbursed on
10 Jan 2025; the session is 10 Feb 2025, the first interest due date."""

from dataclasses import dataclass
from datetime import date

import pytest

from loans import services
from tests.api.conftest import token_client
from tests.conftest import approved_loan
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory

API = "/api/v1"
DISBURSED_ON = date(2025, 1, 10)
SESSION_DATE = date(2025, 2, 10)
AMOUNTS = (50_000_000, 20_000_000, 10_000_000)


@dataclass
class Group:
    point: object
    group: object
    households: list
    loans: list


def disbursed_loan(borrower, amount: int, by):
    loan = approved_loan(
        borrower,
        "HN",
        amount=amount,
        term=36,
        by=by,
        due_day=10,
        principal_frequency_months=6,
        approved_on=date(2025, 1, 2),
    )
    services.disburse(loan, amount=amount, on=DISBURSED_ON, by=by)
    loan.refresh_from_db()
    return loan


def build_group(office, user, *, size: int = 3, amounts=AMOUNTS) -> Group:
    point = PointFactory(office=office, session_day=10, code=f"VQ{office.pk:02d}{size:03d}")
    group = SavingsGroupFactory(transaction_point=point)
    households = [
        BorrowerFactory(savings_group=group, full_name=f"Hộ {n:02d}") for n in range(size)
    ]
    loans = [disbursed_loan(h, amounts[n % len(amounts)], user) for n, h in enumerate(households)]
    return Group(point, group, households, loans)


@pytest.fixture
def trio(cast) -> Group:
    return build_group(cast.van_quan, cast.alice)


@pytest.fixture
def alice_api(cast):
    return token_client(cast.alice)


@pytest.fixture
def bob_api(cast):
    return token_client(cast.bob)


def open_session(client, point, on=SESSION_DATE):
    return client.post(
        f"{API}/sessions/",
        {"transaction_point": point.pk, "session_date": on.isoformat()},
        format="json",
    )
