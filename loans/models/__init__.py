"""Loans, their versioned principal schedules, and the append-only journal of postings.

A package by concern; every model is importable from ``loans.models`` as before.
"""

from .journal import (
    JournalIsAppendOnly,
    JournalQuerySet,
    LoanTransaction,
    PostingRequest,
    TransactionKind,
)
from .loan import Instalment, Loan, LoanFreeze, LoanStatus, ScheduleVersion
from .snapshots import PositionSnapshot, SnapshotDay

__all__ = [
    "Instalment",
    "JournalIsAppendOnly",
    "JournalQuerySet",
    "Loan",
    "LoanFreeze",
    "LoanStatus",
    "LoanTransaction",
    "PositionSnapshot",
    "PostingRequest",
    "ScheduleVersion",
    "SnapshotDay",
    "TransactionKind",
]
