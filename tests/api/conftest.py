"""API clients for the cast (token auth, as a client program would log in) and two offices'
worth of organisation: a point, an association, a group, a household and a disbursed loan each."""

from dataclasses import dataclass
from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from borrowers.models import Association
from loans import services
from loans.approvals.services import request_approval
from loans.origination.services import submit_application
from programmes.models import Programme
from tests.conftest import approved_loan
from tests.factories import AssociationFactory, BorrowerFactory, PointFactory, SavingsGroupFactory

API = "/api/v1"


def token_client(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def alice_api(cast) -> APIClient:
    return token_client(cast.alice)


@pytest.fixture
def bob_api(cast) -> APIClient:
    return token_client(cast.bob)


@pytest.fixture
def carol_api(cast) -> APIClient:
    return token_client(cast.carol)


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@dataclass
class Site:
    """One office's objects: every scoped resource the API serves, once."""

    office: object
    point: object
    association: object
    group: object
    borrower: object
    loan: object
    entry: object  # the loan's disbursement
    application: object  # the household's application (01/TD) in another programme
    approval: object = None  # a four-eyes request to reverse the disbursement, pending


def build_site(office, user, *, national_id: str) -> Site:
    point = PointFactory(office=office, session_day=10)
    association = AssociationFactory(level=Association.Level.DISTRICT, office=office)
    group = SavingsGroupFactory(transaction_point=point, association=AssociationFactory())
    borrower = BorrowerFactory(savings_group=group, national_id=national_id)
    loan = approved_loan(
        borrower, "HN", amount=20_000_000, term=24, by=user, approved_on=date(2025, 1, 2)
    )
    entry = services.disburse(loan, amount=20_000_000, on=date(2025, 1, 10), by=user)
    loan.refresh_from_db()
    application = submit_application(
        borrower=borrower,
        programme=Programme.objects.get(code="NSVSMT"),
        amount=20_000_000,
        term_months=36,
        purpose="Xây bể nước",
        applied_on=date(2025, 1, 3),
        by=user,
    )
    approval = request_approval(
        loan,
        operation="reversals",
        parameters={"transaction": entry.pk, "reason": "Nhầm số tiền"},
        by=user,
    )
    return Site(office, point, association, group, borrower, loan, entry, application, approval)


@pytest.fixture
def sites(cast) -> dict[str, Site]:
    """Văn Quan (alice's) and Bắc Sơn (bob's)."""
    return {
        "van_quan": build_site(cast.van_quan, cast.alice, national_id="020090000001"),
        "bac_son": build_site(cast.bac_son, cast.bob, national_id="020090000002"),
    }
