"""Reads of loans: office scoping, and the inputs of the position engine loaded set-wise."""

from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from borrowers.selectors import User, scope
from core.db import read_connection
from programmes.models import DayCount, InterestRate

from . import positions as engine
from .models import (
    Instalment,
    Loan,
    LoanStatus,
    LoanTransaction,
    ScheduleVersion,
    SnapshotDay,
)

MONEY_KINDS = [
    "disbursement",
    "principal_repayment",
    "interest_payment",
    "write_off",
    "interest_write_off",
]
# A taken-on loan's opening entries (loans/takeon): read by the engine, never reversed.
OPENING_KINDS = [
    "opening_balance",
    "opening_interest_arrears",
    "opening_accrued_interest",
    "opening_overdue_interest",
]
ENGINE_KINDS = [*MONEY_KINDS, *OPENING_KINDS]


def loans_for(user: User) -> QuerySet[Loan]:
    """Every loan the user may see (their offices; all for branch level)."""
    return scope(
        Loan.objects.select_related("borrower", "programme", "office", "savings_group"), user
    )


def get_loan_for(user: User, pk: int) -> Loan:
    """One loan the user may see, or 404 (another office's loan does not exist for them)."""
    try:
        return loans_for(user).get(pk=pk)
    except (Loan.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Không tìm thấy khoản vay.") from exc


def loans_open_on(loans: QuerySet[Loan], *, as_of: date) -> QuerySet[Loan]:
    """The loans of `loans` that may be open at the end of `as_of`: disbursed by then, and not
    closed or written off, or closed by a posting value-dated on or after `as_of` (so they
    were still open that day). The nightly job and the reports select the same loans."""
    later_posting = LoanTransaction.objects.filter(loan=OuterRef("pk"), value_date__gte=as_of)
    return loans.filter(first_disbursed_on__lte=as_of).filter(
        ~Q(status__in=[LoanStatus.CLOSED, LoanStatus.WRITTEN_OFF]) | Exists(later_posting)
    )


def schedule_in_force(loan: Loan, on: date) -> list[Instalment]:
    """The instalments of the schedule version in force at `on` (the latest one otherwise)."""
    versions = loan.schedule_versions.order_by("-number")
    version = versions.filter(effective_from__lte=on).first() or versions.first()
    if version is None:
        return []
    return list(version.instalments.order_by("seq"))


def id_chunks(loans: QuerySet[Loan], chunk_size: int) -> Iterator[tuple[int, int]]:
    """Contiguous (first_id, last_id) ranges of at most chunk_size loans of the queryset."""
    ids = list(loans.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), chunk_size):
        part = ids[start : start + chunk_size]
        yield part[0], part[-1]


def load_engine_inputs(loans: QuerySet[Loan], *, as_of: date) -> dict[str, pd.DataFrame]:
    """The frames the position engine takes, for every loan of `loans`, in a few queries."""
    ids = np.fromiter(loans.values_list("id", flat=True), dtype=np.int64)
    return engine_inputs(loan_book(ids), as_of=as_of)


# The reads below run once per chunk of the nightly job, so they are shaped for volume: the
# loans are an explicit id set (the caller's filter is evaluated once, not in every query), no
# model's default ordering is inherited, dates arrive as day numbers, and on PostgreSQL each
# column arrives packed in one bytea that numpy reads (no Python object per value).

BOOK_COLUMNS = (
    "loan_id",
    "first_day",
    "due_day",
    "day_count",
    "rate_micro",
    "programme_id",
    "office_id",
    "transaction_point_id",
)
_NO_DAY = -(10**6)  # a NULL date, as a day number
_DAY_COUNTS = [choice.value for choice in DayCount]
_INTEREST_KINDS = ["interest_payment", "interest_write_off", *OPENING_KINDS[1:]]


