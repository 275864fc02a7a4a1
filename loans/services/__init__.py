"""Every change of money goes through here: one function per operation, each in a transaction,
each locking the loan row, checking the rule, and appending to the journal (DESIGN.md "Ledger").

One module per family of operations; callers import the package (`from loans import services`)
and find every public service here:

- origination: create_loan (approval, thông báo 04/TD), check_eligibility (its rules, alone)
- disbursement: disburse
- repayment: record_repayment (and the "total or parts" rule)
- repayments: record_repayments (a batch of one value date: a session's sheet)
- reversal: reverse
- schedule: extend_due_date, adjust_schedule
- risk: freeze, unfreeze, write_off (of the principal, the interest or both: WriteOffPart)
- overdue: overdue_transfers, record_overdue_transfers (the nightly transfer to overdue)
- status: change_status, the one place a loan's status changes (Loan.TRANSITIONS)
- errors, idempotency, journal, checks: what the operations share
"""

from .checks import today
from .disbursement import disburse
from .errors import IdempotencyConflict, LoanError
from .journal import REVERSIBLE
from .origination import check_eligibility, create_loan
from .overdue import overdue_transfers, record_overdue_transfers
from .repayment import check_total_or_parts, record_repayment
from .repayments import Repayment, RepaymentsRefused, record_repayments
from .reversal import reverse
from .risk import FREEZE_YEARS, WriteOffPart, freeze, last_freeze_day, unfreeze, write_off
from .schedule import adjust_schedule, extend_due_date
from .status import change_status

__all__ = [
    "FREEZE_YEARS",
    "REVERSIBLE",
    "IdempotencyConflict",
    "LoanError",
    "Repayment",
    "RepaymentsRefused",
    "WriteOffPart",
    "adjust_schedule",
    "change_status",
    "check_eligibility",
    "check_total_or_parts",
    "create_loan",
    "disburse",
    "extend_due_date",
    "freeze",
    "last_freeze_day",
    "overdue_transfers",
    "record_overdue_transfers",
    "record_repayment",
    "record_repayments",
    "reverse",
    "today",
    "unfreeze",
    "write_off",
]
