"""The stored monthly reconciliation (đối chiếu tháng, DOMAIN.md §6): per loan and month the
principal roll-forward, interest, overdue, commissions and fees, and every discrepancy. The job
that computes them lives in `tasks` (which imports this package, never the other way round);
the reports read them through `selectors`."""