def loan_book(ids: np.ndarray) -> pd.DataFrame:
    """One row per loan id (in the given order): the engine's loan columns and the loan's
    contract rate, programme, office and transaction point."""
    loan_set, params = id_set_sql("l.id", ids)
    sql = f"""
        SELECT l.id, COALESCE({day_number_sql("l.first_disbursed_on")}, {_NO_DAY}), l.due_day,
            {code_sql("p.day_count", _DAY_COUNTS)},
            COALESCE(CAST(ROUND(l.contract_rate * 10000) AS BIGINT), -1),
            l.programme_id, l.office_id, COALESCE(l.transaction_point_id, -1)
        FROM loans_loan l JOIN programmes_programme p ON p.id = l.programme_id
        WHERE {loan_set}"""
    rows = int_rows(sql, params, len(BOOK_COLUMNS))
    book = pd.DataFrame(rows, columns=list(BOOK_COLUMNS)).set_index("loan_id", drop=False)
    book = book.reindex(ids).reset_index(drop=True)
    book["day_count"] = np.array(_DAY_COUNTS, dtype=object)[book["day_count"].to_numpy()]
    return book


def engine_inputs(
    book: pd.DataFrame,
    *,
    as_of: date,
    instalments: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The frames the position engine takes, for the loans of a `loan_book`; a caller that
    has read the schedules or the journal already passes them in."""
    ids = book["loan_id"].to_numpy()
    first = book["first_day"].to_numpy()
    return {
        "loans": pd.DataFrame(
            {
                "loan_id": ids,
                "first_disbursed_on": _as_dates(first),
                "due_day": book["due_day"].to_numpy(),
                "day_count": book["day_count"].to_numpy(),
            }
        ),
        "instalments": (
            instalments_in_force(ids, as_of, due_by=as_of) if instalments is None else instalments
        ),
        "transactions": (_money_transactions(ids, as_of) if transactions is None else transactions),
        "rates": _rate_timelines(book),
        "freezes": _freezes(ids, as_of),
    }


def instalments_in_force(
    ids: np.ndarray, as_of: date, *, due_by: date | None = None
) -> pd.DataFrame:
    """The instalments of each loan's schedule version in force at `as_of`: the highest
    number among the versions effective on or before it; only those due by `due_by`, if given.
    The engine and the overdue transfers never look past their day, so the night and the
    reconciliation pass `due_by` and leave a loan's later instalments in the database (at
    1,000,000 generated loans, 77% of the plans' rows on 2 Dec 2026)."""
    latest, latest_params = id_set_sql("loan_id", ids)
    versions, version_params = id_set_sql("v.loan_id", ids)
    sql = f"""
        SELECT i.loan_id, {day_number_sql("i.due_date")}, i.principal
        FROM loans_instalment i
        JOIN loans_scheduleversion v ON v.id = i.version_id
        JOIN (
            SELECT loan_id, MAX(number) AS number FROM loans_scheduleversion
            WHERE {latest} AND effective_from <= %s GROUP BY loan_id
        ) m ON m.loan_id = v.loan_id AND m.number = v.number
        WHERE {versions}{" AND i.due_date <= %s" if due_by else ""}"""
    params = [*latest_params, as_of, *version_params, *([due_by] if due_by else [])]
    rows = int_rows(sql, params, 3)
    return pd.DataFrame(
        {"loan_id": rows[:, 0], "due_date": _as_dates(rows[:, 1]), "principal": rows[:, 2]}
    )


# Where an entry's value date falls against a month [first, last].
BEFORE, WITHIN, AFTER = 0, 1, 2


def _money_transactions(ids: np.ndarray, as_of: date) -> pd.DataFrame:
    """Journal rows that move money; a reversal becomes a negative row of the original kind.

    Interest payments and write-offs only count as totals through D in the engine, so they
    arrive summed, one row per loan and kind (dated on the last of them): most of the journal
    is monthly interest, and this keeps it in the database. Principal rows of one loan, kind
    and day arrive summed too (the engine adds up a day's events)."""
    return _money_rows(ids, through=as_of)


def _money_rows(
    ids: np.ndarray, *, through: date | None = None, month: tuple[date, date] | None = None
) -> pd.DataFrame:
    """The one grouped read of the journal's money entries behind `_money_transactions`
    (those dated `through` a day) and `journal_by_window` (every date, interest summed per
    `window` of a `month` too)."""
    loan_set, params = id_set_sql("t.loan_id", ids)
    # The reversed entry's kind is looked up for reversals only (a join would make the planner
    # hash the whole journal).
    original = "(SELECT r.kind FROM loans_loantransaction r WHERE r.id = t.reverses_id)"
    kind = f"CASE WHEN t.kind = 'reversal' THEN {original} ELSE t.kind END"
    interest = ", ".join(f"'{k}'" for k in _INTEREST_KINDS)
    window = (
        f", CASE WHEN t.value_date < %s THEN {BEFORE} WHEN t.value_date <= %s THEN {WITHIN} "
        f"ELSE {AFTER} END"
        if month
        else ""
    )
    # One pass: principal rows are summed per loan, kind and day (the engine adds up the
    # events of a day anyway), interest rows per loan and kind (and window).
    sql = f"""
        SELECT t.loan_id, MAX({day_number_sql("t.value_date")}), {code_sql(kind, ENGINE_KINDS)}
            {window}, SUM(CASE WHEN t.kind = 'reversal' THEN -t.amount ELSE t.amount END)
        FROM loans_loantransaction t
        WHERE {loan_set} {"" if through is None else "AND t.value_date <= %s"}
            AND t.kind IN ({", ".join(["%s"] * (len(ENGINE_KINDS) + 1))})
        GROUP BY t.loan_id, 3{", 4" if month else ""},
            CASE WHEN ({kind}) IN ({interest}) THEN NULL ELSE t.value_date END"""
    sql_params = [*(month or ()), *params, *([] if through is None else [through]), *ENGINE_KINDS]
    rows = int_rows(sql, [*sql_params, "reversal"], 5 if month else 4)
    rows = rows[rows[:, 2] >= 0]  # a reversal of an entry that moves no money
    columns = {
        "loan_id": rows[:, 0],
        "value_date": _as_dates(rows[:, 1]),
        "kind": np.array(ENGINE_KINDS, dtype=object)[rows[:, 2]],
    }
    if month:
        columns["window"] = rows[:, 3]
    return pd.DataFrame({**columns, "amount": rows[:, -1]})


# --- the reconciliation's month: one read of the journal and of the schedules ---------------


def journal_by_window(ids: np.ndarray, *, first: date, last: date) -> pd.DataFrame:
    """The loans' money entries of every date in one read, as `_money_transactions` shapes
    them (a reversal a negative row of the kind it reverses; principal rows summed per loan,
    kind and day) except that interest rows are summed per loan, kind and `window`: BEFORE
    `first`, WITHIN the month, or AFTER `last`. From these both the engine's input through
    `last` (`transactions_through`) and the month's journal sums are exact."""
    return _money_rows(ids, month=(first, last))


def transactions_through(rows: pd.DataFrame) -> pd.DataFrame:
    """The engine's `transactions` through the month's last day from `journal_by_window`: the
    same rows `_money_transactions` reads for that day (interest one row per loan and kind,
    dated on the last of them)."""
    rows = rows[rows["window"] != AFTER]
    interest = rows["kind"].isin(_INTEREST_KINDS)
    summed = (
        rows[interest]
        .groupby(["loan_id", "kind"], as_index=False, sort=False)
        .agg(value_date=("value_date", "max"), amount=("amount", "sum"))
    )
    columns = ["loan_id", "value_date", "kind", "amount"]
    return pd.concat([rows.loc[~interest, columns], summed[columns]], ignore_index=True)


def instalments_on_two_days(
    ids: np.ndarray, *, opening: date, closing: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`instalments_in_force` on `opening` and on `closing` (a later day) in one read, each due
    by its own day (`due_by`, what the engine reads): a loan's instalments are read once when
    one version is in force on both days (nearly every loan)."""
    latest, latest_params = id_set_sql("loan_id", ids)
    versions, version_params = id_set_sql("v.loan_id", ids)
    sql = f"""
        SELECT i.loan_id, {day_number_sql("i.due_date")}, i.principal,
            CASE WHEN v.number = m.opening THEN 1 ELSE 0 END,
            CASE WHEN v.number = m.closing THEN 1 ELSE 0 END
        FROM loans_instalment i
        JOIN loans_scheduleversion v ON v.id = i.version_id
        JOIN (
            SELECT loan_id, MAX(CASE WHEN effective_from <= %s THEN number END) AS opening,
                MAX(number) AS closing
            FROM loans_scheduleversion
            WHERE {latest} AND effective_from <= %s GROUP BY loan_id
        ) m ON m.loan_id = v.loan_id AND (v.number = m.opening OR v.number = m.closing)
        WHERE {versions} AND i.due_date <= %s"""
    rows = int_rows(sql, [opening, *latest_params, closing, *version_params, closing], 5)

    def plan(part: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {"loan_id": part[:, 0], "due_date": _as_dates(part[:, 1]), "principal": part[:, 2]}
        )

    by_opening = rows[:, 1] <= (opening - date(1970, 1, 1)).days
    return plan(rows[(rows[:, 3] == 1) & by_opening]), plan(rows[rows[:, 4] == 1])


def _freezes(ids: np.ndarray, as_of: date) -> pd.DataFrame:
    """Freezes started by `as_of`; an open-ended one has no end (NaT)."""
    loan_set, params = id_set_sql("f.loan_id", ids)
    sql = f"""
        SELECT f.loan_id, {day_number_sql("f.start")},
            COALESCE({day_number_sql('f."end"')}, {_NO_DAY})
        FROM loans_loanfreeze f WHERE {loan_set} AND f.start <= %s"""
    rows = int_rows(sql, [*params, as_of], 3)
    return pd.DataFrame(
        {"loan_id": rows[:, 0], "start": _as_dates(rows[:, 1]), "end": _as_dates(rows[:, 2])}
    )


def _rate_timelines(book: pd.DataFrame) -> pd.DataFrame:
    """Each loan's rate from its first disbursement, plus later changes flagged "applies to
    outstanding loans"."""
    disbursed = book[book["rate_micro"] >= 0]
    base = pd.DataFrame(
        {
            "loan_id": disbursed["loan_id"].to_numpy(),
            "effective_from": _as_dates(disbursed["first_day"].to_numpy()),
            "rate_micro": disbursed["rate_micro"].to_numpy(),
        }
    )
    changes = pd.DataFrame.from_records(
        InterestRate.objects.filter(
            applies_to_outstanding=True,
            programme_id__in=disbursed["programme_id"].unique().tolist(),
        ).values_list("programme_id", "household_category", "effective_from", "annual_rate"),
        columns=["programme_id", "category", "effective_from", "annual_rate"],
    )
    if changes.empty:
        return base
    changes["effective_from"] = pd.to_datetime(changes["effective_from"]).to_numpy()
    return pd.concat([base, _later_rates(disbursed, changes)], ignore_index=True)


def _household_categories(loan_ids: np.ndarray) -> dict[int, str]:
    """Each loan's household category (read only when a rate change depends on it: rare)."""
    loan_set, params = id_set_sql("l.id", loan_ids)
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT l.id, b.household_category FROM loans_loan l "
            f"JOIN borrowers_borrower b ON b.id = l.borrower_id WHERE {loan_set}",
            params,
        )
        return dict(cursor.fetchall())


def _later_rates(disbursed: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The rate changes after each loan's first disbursement that apply to its category."""
    categories = _household_categories(disbursed["loan_id"].to_numpy())
    disbursed = disbursed.assign(category=disbursed["loan_id"].map(categories))
    merged = disbursed[["loan_id", "programme_id", "category", "first_day"]].merge(
        changes, on="programme_id", suffixes=("", "_rate")
    )
    applies = (merged["category_rate"] == "") | (merged["category_rate"] == merged["category"])
    started = _as_dates(merged["first_day"].to_numpy())
    merged = merged[applies & (merged["effective_from"].to_numpy() > started)]
    return pd.DataFrame(
        {
            "loan_id": merged["loan_id"].to_numpy(),
            "effective_from": merged["effective_from"].to_numpy(),
            "rate_micro": [int(rate * 10000) for rate in merged["annual_rate"]],
        }
    )


def id_set_sql(column: str, ids: np.ndarray) -> tuple[str, list]:
    """`column` within an explicit set of ids, as one parameter."""
    # One text parameter: quicker to build and to send than a list of 20,000 ints.
    values = ",".join(map(str, np.asarray(ids, dtype=np.int64).tolist()))
    if read_connection().vendor == "postgresql":
        return f"{column} = ANY(string_to_array(%s, ',')::bigint[])", [values]
    return f"{column} IN (SELECT value FROM json_each(%s))", [f"[{values}]"]


def day_number_sql(column: str) -> str:
    """SQL: the date column as a day number (days since 1970-01-01)."""
    if read_connection().vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def code_sql(expression: str, values: list[str]) -> str:
    """SQL: the position of the expression's value in `values` (-1 for anything else)."""
    cases = " ".join(f"WHEN '{value}' THEN {i}" for i, value in enumerate(values))
    return f"CASE {expression} {cases} ELSE -1 END"


def _as_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers as datetime64 (NaT for a NULL)."""
    days = np.asarray(days, dtype=np.int64)
    return np.where(days == _NO_DAY, np.datetime64("NaT"), days.astype("datetime64[D]"))


def int_rows(sql: str, params: list | dict, width: int) -> np.ndarray:
    """The rows of a query of `width` integer columns (no NULLs) as an (n, width) array."""
    connection = read_connection()
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, width)
        # PostgreSQL packs each column into one bytea of big-endian int8s: a chunk's rows come
        # back as `width` values, read by numpy without a Python object per row.
        names = [f"c{i}" for i in range(width)]
        packed = ", ".join(f"string_agg(int8send({c}::bigint), ''::bytea)" for c in names)
        cursor.execute(f"SELECT {packed} FROM ({sql}) AS q ({', '.join(names)})", params)
        columns = cursor.fetchone()
    if columns[0] is None:  # no rows
        return np.empty((0, width), dtype=np.int64)
    return np.stack([np.frombuffer(c, dtype=">i8") for c in columns], axis=1).astype(np.int64)


def iter_positions(
    loans: QuerySet[Loan], *, as_of: date, chunk_size: int | None = None
) -> Iterator[pd.DataFrame]:
    """Positions as of end of `as_of` for every loan of the queryset, one frame per id chunk."""
    for first_id, last_id in id_chunks(loans, chunk_size or settings.POSITION_CHUNK_SIZE):
        chunk = loans.filter(id__gte=first_id, id__lte=last_id)
        yield engine.compute_positions(
            as_of=as_of,
            bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
            overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
            **load_engine_inputs(chunk, as_of=as_of),
        )


def positions(loans: QuerySet[Loan], *, as_of: date) -> pd.DataFrame:
    """All positions in one frame (for small sets: a loan, a group, a report's filter)."""
    frames = list(iter_positions(loans, as_of=as_of))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def position_of(loan: Loan, *, as_of: date) -> dict:
    """One loan's position, by the same engine the nightly job uses."""
    frame = positions(Loan.objects.filter(pk=loan.pk), as_of=as_of)
    row = frame.iloc[0].to_dict()
    return {key: (value.item() if hasattr(value, "item") else value) for key, value in row.items()}


def last_snapshot_day(today: date | None = None) -> date | None:
    """The last business day (up to `today`) the nightly job completed its snapshot."""
    days = SnapshotDay.objects.order_by("-as_of")
    if today is not None:
        days = days.filter(as_of__lte=today)
    return days.values_list("as_of", flat=True).first()


def instalments_due_between(start: date, end: date) -> QuerySet[Instalment]:
    """Instalments of the schedule in force (each loan's latest version) falling due in
    [start, end], of loans still being repaid (active or frozen)."""
    # The versions no later version of the same loan supersedes: an anti-join, planned once for
    # the set (a subquery per instalment would be planned as a nested loop over every loan).
    later = ScheduleVersion.objects.filter(loan=OuterRef("loan"), number__gt=OuterRef("number"))
    in_force = ScheduleVersion.objects.filter(~Exists(later)).values("pk")
    return Instalment.objects.filter(
        due_date__range=(start, end),
        loan__status__in=[LoanStatus.ACTIVE, LoanStatus.FROZEN],
        version__in=in_force,
    )
