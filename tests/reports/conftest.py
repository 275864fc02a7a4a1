"""A hand-built portfolio for the reports: two offices, four programmes, five households.

Văn Quan (alice's office): two points whose former communes (Tri Lễ, Hữu Lễ) merged into one
current commune on 1 July 2025.
  - Tày household `overdue`: HN 50,000,000 from 10 Jan 2025 (DOMAIN.md worked example B),
    only interest paid: 8,333,000 overdue since 11 Jul 2025.
  - Kinh household `housing`: ND28-NHA 40,000,000 from 15 Mar 2024 (worked example A).
  - Tày near-poor household `settled`: HCN 30,000,000 from 10 Feb 2025, repaid in full on
    10 Jun 2025 (a loan closed in the period).
Bắc Sơn (bob's office): one point in a commune the merger left alone.
  - Tày household `land`: ND28-DAT 50,000,000 from 5 Mar 2025, and HN 20,000,000 from
    5 May 2025 with its first 5,000,000 instalment paid on 5 Aug 2025 (one household, two
    loans, two programmes).
  - Nùng near-poor household `frozen`: HCN 60,000,000 from 5 Apr 2025, frozen from
    1 Sep 2025 (khoanh nợ).
"""

from dataclasses import dataclass, field
from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from borrowers.models import Association
from loans import services
from loans.models import Loan
from loans.selectors import position_of
from tests.conftest import approved_loan
from tests.factories import (
    AssociationFactory,
    BorrowerFactory,
    CommuneFactory,
    PointFactory,
    SavingsGroupFactory,
)

AS_OF = date(2025, 10, 31)
PERIOD = (date(2025, 1, 1), date(2025, 10, 31))
API = "/api/v1/reports"


@pytest.fixture(autouse=True)
def report_settings(settings):
    # The cast hashes three passwords per test; the snapshot margin would make every snapshot
    # written seconds after its postings look stale.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REPORT_SNAPSHOT_MARGIN = __import__("datetime").timedelta(0)


@dataclass
class Book:
    """The portfolio's loans by name, and everything the tests look up."""

    cast: object
    loans: dict[str, Loan] = field(default_factory=dict)
    points: dict[str, object] = field(default_factory=dict)
    communes: dict[str, object] = field(default_factory=dict)
    groups: dict[str, object] = field(default_factory=dict)
    associations: dict[str, object] = field(default_factory=dict)

    def positions(self, as_of: date, **only) -> dict[str, dict]:
        """Each loan's position by the one engine, keyed by the loan's name."""
        return {name: position_of(loan, as_of=as_of) for name, loan in self.loans.items()}


def _paid_interest(loan, on: date, amount: int, by) -> None:
    services.record_repayment(loan, interest=amount, on=on, by=by)


def _settle(loan, on: date, by) -> None:
    """Repay all principal, then all interest owed that day: the loan closes (tất toán)."""
    loan.refresh_from_db()
    services.record_repayment(loan, principal=loan.outstanding_principal, on=on, by=by)
    position = position_of(loan, as_of=on)
    owed = position["interest_due"] + position["interest_accrued_not_due"]
    services.record_repayment(loan, interest=owed - position["interest_paid"], on=on, by=by)


def _at(point) -> dict:
    return {"office": point.office, "transaction_point": point}


