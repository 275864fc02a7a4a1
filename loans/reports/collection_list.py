"""The collection list 13/TD (danh sách thu lãi, thu tiền gửi tiết kiệm) of a group for a
session: what each member owes at the session, for the group leader to collect beforehand.

Computed with the position engine on the group's loans (two passes: the session date, and the
day before it for the arrears carried into the session), never a query per loan.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from borrowers.models import SavingsGroup

from ..models import Loan
from ..selectors import positions

# Figures of a row, in the order of the form's columns.
AMOUNT_COLUMNS = (
    "outstanding_principal",
    "interest_due",
    "interest_arrears",
    "principal_due",
)
# What the leader fills in at the session: blank on the printed list.
BLANK_COLUMNS = ("interest_collected", "principal_collected", "savings_deposited")
# Per-household figures an app above the reports adds to the list, e.g. members' savings
# (loans.savings registers "savings_balance"): each takes the households and the session date
# and answers {household id: amount}, for all of them at once. Shown on a household's first row
# (a member with two loans keeps one savings account); None while no app provides it.
MEMBER_FIGURES: dict[str, Callable[[list[int], date], dict[int, int]]] = {}
HOUSEHOLD_COLUMNS = ("savings_balance",)


@dataclass
class CollectionList:
    """Mẫu số 13/TD for one group and one session date."""

    savings_group: SavingsGroup
    session_date: date
    rows: list[dict] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int | None]:
        totals: dict[str, int | None] = {
            column: sum(row[column] for row in self.rows) for column in AMOUNT_COLUMNS
        }
        for column in HOUSEHOLD_COLUMNS:
            shown = [row[column] for row in self.rows if row.get(column) is not None]
            totals[column] = sum(shown) if column in MEMBER_FIGURES else None
        return totals


def collection_list(group: SavingsGroup, *, session_date: date) -> CollectionList:
    """Every member's loan with principal outstanding (or interest still owed) at the session:

    - outstanding_principal: at the end of the session date;
    - interest_due: interest to collect at the session, i.e. the interest arrears as of the
      session date, the period falling due that day included;
    - interest_arrears: the part of it that was already in arrears before the session (as of
      the day before);
    - principal_due: instalments due on or before the session date not yet paid (the overdue
      principal as of the session date).
    """
    loans = Loan.objects.filter(savings_group=group, first_disbursed_on__lte=session_date)
    at_session = positions(loans, as_of=session_date)
    if at_session.empty:
        return CollectionList(savings_group=group, session_date=session_date)
    before = positions(loans, as_of=session_date - timedelta(days=1))
    frame = (
        _members(loans)
        .merge(
            at_session[["loan_id", "outstanding_principal", "interest_arrears"]]
            .rename(columns={"interest_arrears": "interest_due"})
            .assign(principal_due=at_session["overdue_principal"]),
            on="loan_id",
        )
        .merge(
            before[["loan_id", "interest_arrears"]],
            on="loan_id",
        )
    )
    owing = (frame["outstanding_principal"] > 0) | (frame["interest_due"] > 0)
    frame = frame[owing].sort_values(["borrower_name", "borrower_id", "contract_number"])
    rows = _rows(frame)
    _add_household_figures(rows, session_date)
    return CollectionList(savings_group=group, session_date=session_date, rows=rows)


def _rows(frame: pd.DataFrame) -> list[dict]:
    """The form's lines, numbered, with the columns the leader fills in left blank."""
    return [
        {
            "number": number,
            **{key: _plain(value) for key, value in row.items()},
            **dict.fromkeys(BLANK_COLUMNS),
        }
        for number, row in enumerate(frame.to_dict("records"), start=1)
    ]


def _add_household_figures(rows: list[dict], session_date: date) -> None:
    """The registered per-household figures, as of the end of the day before the session
    (what a member brings to it), on each household's first row."""
    households = sorted({row["borrower_id"] for row in rows})
    figures = {
        column: provide(households, session_date - timedelta(days=1))
        for column, provide in MEMBER_FIGURES.items()
    }
    seen: set[int] = set()
    for row in rows:
        first = row["borrower_id"] not in seen
        seen.add(row["borrower_id"])
        for column in HOUSEHOLD_COLUMNS:
            values = figures.get(column)
            row[column] = (
                values.get(row["borrower_id"], 0) if first and values is not None else None
            )


def _members(loans) -> pd.DataFrame:
    columns = {
        "id": "loan_id",
        "contract_number": "contract_number",
        "borrower_id": "borrower_id",
        "borrower__full_name": "borrower_name",
        "borrower__village": "village",
        "programme__code": "programme_code",
    }
    return pd.DataFrame.from_records(loans.values_list(*columns), columns=list(columns.values()))


def _plain(value):
    """numpy scalars -> Python ints and strings (JSON and openpyxl take them as they are)."""
    return value.item() if hasattr(value, "item") else value
