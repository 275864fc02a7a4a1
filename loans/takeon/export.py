"""Any book as a take-on workbook as of C (the state at C of every loan open then): what
`generate_portfolio --write-takeon` and `manage.py export_takeon` write. Importing the file into
an empty database reproduces the positions as of C. Read set-based: the position engine for
the figures, a few queries for the rest."""

from datetime import date

import numpy as np
import pandas as pd
from django.db.models import QuerySet, Sum

from borrowers.models import Borrower
from loans.models import Loan, LoanFreeze
from loans.positions import add_months
from loans.savings.models import SavingsTransaction
from loans.selectors import instalments_in_force, loans_open_on, positions

from .workbook import csv_zip_bytes, workbook_bytes

LOAN_FIELDS = [
    "id", "contract_number", "borrower__national_id", "programme__code", "purpose__code",
    "contract_rate", "approved_amount", "approved_on", "first_disbursed_on", "disbursed_total",
    "term_months", "grace_months", "principal_frequency_months", "due_day", "approved_list_ref",
    "approved_list_date",
]  # fmt: skip
# The loan's state at C, as the loans sheet gives it after its terms.
STATE = ("outstanding_principal", "interest_arrears", "interest_accrued_not_due",
         "overdue_rate_interest")  # fmt: skip
HOUSEHOLD_FIELDS = [
    "national_id", "full_name", "date_of_birth", "gender", "ethnicity", "household_category",
    "savings_group__code", "village",
]  # fmt: skip


def book_tables(loans: QuerySet[Loan], as_of: date) -> dict[str, list[list]]:
    """The sheets of the take-on workbook of `loans` as of the end of `as_of`."""
    frame = positions(loans_open_on(loans, as_of=as_of), as_of=as_of)
    if frame.empty:
        return {"households": [], "loans": [], "instalments": []}
    frame = frame[frame["outstanding_principal"] > 0]
    ids = frame["loan_id"].to_numpy()
    state = frame.set_index("loan_id")
    rows = list(Loan.objects.filter(id__in=ids.tolist()).order_by("id").values_list(*LOAN_FIELDS))
    frozen = _frozen_from(ids, as_of)
    instalments = _unpaid_instalments(ids, state, as_of, {r[0]: r[1] for r in rows})
    extended = _extended(rows, instalments)
    figures = dict(
        zip(
            ids.tolist(),
            state[list(STATE)].astype("int64").to_numpy().tolist(),
            strict=True,
        )
    )  # the state at C of each loan, as plain ints (no pandas lookup per row)
    loan_rows = [_loan_row(row, figures[row[0]], frozen, extended) for row in rows]
    national_ids = sorted({row[2] for row in rows})
    households = Borrower.objects.filter(national_id__in=national_ids).order_by("national_id")
    return {
        "households": [list(h) for h in households.values_list(*HOUSEHOLD_FIELDS)],
        "loans": loan_rows,
        "instalments": instalments,
        "savings": _savings(national_ids, as_of),
    }


def write_takeon(loans: QuerySet[Loan], as_of: date, *, csv_zip: bool = False) -> bytes:
    """The workbook (.xlsx), or the same sheets as CSV files in a zip."""
    tables = book_tables(loans, as_of)
    return csv_zip_bytes(tables) if csv_zip else workbook_bytes(tables)


def _frozen_from(ids: np.ndarray, as_of: date) -> dict[int, tuple[date, str]]:
    """Each loan frozen at C: the start of the freeze in force and its decision."""
    freezes = LoanFreeze.objects.filter(loan_id__in=ids.tolist(), start__lte=as_of)
    freezes = freezes.exclude(end__lt=as_of).order_by("start")
    return {
        loan: (start, ref)
        for loan, start, ref in freezes.values_list("loan_id", "start", "decision_ref")
    }


def _extended(rows: list[tuple], instalments: list[list]) -> dict[int, str]:
    """The loans whose last instalment falls after their term (an extension): that date."""
    last: dict[str, str] = {}
    for number, due, _amount in instalments:
        last[number] = max(last.get(number, due), due)
    out = {}
    for loan_id, number, *fields in rows:
        end = add_months(fields[6], fields[8], fields[11]).isoformat()
        if number in last and last[number] > end:
            out[loan_id] = last[number]
    return out


def _savings(national_ids: list[str], as_of: date) -> list[list]:
    """Each household's savings balance at the end of C, from the savings journal."""
    balances = (
        SavingsTransaction.objects.filter(
            account__borrower__national_id__in=national_ids, value_date__lte=as_of
        )
        .values("account__borrower__national_id")
        .annotate(balance=Sum("delta"))
        .order_by("account__borrower__national_id")
    )
    return [[row["account__borrower__national_id"], row["balance"]] for row in balances]


def _loan_row(row: tuple, state: list[int], frozen: dict, extended: dict) -> list:
    loan_id, *fields = row
    freeze = frozen.get(loan_id)
    head, tail = fields[:13], fields[13:]
    head[3] = head[3] or ""  # loan line
    return [
        *head[:4], f"{head[4]:f}", *head[5:],
        *state,
        tail[0], tail[1], *(freeze if freeze else ("", "")), extended.get(loan_id, ""),
    ]  # fmt: skip


def _unpaid_instalments(ids, state: pd.DataFrame, as_of: date, numbers: dict) -> list[list]:
    """The parts of the schedule in force at C still unpaid at C: repayments and write-offs
    cover the oldest instalments first."""
    plan = instalments_in_force(ids, as_of).sort_values(["loan_id", "due_date"], kind="stable")
    covered = (state["principal_repaid"] + state["written_off"]).reindex(plan["loan_id"]).to_numpy()
    running = plan.groupby("loan_id")["principal"].cumsum().to_numpy()
    principal = plan["principal"].to_numpy()
    unpaid = np.minimum(principal, np.maximum(running - covered, 0))
    keep = unpaid > 0
    dates = pd.to_datetime(plan["due_date"]).dt.date.to_numpy()
    return [
        [numbers[int(loan)], due.isoformat(), int(amount)]
        for loan, due, amount in zip(
            plan["loan_id"].to_numpy()[keep], dates[keep], unpaid[keep], strict=True
        )
    ]
