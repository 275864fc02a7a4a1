"""The incremental night (DESIGN.md): loans with nothing new since the previous day's complete
snapshot roll forward from it (loans/positions/rollforward.py); all others are recomputed from
their history by the engine. Both give the same rows to the đồng (tests/tasks/test_incremental.py).

When may a loan of day D roll forward from its row of D-1? When D-1 was completed by a run of
the whole branch (`SnapshotDay`, and its rows are all still there), the row holds the state, and
nothing that changes the loan's position on or before D was written since that run started
(with the reports' minute of margin, loans/reports/source.py): no posting or reversal value-dated
by D entered since (a back-dated one included), none value-dated D at all, no schedule version
entered since or taking effect on D, no freeze entered or changed since nor in force on D-1 or
D, no change of the loan or its household since (rate, due day, disbursement date, category),
and no programme rate taking effect on D for outstanding loans. A change of a programme or of
its rates since the run makes the whole night full. Everything else is recomputed: correctness
first, and a day's activity touches a few percent of the loans.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Q

from borrowers.models import Borrower
from loans.models import (
    Loan,
    LoanFreeze,
    LoanTransaction,
    PositionSnapshot,
    ScheduleVersion,
    SnapshotDay,
)
from loans.positions import STATE_COLUMNS
from loans.positions.rollforward import PREVIOUS_COLUMNS, roll_forward, rollable
from loans.selectors import ENGINE_KINDS, code_sql, day_number_sql, id_set_sql, int_rows
from loans.services import overdue
from programmes.models import InterestRate, Programme

# Postings entered this long before the previous run started may not have been committed when
# it read the journal (the reports' margin; settings.REPORT_SNAPSHOT_MARGIN overrides it).
DEFAULT_MARGIN = timedelta(minutes=1)
_STATUSES = ["current", "overdue", "frozen"]  # any other status in a row: not rolled


@dataclass
class Previous:
    """One office's rows of D-1 that may roll forward to D, by loan id (PREVIOUS_COLUMNS), and
    the loans with something new since (recomputed whatever their row says)."""

    rows: pd.DataFrame
    changed: set[int]
    programmes: set[int]  # programmes with a rate taking effect on D for outstanding loans


def previous_cutoff(as_of: date) -> datetime | None:
    """The moment after which anything written may be missing from D-1's snapshot, or None
    when D must be computed in full: D-1 is not complete (or pruned), or a programme or its
    rates changed since."""
    day = SnapshotDay.objects.filter(as_of=as_of - timedelta(days=1)).first()
    if day is None:
        return None
    if PositionSnapshot.objects.filter(as_of=day.as_of).count() != day.loans:
        return None
    cutoff = day.started_at - getattr(settings, "REPORT_SNAPSHOT_MARGIN", DEFAULT_MARGIN)
    for model in (Programme, InterestRate):
        if model.history.filter(history_date__gt=cutoff).exists():  # type: ignore[attr-defined]
            return None
    return cutoff


def changes_for_office(*, as_of: date, office_id: int, cutoff: datetime) -> Previous:
    """What changed since `cutoff` for the office's loans (no rows read yet)."""
    return Previous(
        rows=pd.DataFrame(),
        changed=_changed_loans(as_of=as_of, office_id=office_id, cutoff=cutoff),
        programmes=set(
            InterestRate.objects.filter(applies_to_outstanding=True, effective_from=as_of)
            .values_list("programme_id", flat=True)
            .distinct()
        ),
    )


def read_rows(
    previous: Previous, *, as_of: date, office_id: int, loan_ids: np.ndarray | None = None
) -> Previous:
    """`previous` with the office's rows of D-1 (of `loan_ids` only, if given)."""
    previous.rows = _previous_rows(as_of - timedelta(days=1), office_id, loan_ids)
    return previous


