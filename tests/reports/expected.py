"""Expected report figures computed independently of loans.reports: each loan's position from
`loans.selectors.position_of` (the engine, one loan at a time) and the journal read row by row,
summed here in plain Python."""

from collections import defaultdict
from datetime import date

from loans.models import LoanTransaction

OUT_OF_PORTFOLIO = {"closed", "written_off", "not_disbursed"}


def open_positions(book, as_of: date) -> dict[str, dict]:
    """Positions of the loans still owing something at the end of `as_of`."""
    return {
        name: position
        for name, position in book.positions(as_of).items()
        if position["status"] not in OUT_OF_PORTFOLIO
    }


def portfolio(book, as_of: date, key, names=None) -> dict:
    """{group: figures} and the totals, `key(loan)` giving a loan's group."""
    groups = defaultdict(lambda: defaultdict(int))
    households = defaultdict(set)
    for name, position in open_positions(book, as_of).items():
        if names is not None and name not in names:
            continue
        loan = book.loans[name]
        figures = groups[key(loan)]
        figures["loans"] += 1
        households[key(loan)].add(loan.borrower_id)
        figures["outstanding_principal"] += position["outstanding_principal"]
        figures["overdue_principal"] += position["overdue_principal"]
        figures["interest_arrears"] += position["interest_arrears"]
        if position["status"] == "frozen":
            figures["frozen_principal"] += position["outstanding_principal"]
    for group, figures in groups.items():
        figures["borrowers"] = len(households[group])
    return {group: dict(figures) for group, figures in groups.items()}


def journal_sum(book, kind: str, start: date, end: date, names=None) -> int:
    """Money of one kind value-dated in [start, end], reversed entries left out."""
    total = 0
    for name, loan in book.loans.items():
        if names is not None and name not in names:
            continue
        for entry in LoanTransaction.objects.filter(loan=loan, kind=kind):
            if start <= entry.value_date <= end and not hasattr(entry, "reversed_by"):
                total += entry.amount
    return total


def ratio_of(overdue: int, outstanding: int) -> float:
    return round(overdue / outstanding, 6) if outstanding else 0.0
