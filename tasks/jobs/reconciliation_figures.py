"""The month's figures of each loan for the reconciliation (đối chiếu tháng, DOMAIN.md §6).

Per chunk of loans: the journal read once and summed (before M, within M, all time;
reversals netted against the kind they reverse) and the position engine run twice (end of
M−1 and end of M); from these, the discrepancies:

- cache: a balance cached on the loan differs from the journal's all-time total (every loan);
- roll_forward: the engine's opening balance differs from the journal's balance at the end of
  M−1, or opening + disbursed − repaid − written off ≠ the engine's closing balance.
"""

from contextlib import contextmanager
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction

from borrowers.models import Association, SavingsGroup
from loans import positions as engine
from loans.reconciliation.models import Discrepancy
from loans.selectors import (
    BEFORE,
    WITHIN,
    engine_inputs,
    instalments_on_two_days,
    journal_by_window,
    loan_book,
    transactions_through,
)

from .fees import ASSOCIATION_COLUMNS
from .runs import tune_batch_session

# A taken-on loan's opening principal (loans/takeon) is lent here as far as the roll-forward
# and the cached balances go: it counts as a disbursement on the cut-over date.
AS_DISBURSED = {"opening_balance": "disbursement"}
# The principal flows of the roll-forward, by journal kind.
PRINCIPAL_KINDS = {
    "disbursed": "disbursement",
    "repaid": "principal_repayment",
    "written_off": "write_off",
}
# Cached balance on Loan -> how the journal's all-time totals give it.
CACHE_CHECKS = {
    "disbursed_total": ("all_disbursed",),
    "principal_repaid_total": ("all_repaid",),
    "written_off_total": ("all_written_off",),
    "outstanding_principal": ("all_disbursed", "-all_repaid", "-all_written_off"),
    "interest_paid_total": ("all_interest_paid",),
    "interest_written_off_total": ("all_interest_written_off",),
}
KEY_COLUMNS = [
    "loan_id",
    "office_id",
    "transaction_point_id",
    "savings_group_id",
    "programme_id",
    *ASSOCIATION_COLUMNS.values(),
]
# A loan with any of these non-zero is active in the month and gets a line.
ACTIVITY_COLUMNS = (
    "opening_outstanding",
    "disbursed",
    "principal_repaid",
    "written_off",
    "closing_outstanding",
    "interest_due",
    "interest_collected",
    "interest_arrears",
    "overdue_principal",
)
CACHE_COLUMNS = list(CACHE_CHECKS)
# Journal sums per loan: column -> (journal kind, value-date window).
JOURNAL_SUMS = {
    **{
        f"{when}_{name}": (kind, when)
        for name, kind in PRINCIPAL_KINDS.items()
        for when in ("before", "month", "all")
    },
    "month_interest_paid": ("interest_payment", "month"),
    "all_interest_paid": ("interest_payment", "all"),
    "all_interest_written_off": ("interest_write_off", "all"),
}
JOURNAL_COLUMNS = list(JOURNAL_SUMS)
WINDOWS = {"before": BEFORE, "month": WITHIN}
# Loan fields read per chunk -> frame columns.
META_COLUMNS = {
    "id": "loan_id",
    "office_id": "office_id",
    "transaction_point_id": "transaction_point_id",
    "savings_group_id": "savings_group_id",
    "programme_id": "programme_id",
    **{field: field for field in CACHE_COLUMNS},
}
# Engine figures at the end of M−1 and of M -> frame columns.
OPENING_COLUMNS = {"outstanding_principal": "opening_outstanding", "interest_due": "due_before"}
CLOSING_COLUMNS = {
    "outstanding_principal": "closing_outstanding",
    "interest_due": "due_through",
    "interest_arrears": "interest_arrears",
    "overdue_principal": "overdue_principal",
}
DISCREPANCY_COLUMNS = ["loan_id", "office_id", "kind", "field", "expected", "actual"]


def loan_figures(loans, *, first: date, last: date) -> pd.DataFrame:
    """Per loan of the (chunk) queryset: keys, cached balances, journal sums and the month's
    figures from two engine passes. A few queries for the whole chunk, none per loan; the
    journal and the schedules are read once for both passes and the sums."""
    with _one_snapshot():
        meta = pd.DataFrame.from_records(
            loans.values_list(*META_COLUMNS), columns=list(META_COLUMNS.values())
        )
        ids = meta["loan_id"].to_numpy(dtype=np.int64)
        entries = journal_by_window(ids, first=first, last=last)
        book = loan_book(ids)
        opening_plan, closing_plan = instalments_on_two_days(
            ids, opening=first - timedelta(days=1), closing=last
        )
        closing_inputs = engine_inputs(
            book,
            as_of=last,
            instalments=closing_plan,
            transactions=transactions_through(entries),
        )
    # The opening pass reads the same journal and freezes (the engine ignores what is dated
    # after its day); only the schedule in force may differ (a version from M).
    opening_inputs = {**closing_inputs, "instalments": opening_plan}
    journal = journal_sums(entries)
    meta["savings_group_id"] = meta["savings_group_id"].astype("Int64")
    frame = meta.merge(journal, on="loan_id", how="left")
    frame[JOURNAL_COLUMNS] = frame[JOURNAL_COLUMNS].fillna(0).astype("int64")
    for as_of, inputs, columns in (
        (first - timedelta(days=1), opening_inputs, OPENING_COLUMNS),
        (last, closing_inputs, CLOSING_COLUMNS),
    ):
        engine_rows = _positions(inputs, as_of=as_of)[["loan_id", *columns]]
        frame = frame.merge(engine_rows.rename(columns=columns), on="loan_id")
    return frame.assign(
        disbursed=frame["month_disbursed"],
        principal_repaid=frame["month_repaid"],
        written_off=frame["month_written_off"],
        # The periods that fell due within M: cumulative interest due at M's end minus M−1's.
        interest_due=frame["due_through"] - frame["due_before"],
        interest_collected=frame["month_interest_paid"],
        journal_opening=frame["before_disbursed"]
        - frame["before_repaid"]
        - frame["before_written_off"],
    )


