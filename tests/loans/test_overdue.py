"""The transfer to overdue (chuyển nợ quá hạn) as a service: the unpaid part of each instalment,
journaled the day after its due date, exactly once per instalment (DOMAIN.md §3)."""

from datetime import date

import pandas as pd
import pytest

from loans import services
from loans.models import Loan, LoanTransaction, TransactionKind
from loans.selectors import load_engine_inputs, positions

from ..conftest import approved_loan

AS_OF = date(2025, 7, 20)


@pytest.fixture
def example_b(cast, household):
    """DOMAIN.md example B: 50,000,000 disbursed 10 Jan 2025, 36 months, principal every 6
    months (5 × 8,333,000 and 8,335,000), due day 10; only interest was paid."""
    loan = approved_loan(household, "HN", amount=50_000_000, term=36, by=cast.alice, due_day=10)
    services.disburse(loan, amount=50_000_000, on=date(2025, 1, 10), by=cast.alice)
    services.record_repayment(loan, interest=279_781, on=date(2025, 2, 10), by=cast.alice)
    services.record_repayment(loan, interest=253_151, on=date(2025, 3, 10), by=cast.alice)
    loan.refresh_from_db()
    return loan


def unpaid_instalments(loan: Loan, as_of: date) -> pd.DataFrame:
    """The service's reading of the loan's instalments and position, as the nightly job has."""
    loans = Loan.objects.filter(pk=loan.pk)
    frames = load_engine_inputs(loans, as_of=as_of)
    book = positions(loans, as_of=as_of).assign(
        office_id=loan.office_id, transaction_point_id=loan.transaction_point_id
    )
    return services.overdue_transfers(
        instalments=frames["instalments"], positions=book, as_of=as_of
    )


def test_the_unpaid_instalment_is_transferred_once_the_day_after_it_fell_due(example_b):
    transfers = unpaid_instalments(example_b, AS_OF)
    # The first instalment, 8,333,000 due 10 Jul 2025, is unpaid; nothing else is due yet.
    assert transfers[["due_date", "amount"]].astype({"due_date": str}).values.tolist() == [
        ["2025-07-10", 8_333_000]
    ]

    assert services.record_overdue_transfers(transfers=transfers, as_of=AS_OF) == 1
    assert services.record_overdue_transfers(transfers=transfers, as_of=AS_OF) == 0

    entry = LoanTransaction.objects.get(kind=TransactionKind.OVERDUE_TRANSFER)
    assert (entry.loan_id, entry.due_date, entry.value_date, entry.amount) == (
        example_b.pk,
        date(2025, 7, 10),
        date(2025, 7, 11),
        8_333_000,
    )
    example_b.refresh_from_db()
    assert example_b.outstanding_principal == 50_000_000  # no money moves


def test_an_instalment_not_yet_overdue_is_refused(example_b):
    transfers = unpaid_instalments(example_b, AS_OF)

    with pytest.raises(ValueError, match="not yet overdue"):
        services.record_overdue_transfers(transfers=transfers, as_of=date(2025, 7, 10))
    assert not LoanTransaction.objects.filter(kind=TransactionKind.OVERDUE_TRANSFER).exists()