def _previous_rows(day: date, office_id: int, loan_ids: np.ndarray | None = None) -> pd.DataFrame:
    """The office's snapshot rows of `day` (of `loan_ids` only, if given), packed (a missing
    state reads as rate -1)."""
    state = ["interest_written_off", *STATE_COLUMNS]  # NULL in rows older than the state
    numbers = [c for c in PREVIOUS_COLUMNS if c not in ("status", *state)]
    nulls = " OR ".join(f"{c} IS NULL" for c in state)
    others = [c for c in state if c != "rate_micro"]
    columns = [
        "loan_id",
        *numbers,
        code_sql("status", _STATUSES),
        f"CASE WHEN {nulls} THEN -1 ELSE rate_micro END",
        *(f"COALESCE({c}, 0)" for c in others),
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {PositionSnapshot._meta.db_table} "
        "WHERE as_of = %s AND office_id = %s"
    )
    params: list = [day, office_id]
    if loan_ids is not None:
        loan_set, more = id_set_sql("loan_id", loan_ids)
        sql, params = f"{sql} AND {loan_set}", [*params, *more]
    names = ["loan_id", *numbers, "status", "rate_micro", *others]
    rows = int_rows(sql, params, len(names))
    frame = pd.DataFrame(rows, columns=names)
    frame["status"] = np.array([*_STATUSES, "other"], dtype=object)[frame["status"].to_numpy()]
    return frame.set_index("loan_id", drop=False)


def _changed_loans(*, as_of: date, office_id: int, cutoff: datetime) -> set[int]:
    """Loans of the office with anything written since `cutoff` that changes their position
    by `as_of`, or with a posting, a new schedule or a freeze on `as_of` or the day before."""
    office = Q(loan__office_id=office_id)
    postings = LoanTransaction.objects.filter(
        office, kind__in=[*ENGINE_KINDS, "reversal"], value_date__lte=as_of
    ).filter(Q(pk__gt=_last_before(LoanTransaction, "posted_at", cutoff)) | Q(value_date=as_of))
    schedules = ScheduleVersion.objects.filter(office, effective_from__lte=as_of).filter(
        Q(pk__gt=_last_before(ScheduleVersion, "created_at", cutoff)) | Q(effective_from=as_of)
    )
    in_force = LoanFreeze.objects.filter(office, start__lte=as_of).filter(
        Q(end__isnull=True) | Q(end__gte=as_of - timedelta(days=1))
    )
    since = {"history_date__gt": cutoff}
    changed: set[int] = set()
    for rows in (
        postings.values_list("loan_id", flat=True),
        schedules.values_list("loan_id", flat=True),
        in_force.values_list("loan_id", flat=True),
        LoanFreeze.history.filter(**since).values_list("loan_id", flat=True),  # type: ignore[attr-defined]
        Loan.history.filter(**since).values_list("id", flat=True),  # type: ignore[attr-defined]
        Loan.objects.filter(
            borrower_id__in=Borrower.history.filter(**since).values("id")  # type: ignore[attr-defined]
        ).values_list("id", flat=True),
    ):
        changed.update(rows.order_by().distinct())
    return changed


