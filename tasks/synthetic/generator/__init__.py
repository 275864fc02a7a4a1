"""A synthetic portfolio for load tests and the benchmark (`manage.py generate_portfolio`).

Test data, written straight into the tables (the services would take hours for a million loans),
but internally consistent: cached balances equal the journal, schedules follow
`loans.positions.build_schedule` to the đồng, the contract rate is the programme's rate in force
on the first disbursement, reversals point at their original, no loan repays more principal than
it owes, and the historical transfers to overdue are journaled as the nightly job would have.

Everything is drawn with numpy, a block of loans at a time (memory stays flat), from a generator
seeded by (seed, block), and written with PostgreSQL binary COPY (explicit ids from ranges
allocated up front, sequences moved past them at the end), or `executemany` on SQLite.
Proportions follow DOMAIN.md §1: ~1.6 loans per household, ~37 households per savings group,
~17 groups per transaction point, ~18 points per office; the Lạng Sơn organisation of
`seed_demo` is used first and synthetic points and offices (codes ``SIM…``) are added beyond it.

Modules: params (sizes, shares, programme terms), catalogue, organisation, block (with its
stages people, schedules, payments, journal), encoding (COPY and SQLite rows), portfolio
(the run, reset, checks), arrays (day numbers and grouped sums).
"""

from .organisation import ensure_organisation
from .params import BATCH_LOANS, DEFAULT_SEED, SIM
from .portfolio import generate_portfolio, journal_mismatches, reset_portfolio

__all__ = [
    "BATCH_LOANS",
    "DEFAULT_SEED",
    "SIM",
    "ensure_organisation",
    "generate_portfolio",
    "journal_mismatches",
    "reset_portfolio",
]
