"""The set-based batch work (DESIGN.md "Jobs"), one module per job, sharing one run plumbing:

- arrears: the nightly positions, snapshots and transfers to overdue;
- reconciliation: the monthly reconciliation (with reconciliation_figures and fees);
- runs: a JobRun, its office partitions, their threads, and closing the run (both jobs).

The Celery tasks in tasks/tasks.py are thin wrappers around these functions.
"""

from .arrears import run_arrears
from .reconciliation import run_reconciliation

__all__ = ["run_arrears", "run_reconciliation"]
