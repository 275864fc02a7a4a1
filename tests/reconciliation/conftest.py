"""A month of activity (June 2025) in two groups of different associations, posted by hand
through `loans.services`; the expected figures are worked out in the tests from DOMAIN.md.

Group A (Văn Quan, Farmers' Union, due day 10), all loans HN at 6.6%/yr, act/365:
- A1: 36,500,000 disbursed 10 Mar 2025 (a day's interest is 36,500,000 × 6.6% / 365 = 6,600);
  interest paid on every due date: 10 Apr 204,600 (31 days), 10 May 198,000 (30 days),
  10 Jun 204,600 (31 days); 5,000,000 principal prepaid 10 Jun; 1,000,000 principal posted on
  15 Jun by mistake and reversed.
- A2: 18,250,000 disbursed 10 Jun 2025 (first interest due 10 Jul); 1,000,000 principal paid on
  10 Jul 2025 (after the month).
Group B (Bắc Sơn, Women's Union, due day 21):
- B1: 20,000,000 disbursed 21 Jul 2024, 24 months, principal every 3 months: 8 × 2,500,000 from
  21 Oct 2024; paid 21 Oct 2024 and 21 Jan 2025, not 21 Apr 2025 (2,500,000 overdue since
  22 Apr); interest 400,011 paid 21 Jun 2025.
- B2: 30,000,000 disbursed 21 Jan 2025; interest 168,164 paid 21 Jun 2025, the same amount
  posted twice that day by mistake and the duplicate reversed.
- B3: 10,000,000 disbursed 21 Feb 2025, written off (xóa nợ) on 21 Jun 2025.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from borrowers.models import Association
from loans import services
from loans.models import Loan
from tests.conftest import approved_loan
from tests.factories import AssociationFactory, BorrowerFactory, PointFactory, SavingsGroupFactory

JUNE = date(2025, 6, 1)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def association_tree(kind: str, office, point) -> dict[str, Association]:
    """An association at the four levels: central → province → district → commune."""
    label = Association.Kind(kind).label
    central = AssociationFactory(kind=kind, level="central", name=f"Trung ương {label}")
    province = AssociationFactory(
        kind=kind, level="province", name=f"{label} tỉnh Lạng Sơn", parent=central
    )
    district = AssociationFactory(
        kind=kind,
        level="district",
        name=f"{label} huyện {office.code}",
        parent=province,
        office=office,
    )
    commune = AssociationFactory(
        kind=kind,
        level="commune",
        name=f"{label} xã {point.code}",
        parent=district,
        office=office,
        transaction_point=point,
    )
    return {"central": central, "province": province, "district": district, "commune": commune}


@dataclass
class June:
    """The two groups, their associations and loans."""

    group_a: object
    group_b: object
    assoc_a: dict
    assoc_b: dict
    loans: dict[str, Loan]


def _loan(group, officer, amount, **terms) -> Loan:
    borrower = BorrowerFactory(savings_group=group)
    terms.setdefault("term", 36)
    return approved_loan(borrower, "HN", amount=amount, by=officer, **terms)


@pytest.fixture
def june(cast) -> June:
    alice, bob = cast.alice, cast.bob
    point_a = PointFactory(office=cast.van_quan, session_day=10, name="Điểm giao dịch xã Tú Đoạn")
    point_b = PointFactory(office=cast.bac_son, session_day=21, name="Điểm giao dịch xã Vũ Lễ")
    assoc_a = association_tree("farmers", cast.van_quan, point_a)
    assoc_b = association_tree("women", cast.bac_son, point_b)
    group_a = SavingsGroupFactory(
        transaction_point=point_a, association=assoc_a["commune"], name="Tổ TK&VV thôn Bản Cạn"
    )
    group_b = SavingsGroupFactory(
        transaction_point=point_b, association=assoc_b["commune"], name="Tổ TK&VV thôn Nà Hin"
    )

    a1 = _loan(group_a, alice, 36_500_000)
    services.disburse(a1, amount=36_500_000, on=date(2025, 3, 10), by=alice)
    services.record_repayment(a1, interest=204_600, on=date(2025, 4, 10), by=alice)
    services.record_repayment(a1, interest=198_000, on=date(2025, 5, 10), by=alice)
    services.record_repayment(
        a1, principal=5_000_000, interest=204_600, on=date(2025, 6, 10), by=alice
    )
    (mistake,) = services.record_repayment(a1, principal=1_000_000, on=date(2025, 6, 15), by=alice)
    services.reverse(mistake, reason="Ghi nhầm khoản vay", by=alice)

    a2 = _loan(group_a, alice, 18_250_000)
    services.disburse(a2, amount=18_250_000, on=date(2025, 6, 10), by=alice)
    services.record_repayment(a2, principal=1_000_000, on=date(2025, 7, 10), by=alice)

    b1 = _loan(group_b, bob, 20_000_000, term=24, principal_frequency_months=3)
    services.disburse(b1, amount=20_000_000, on=date(2024, 7, 21), by=bob)
    services.record_repayment(b1, principal=2_500_000, on=date(2024, 10, 21), by=bob)
    services.record_repayment(b1, principal=2_500_000, on=date(2025, 1, 21), by=bob)
    services.record_repayment(b1, interest=400_011, on=date(2025, 6, 21), by=bob)

    b2 = _loan(group_b, bob, 30_000_000)
    services.disburse(b2, amount=30_000_000, on=date(2025, 1, 21), by=bob)
    services.record_repayment(b2, interest=168_164, on=date(2025, 6, 21), by=bob)
    (duplicate,) = services.record_repayment(b2, interest=168_164, on=date(2025, 6, 21), by=bob)
    services.reverse(duplicate, reason="Nhập trùng biên lai", by=bob)

    b3 = _loan(group_b, bob, 10_000_000)
    services.disburse(b3, amount=10_000_000, on=date(2025, 2, 21), by=bob)
    services.write_off(b3, on=date(2025, 6, 21), by=bob, reason="QĐ xóa nợ số 12/QĐ-HĐQT")

    return June(
        group_a=group_a,
        group_b=group_b,
        assoc_a=assoc_a,
        assoc_b=assoc_b,
        loans={"a1": a1, "a2": a2, "b1": b1, "b2": b2, "b3": b3},
    )