@contextmanager
def _one_snapshot():
    """On PostgreSQL, a chunk's reads in one read-only REPEATABLE READ transaction: the cached
    balances, the journal sums and the engine's inputs are then read as of one instant, so a
    posting committed while the job runs cannot pass for a discrepancy. (SQLite: a job runs
    alone on a development database; its transactions would lock out writers.)"""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tune_batch_session()  # as the nightly job: sorts in memory, no JIT, no parallel workers
        yield


def _positions(inputs: dict[str, pd.DataFrame], *, as_of: date) -> pd.DataFrame:
    return engine.compute_positions(
        as_of=as_of,
        bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
        overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
        **inputs,
    )


def journal_sums(entries: pd.DataFrame) -> pd.DataFrame:
    """Per loan, from `journal_by_window`: principal flows before, within and through all
    time, interest paid within M and all time, interest written off all time. A reversal
    counts negatively under the kind of the entry it reverses, at its own value date (which
    is that entry's); a taken-on loan's opening principal counts as disbursed."""
    kind = entries["kind"].replace(AS_DISBURSED)
    window = entries["window"].to_numpy()
    amount = entries["amount"].to_numpy(dtype=np.int64)
    columns = {}
    for column, (wanted, when) in JOURNAL_SUMS.items():
        hit = (kind == wanted).to_numpy()
        if when != "all":
            hit = hit & (window == WINDOWS[when])
        columns[column] = np.where(hit, amount, 0)
    sums = pd.DataFrame({"loan_id": entries["loan_id"].to_numpy(), **columns})
    return sums.groupby("loan_id", as_index=False, sort=False).sum()


# --- discrepancies ---------------------------------------------------------------------------


def find_discrepancies(figures: pd.DataFrame) -> pd.DataFrame:
    """Every figure that does not reconcile: (loan_id, office_id, kind, field, expected,
    actual). Expected is what the journal says; actual is the cache or the engine's figure."""
    found = [
        pd.DataFrame(
            {
                "loan_id": figures["loan_id"],
                "office_id": figures["office_id"],
                "kind": kind,
                "field": field,
                "expected": expected,
                "actual": actual,
            }
        )[expected != actual]
        for kind, field, expected, actual in _checks(figures)
        if len(figures)
    ]
    if not found:
        return pd.DataFrame(columns=DISCREPANCY_COLUMNS)
    return pd.concat(found, ignore_index=True)[DISCREPANCY_COLUMNS]


def _checks(figures: pd.DataFrame) -> list[tuple[str, str, pd.Series, pd.Series]]:
    """(kind, field, expected, actual) of each check: every cached balance against the
    journal, the opening balance against the journal, and the month's roll-forward."""
    checks = []
    for field, terms in CACHE_CHECKS.items():
        expected = sum(-figures[t[1:]] if t.startswith("-") else figures[t] for t in terms)
        checks.append((Discrepancy.Kind.CACHE, field, expected, figures[field]))
    checks.append(
        (
            Discrepancy.Kind.ROLL_FORWARD,
            "opening_outstanding",
            figures["journal_opening"],
            figures["opening_outstanding"],
        )
    )
    rolled = (
        figures["opening_outstanding"]
        + figures["disbursed"]
        - figures["principal_repaid"]
        - figures["written_off"]
    )
    checks.append(
        (
            Discrepancy.Kind.ROLL_FORWARD,
            "closing_outstanding",
            rolled,
            figures["closing_outstanding"],
        )
    )
    return checks


# --- associations ----------------------------------------------------------------------------


def with_associations(lines: pd.DataFrame) -> pd.DataFrame:
    """Add the group's managing association and its parents at each level (one small query
    for the groups, one for the associations)."""
    group_ids = [int(g) for g in lines["savings_group_id"].dropna().unique()]
    managing = dict(
        SavingsGroup.objects.filter(id__in=group_ids).values_list("id", "association_id")
    )
    tree = {
        aid: (level, parent)
        for aid, level, parent in Association.objects.values_list("id", "level", "parent_id")
    }
    chains = []
    for group_id, association_id in managing.items():
        chain = {"savings_group_id": group_id, "association_id": association_id}
        seen, current = set(), association_id
        while current is not None and current not in seen:  # a cycle would be a data error
            seen.add(current)
            level, parent = tree[current]
            if level != "commune":
                chain.setdefault(ASSOCIATION_COLUMNS[level], current)
            current = parent
        chains.append(chain)
    chain_frame = pd.DataFrame(chains, columns=["savings_group_id", *ASSOCIATION_COLUMNS.values()])
    return lines.merge(chain_frame.astype("Int64"), on="savings_group_id", how="left")