@pytest.fixture
def book(cast) -> Book:
    book = Book(cast)
    merged = CommuneFactory(name="Xã Tri Lễ (mới)", valid_from=date(2025, 7, 1))
    book.communes = {
        "merged": merged,
        "tri_le": CommuneFactory(name="Xã Tri Lễ", valid_to=date(2025, 6, 30), successor=merged),
        "huu_le": CommuneFactory(name="Xã Hữu Lễ", valid_to=date(2025, 6, 30), successor=merged),
        "bac_son": CommuneFactory(name="Xã Vũ Lễ"),
    }
    book.points = {
        "tri_le": PointFactory(
            office=cast.van_quan, commune=book.communes["tri_le"], session_day=10
        ),
        "huu_le": PointFactory(
            office=cast.van_quan, commune=book.communes["huu_le"], session_day=21
        ),
        "vu_le": PointFactory(office=cast.bac_son, commune=book.communes["bac_son"], session_day=5),
    }
    district = AssociationFactory(
        level=Association.Level.DISTRICT, office=cast.van_quan, name="Hội Nông dân huyện Văn Quan"
    )
    book.associations = {
        "district": district,
        "farmers": AssociationFactory(
            parent=district, name="Hội Nông dân xã Tri Lễ", **_at(book.points["tri_le"])
        ),
        "women": AssociationFactory(
            kind=Association.Kind.WOMEN, name="Hội Phụ nữ xã Hữu Lễ", **_at(book.points["huu_le"])
        ),
        "veterans": AssociationFactory(
            kind=Association.Kind.VETERANS, name="Hội CCB xã Vũ Lễ", **_at(book.points["vu_le"])
        ),
    }
    book.groups = {
        "tri_le": SavingsGroupFactory(
            transaction_point=book.points["tri_le"], association=book.associations["farmers"]
        ),
        "huu_le": SavingsGroupFactory(
            transaction_point=book.points["huu_le"], association=book.associations["women"]
        ),
        "vu_le": SavingsGroupFactory(
            transaction_point=book.points["vu_le"], association=book.associations["veterans"]
        ),
    }
    alice, bob = cast.alice, cast.bob

    def household(group: str, **kwargs):
        return BorrowerFactory(savings_group=book.groups[group], **kwargs)

    overdue = household("tri_le", full_name="Hoàng Văn Quá Hạn")
    housing = household("huu_le", full_name="Nguyễn Văn Nhà", ethnicity="Kinh")
    settled = household("tri_le", full_name="Lý Thị Tất Toán", household_category="near_poor")
    land = household("vu_le", full_name="Vi Văn Đất")
    frozen = household(
        "vu_le", full_name="Lương Thị Khoanh", ethnicity="Nùng", household_category="near_poor"
    )

    loan = book.loans["overdue"] = approved_loan(
        overdue, "HN", amount=50_000_000, term=36, by=alice, due_day=10
    )
    services.disburse(loan, amount=50_000_000, on=date(2025, 1, 10), by=alice)
    _paid_interest(loan, date(2025, 2, 10), 279_781, alice)
    _paid_interest(loan, date(2025, 3, 10), 253_151, alice)

    loan = book.loans["housing"] = approved_loan(
        housing, "ND28-NHA", amount=40_000_000, term=180, by=alice, due_day=21
    )
    services.disburse(loan, amount=40_000_000, on=date(2024, 3, 15), by=alice)

    loan = book.loans["settled"] = approved_loan(
        settled, "HCN", amount=30_000_000, term=24, by=alice, due_day=10
    )
    services.disburse(loan, amount=30_000_000, on=date(2025, 2, 10), by=alice)
    _settle(loan, date(2025, 6, 10), alice)

    loan = book.loans["land"] = approved_loan(
        land, "ND28-DAT", amount=50_000_000, term=180, by=bob, due_day=5
    )
    services.disburse(loan, amount=50_000_000, on=date(2025, 3, 5), by=bob)

    loan = book.loans["land_hn"] = approved_loan(
        land, "HN", amount=20_000_000, term=12, by=bob, due_day=5, principal_frequency_months=3
    )
    services.disburse(loan, amount=20_000_000, on=date(2025, 5, 5), by=bob)
    services.record_repayment(loan, principal=5_000_000, on=date(2025, 8, 5), by=bob)

    loan = book.loans["frozen"] = approved_loan(
        frozen, "HCN", amount=60_000_000, term=36, by=bob, due_day=5
    )
    services.disburse(loan, amount=60_000_000, on=date(2025, 4, 5), by=bob)
    services.freeze(loan, start=date(2025, 9, 1), end=None, decision_ref="QĐ 7/QĐ-NHCS", by=bob)

    for loan in book.loans.values():
        loan.refresh_from_db()
    return book


def token_client(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def carol_api(cast):
    return token_client(cast.carol)


@pytest.fixture
def alice_api(cast):
    return token_client(cast.alice)
