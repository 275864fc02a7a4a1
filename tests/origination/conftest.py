"""An applicant in a ten-member group of Văn Quan, and helpers that take an application through
its steps (01/TD → 10/TD → 03/TD) with the dates of one spring: applied on 3 March 2025, the
group meets on the 10th, the commune certifies on the 14th, the director decides on the 20th."""

from datetime import date

import pytest

from loans.origination import services
from loans.origination.models import LoanApplication
from tests.conftest import programme
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory

APPLIED_ON = date(2025, 3, 3)
MEETING = date(2025, 3, 10)
CERTIFIED_ON = date(2025, 3, 14)
DECIDED_ON = date(2025, 3, 20)
M = 1_000_000


@pytest.fixture
def point(cast):
    return PointFactory(office=cast.van_quan, session_day=21, name="Điểm giao dịch xã Tràng Các")


@pytest.fixture
def group(point):
    """Tổ TK&VV thôn Nà Lầu: ten member households (the applicant and nine others)."""
    group = SavingsGroupFactory(transaction_point=point, code="VQ-TC-01", village="Thôn Nà Lầu")
    BorrowerFactory.create_batch(9, savings_group=group)
    return group


@pytest.fixture
def applicant(group):
    """A poor Tày household of the group."""
    return BorrowerFactory(savings_group=group, full_name="Hoàng Thị Mai")


def submit(borrower, *, by, code: str = "HN", **terms) -> LoanApplication:
    """A 50,000,000 đồng, 36-month application for a buffalo, unless the terms say otherwise."""
    terms.setdefault("amount", 50 * M)
    terms.setdefault("term_months", 36)
    terms.setdefault("purpose", "Mua 01 con trâu sinh sản")
    terms.setdefault("applied_on", APPLIED_ON)
    if code.startswith("ND28"):
        terms.setdefault("approved_list_ref", "QĐ 456/QĐ-UBND ngày 01/03/2024")
    return services.submit_application(borrower=borrower, programme=programme(code), by=by, **terms)


def vote(application, *, by, present: int = 8, votes_for: int = 7) -> LoanApplication:
    return services.record_vote(
        application, meeting_date=MEETING, members_present=present, votes_for=votes_for, by=by
    )


def certify(application, *, by) -> LoanApplication:
    return services.certify(
        application, certified_on=CERTIFIED_ON, reference="Số 12/XN-UBND", by=by
    )


def certified(borrower, *, by, **terms) -> LoanApplication:
    """An application submitted, voted for (7 of 8 present) and certified by the commune."""
    return certify(vote(submit(borrower, by=by, **terms), by=by), by=by)