def _last_before(model, time_field: str, cutoff: datetime) -> int:
    """The newest id written at or before `cutoff` (ids grow with time; no index on the time)."""
    last = (
        model.objects.filter(**{f"{time_field}__lte": cutoff})
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return last or 0


# --- one chunk -------------------------------------------------------------------------------


def split_chunk(book: pd.DataFrame, previous: Previous, *, as_of: date) -> np.ndarray:
    """Which loans of a chunk's book roll forward (a boolean per row)."""
    ids = book["loan_id"].to_numpy()
    position = previous.rows.index.get_indexer(ids)
    found = position >= 0
    rows = previous.rows.iloc[position[found]]
    ok = np.zeros(len(ids), dtype=bool)
    ok[found] = rollable(rows, overdue_rate_percent=settings.OVERDUE_RATE_PERCENT)
    day_before = (as_of - date(1970, 1, 1)).days - 1
    ok &= (book["first_day"].to_numpy() <= day_before) & (book["rate_micro"].to_numpy() >= 0)
    ok &= ~np.isin(ids, np.fromiter(previous.changed, dtype=np.int64, count=len(previous.changed)))
    ok &= ~book["programme_id"].isin(previous.programmes).to_numpy()
    return ok


def rolled_positions(
    book: pd.DataFrame, previous: Previous, *, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Positions at `as_of` of the chunk's loans that roll forward (all of `book`), with their
    office, programme and point, and their new transfers to overdue (TRANSFER_COLUMNS)."""
    ids = book["loan_id"].to_numpy()
    rows = previous.rows.loc[ids].reset_index(drop=True)
    due = _instalments_due(ids, as_of - timedelta(days=1), as_of)
    today = pd.to_datetime(due["due_date"]) == pd.Timestamp(as_of)
    loans = pd.DataFrame(
        {
            "loan_id": ids,
            "first_disbursed_on": book["first_day"].to_numpy().astype("datetime64[D]"),
            "due_day": book["due_day"].to_numpy(),
            "day_count": book["day_count"].to_numpy(),
        }
    )
    positions = roll_forward(
        as_of=as_of,
        loans=loans,
        previous=rows,
        due_on_day=due[today],
        bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
        overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
    )
    meta = ["office_id", "programme_id", "transaction_point_id"]
    positions = positions.assign(**{c: book[c].to_numpy() for c in meta})
    return positions, _transfers(rows, positions, due[~today], as_of=as_of)


def _transfers(rows, positions, due_yesterday: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """The instalments due on D-1 (overdue from D) that are not fully covered: the earlier ones
    were handed over by the nights before, and nothing was paid since. An instalment standing
    for all those due before D-1 carries their sum, so the cover is applied oldest first."""
    day_before = as_of - timedelta(days=1)
    if due_yesterday.empty:
        return pd.DataFrame(columns=overdue.TRANSFER_COLUMNS)
    loans = due_yesterday["loan_id"].unique()
    previous = rows.set_index("loan_id").loc[loans]
    earlier = previous["principal_due"] - due_yesterday.groupby("loan_id")["principal"].sum()
    standing = pd.DataFrame(
        {
            "loan_id": loans,
            "due_date": pd.Timestamp(day_before - timedelta(days=1)),
            "principal": earlier.loc[loans].to_numpy(),
        }
    )
    instalments = pd.concat([standing, due_yesterday], ignore_index=True)
    covered = positions.set_index("loan_id").loc[loans, "principal_covered"].to_numpy()
    about = positions.set_index("loan_id").loc[loans, ["office_id", "transaction_point_id"]]
    loan_positions = about.assign(principal_repaid=covered, written_off=0).reset_index()
    transfers = overdue.overdue_transfers(
        instalments=instalments, positions=loan_positions, as_of=as_of
    )
    return transfers[pd.to_datetime(transfers["due_date"]) == pd.Timestamp(day_before)]


def _instalments_due(ids: np.ndarray, first: date, last: date) -> pd.DataFrame:
    """Instalments of each loan's schedule in force at `last` falling due in [first, last]."""
    loan_set, params = id_set_sql("i.loan_id", ids)
    sql = f"""
        SELECT i.loan_id, {day_number_sql("i.due_date")}, i.principal
        FROM loans_instalment i JOIN loans_scheduleversion v ON v.id = i.version_id
        WHERE {loan_set} AND i.due_date >= %s AND i.due_date <= %s
            AND v.number = (SELECT MAX(w.number) FROM loans_scheduleversion w
                            WHERE w.loan_id = i.loan_id AND w.effective_from <= %s)"""
    rows = int_rows(sql, [*params, first, last, last], 3)
    return pd.DataFrame(
        {
            "loan_id": rows[:, 0],
            "due_date": rows[:, 1].astype("datetime64[D]"),
            "principal": rows[:, 2],
        }
    )
