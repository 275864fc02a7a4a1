"""The set-based batch work (DESIGN.md "Jobs"), one module per job, sharing one run plumbing:

- arrears: the nightly positions, their snapshot rows (snapshots) and the transfers to overdue
  (through loans.services.overdue);
- reconciliation: the monthly reconciliation (the per-loan figures in reconciliation_figures,
  the commissions and fees in fees, month helpers in loans.reconciliation.months);
- runs: a JobRun, its office partitions, their threads, and closing the run (both jobs).

The Celery tasks in tasks/tasks.py are thin wrappers around these functions.
"""

from .arrears import run_arrears
from .reconciliation import run_reconciliation

__all__ = ["run_arrears", "run_reconciliation"]
