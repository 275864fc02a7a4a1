"""A session's disbursement list honours the four-eyes threshold: a line above it refuses the
whole list (400 keyed by the line, nothing paid, no request made); the officer requests it on
its loan and posts the list without it. A user who may act alone posts it whole."""

from datetime import date

import pytest

from loans.approvals.models import ApprovalRequest
from loans.models import LoanTransaction
from tests.api.conftest import API, token_client
from tests.conftest import approved_loan
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory
from tests.sessions.conftest import open_session


@pytest.fixture
def listing(roles, cast, settings):
    """A Văn Quan point with two approved HN loans, 20,000,000 and 40,000,000 đồng; the
    threshold at 30,000,000 đồng, so only the second is above it."""
    settings.FOUR_EYES_DISBURSEMENT_THRESHOLD = 30_000_000
    point = PointFactory(office=cast.van_quan, session_day=10, code="VQ4E")
    group = SavingsGroupFactory(transaction_point=point)
    loans = [
        approved_loan(
            BorrowerFactory(savings_group=group, full_name=f"Hộ {n}"),
            "HN",
            amount=amount,
            term=36,
            by=cast.alice,
            approved_on=date(2025, 2, 1),
        )
        for n, amount in enumerate([20_000_000, 40_000_000])
    ]
    return point, loans


def lines(loans) -> dict:
    return {"lines": [{"loan": loan.pk, "amount": loan.approved_amount} for loan in loans]}


def test_a_line_above_the_threshold_refuses_the_list_and_names_the_line(roles, listing):
    point, loans = listing
    officer = token_client(roles.users["officer"])
    session = open_session(officer, point).json()
    url = f"{API}/sessions/{session['id']}/disbursements/"
    refused = officer.post(url, lines(loans), format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["lines[1].amount"]
    assert "30.000.000" in refused.json()["lines[1].amount"][0]
    assert not LoanTransaction.objects.exists()  # nothing paid, not even the small line
    assert not ApprovalRequest.objects.exists()
    # Without the line the list posts: 20,000,000 đồng paid.
    posted = officer.post(url, lines(loans[:1]), format="json")
    assert posted.status_code == 201, posted.json()
    assert LoanTransaction.objects.get().amount == 20_000_000
    # The large one goes through four eyes on its loan (202).
    held = officer.post(
        f"{API}/loans/{loans[1].pk}/disbursements/",
        {"amount": 40_000_000, "value_date": "2025-02-10"},
        format="json",
    )
    assert held.status_code == 202


def test_a_user_who_may_act_alone_posts_the_whole_list(roles, listing):
    point, loans = listing
    admin = token_client(roles.users["administrator"])
    session = open_session(admin, point).json()
    posted = admin.post(
        f"{API}/sessions/{session['id']}/disbursements/", lines(loans), format="json"
    )
    assert posted.status_code == 201, posted.json()
    # 20,000,000 + 40,000,000 đồng paid on the session day.
    assert sum(LoanTransaction.objects.values_list("amount", flat=True)) == 60_000_000
