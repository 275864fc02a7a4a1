"""Transfer to overdue (chuyển nợ quá hạn, DOMAIN.md §3): automatic, only the unpaid part of
each instalment, journaled once per instalment by the nightly job.

Set-based on purpose: the night computes every open loan's position at once and hands over
the instalments that became overdue, a few thousand rows, which are appended in bulk. No loan
row is locked: an overdue transfer moves no money and no cached balance, and the journal's
unique key (loan, due date) for this kind makes a second write of the same instalment a no-op,
so two runs of one night, or two nights, never journal it twice.
"""

from datetime import date, timedelta
from typing import Any

import pandas as pd
from django.db import transaction

from ..models import LoanTransaction, TransactionKind

TRANSFER_NOTE = "Chuyển nợ quá hạn tự động"
TRANSFER_COLUMNS = ["loan_id", "due_date", "amount", "office_id", "transaction_point_id"]


def overdue_transfers(
    *, instalments: pd.DataFrame, positions: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """The unpaid part of every instalment that fell due before `as_of`, one row each
    (TRANSFER_COLUMNS); `positions` are the loans' positions as of `as_of` with their office
    and transaction point.

    Repayments cover the oldest instalments first, so an instalment's unpaid part is its
    cumulative due beyond what was repaid or written off, capped at its own amount.
    """
    due = instalments[pd.to_datetime(instalments["due_date"]) < pd.Timestamp(as_of)]
    due = due.merge(positions, on="loan_id", how="inner").sort_values(["loan_id", "due_date"])
    cumulative = due.groupby("loan_id")["principal"].cumsum()
    settled = due["principal_repaid"] + due["written_off"]
    unpaid = (cumulative - settled).clip(lower=0).clip(upper=due["principal"])
    due = due.assign(amount=unpaid.astype("int64"))
    return due[due["amount"] > 0][TRANSFER_COLUMNS]


@transaction.atomic
def record_overdue_transfers(*, transfers: pd.DataFrame, as_of: date) -> int:
    """Journal each instalment's transfer to overdue, value-dated the day after its due date,
    exactly once ever (the unique constraint uniq_overdue_transfer_per_instalment); returns
    how many entries are new. `transfers`: rows of `overdue_transfers` for business date
    `as_of` (an instalment not yet due then is refused)."""
    if transfers.empty:
        return 0
    due_dates = pd.to_datetime(transfers["due_date"])
    if (due_dates >= pd.Timestamp(as_of)).any():
        raise ValueError(f"an instalment not yet overdue on {as_of} cannot be transferred")
    days = due_dates.dt.date.to_numpy()
    journaled = LoanTransaction.objects.filter(
        kind=TransactionKind.OVERDUE_TRANSFER, loan_id__in=transfers["loan_id"].unique().tolist()
    ).order_by()
    # Most nights almost every candidate was journaled on an earlier night: skip those here
    # instead of sending them all to be ignored as conflicts.
    done = set(journaled.values_list("loan_id", "due_date"))
    entries = [
        _transfer(row, due)
        for row, due in zip(transfers.itertuples(index=False), days, strict=True)
        if (row.loan_id, due) not in done
    ]
    if not entries:
        return 0
    before = journaled.count()
    LoanTransaction.objects.bulk_create(entries, batch_size=2000, ignore_conflicts=True)
    return journaled.count() - before


def _transfer(row: Any, due: date) -> LoanTransaction:
    return LoanTransaction(
        loan_id=row.loan_id,
        kind=TransactionKind.OVERDUE_TRANSFER,
        value_date=due + timedelta(days=1),
        due_date=due,
        amount=int(row.amount),
        office_id=row.office_id,
        transaction_point_id=row.transaction_point_id,
        note=TRANSFER_NOTE,
    )
