"""loans.services.record_repayments, the batch a sheet posts its loans' lines with: the same
rules and figures as record_repayment line by line, in a constant number of queries.

The trio's loans (tests/sessions/conftest.py): HN 6.6 %/year, disbursed 10 Jan 2025 (50, 20
and 10 million). On 10 Feb 2025 the first month's interest is due: 50,000,000 × 6.6 % × 31/365
= 280,273.97… → 280,274 đồng (DOMAIN.md §4 rounding), 112,110 and 56,055 for the others.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans import services
from loans.models import LoanStatus, LoanTransaction
from loans.selectors import position_of

from .conftest import SESSION_DATE, build_group


def test_the_batch_posts_what_the_single_service_posts(cast, trio):
    a, b, c = trio.loans
    due = position_of(a, as_of=SESSION_DATE)["interest_due"]
    assert due == 280_274  # 50,000,000 × 0.066 × 31 / 365, half-up
    lines = [
        services.Repayment(a.pk, principal=0, interest=due, receipt_number="R1"),
        services.Repayment(b.pk, principal=2_000_000, interest=112_110, receipt_number="R2"),
        services.Repayment(c.pk, principal=10_000_000, interest=56_055, receipt_number="R3"),
    ]
    entries = services.record_repayments(lines, on=SESSION_DATE, by=cast.alice)
    # Principal first, then interest: 2,000,000 and 10,000,000; 280,274, 112,110 and 56,055.
    assert sorted((e.loan_id, e.kind, e.amount) for e in entries) == sorted(
        [
            (b.pk, "principal_repayment", 2_000_000),
            (c.pk, "principal_repayment", 10_000_000),
            (a.pk, "interest_payment", 280_274),
            (b.pk, "interest_payment", 112_110),
            (c.pk, "interest_payment", 56_055),
        ]
    )
    for loan in (a, b, c):
        loan.refresh_from_db()
    # Caches: 20,000,000 − 2,000,000 = 18,000,000; c repaid all principal and the interest
    # owed that day, so it is closed (tất toán) as record_repayment would close it.
    assert (a.outstanding_principal, a.interest_paid_total) == (50_000_000, 280_274)
    assert (b.outstanding_principal, b.principal_repaid_total) == (18_000_000, 2_000_000)
    assert (c.outstanding_principal, c.status) == (0, LoanStatus.CLOSED)
    assert all(e.receipt_number in {"R1", "R2", "R3"} for e in entries)


def test_a_batch_with_one_bad_line_posts_nothing(cast, trio):
    a, b, c = trio.loans
    lines = [
        services.Repayment(a.pk, interest=280_274),
        # Owed through 10 Feb: the 112,110 due and the day's accrual of the next period
        # (20,000,000 × 0.066 / 365 = 3,616.4…), far below 200,000.
        services.Repayment(b.pk, interest=200_000),
        services.Repayment(c.pk, principal=10_000_001),  # above the 10,000,000 outstanding
    ]
    with pytest.raises(services.RepaymentsRefused) as refused:
        services.record_repayments(lines, on=SESSION_DATE, by=cast.alice)
    assert {i: e.field for i, e in refused.value.errors.items()} == {
        1: "interest",
        2: "principal",
    }
    assert not LoanTransaction.objects.filter(kind="interest_payment").exists()


def test_the_batch_costs_the_same_queries_for_3_or_12_loans(cast, trio):
    def queries(group) -> int:
        lines = [services.Repayment(loan.pk, principal=1_000_000) for loan in group.loans]
        with CaptureQueriesContext(connection) as captured:
            services.record_repayments(lines, on=SESSION_DATE, by=cast.alice)
        return len(captured)

    twelve = build_group(cast.van_quan, cast.alice, size=12)
    assert queries(trio) == queries(twelve)
