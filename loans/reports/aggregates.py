"""The nightly aggregates of the snapshot: an office's rows of a day summed per report grouping,
written by the nightly job in the transaction that wrote those rows, so a report reads
thousands of sums instead of every loan's row (read by `loans.reports.aggregate_source`).

They are computed from the snapshot rows just written, read back once with the attributes the
reports group by (joined exactly as `source._from_snapshot` joins them), then summed per grouping
in memory: one read of the office's rows instead of a GROUP BY per grouping. Households are
counted once per row (a distinct count), so a row's `borrowers` is exact for its office,
programme span and key; they add up across offices when every household of the office has its
loans there (`AggregateDay.households_local`), and across programmes only in the "all" and
"d28" spans, which count them over the programmes together.
"""

from collections.abc import Iterator
from datetime import date, timedelta

import pandas as pd
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from ..models import Loan, ScheduleVersion
from ..selectors import instalments_due_between
from . import aggregates_sql
from .dimensions import dimensions, group_exprs
from .models import AggregateDay, PositionAggregate

# Groupings kept per office (office and programme are the rows' own columns; a loan line is a
# programme's purpose, kept in the "one" span only). Numeric keys go to key_id, codes to key_code.
AGGREGATE_DIMS = (
    "transaction_point",
    "savings_group",
    "association",
    "commune",
    "former_commune",
    "ethnicity",
    "household_category",
)
CODE_DIMS = ("ethnicity", "household_category", "loan_line")
TEXT_KEYS = (*CODE_DIMS, "bucket")
SPANS = ("one", "all", "d28")
SUMS = ("outstanding_principal", "overdue_principal", "frozen_principal", "interest_arrears")
FIELDS = (
    "as_of",
    "office_id",
    "span",
    "programme_id",
    "dim",
    "key_id",
    "key_code",
    "bucket",
    "loans",
    "borrowers",
    *SUMS,
)


def write_aggregates(*, as_of: date, office_id: int) -> int:
    """Replace the office's aggregates of `as_of` by sums of its snapshot rows of that day (call
    it in the transaction that wrote them); the number of aggregate rows."""
    PositionAggregate.objects.filter(as_of=as_of, office_id=office_id).delete()
    AggregateDay.objects.filter(as_of=as_of, office_id=office_id).delete()
    if connection.vendor == "postgresql":
        # The same sums summed by the database: the rows never cross to Python.
        written, loans, local = aggregates_sql.insert_aggregates(
            as_of=as_of, office_id=office_id, key_dims=AGGREGATE_DIMS, code_dims=CODE_DIMS
        )
        AggregateDay.objects.create(
            as_of=as_of,
            office_id=office_id,
            loans=loans,
            households_local=local,
            **due_next_week(as_of=as_of, office_id=office_id),
        )
        return written
    frame = office_rows(as_of=as_of, office_id=office_id)
    rows = [(as_of, office_id, *row) for part in aggregate_parts(frame) for row in part]
    _insert(rows)
    AggregateDay.objects.create(
        as_of=as_of,
        office_id=office_id,
        loans=len(frame),
        households_local=bool((frame["borrower_office_id"] == office_id).all()),
        **due_next_week(as_of=as_of, office_id=office_id),
    )
    return len(rows)


def due_week(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week of `day` (the dashboard's week)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def due_next_week(*, as_of: date, office_id: int) -> dict:
    """The office's principal instalments due in the week of the day after `as_of` (the
    schedules in force, loans still being repaid): loans and principal, and when they were
    read, as AggregateDay keeps them. Every office's are read in one query (a GROUP BY on the
    week's instalments) and reused by the offices that follow within a few minutes: the
    dashboard trusts them only if nothing changed since they were read (`due_read_at`)."""
    start, end = due_week(as_of + timedelta(days=1))
    # Reused while no schedule or loan was written since (the newest ids), for a few minutes.
    key = (as_of, _newest(ScheduleVersion.objects), _newest(Loan.history))
    cached = _DUE_WEEKS.get(key)
    now = timezone.now()
    if cached is None or now - cached[0] > DUE_REUSE:
        due = instalments_due_between(start, end).order_by().values("loan__office_id")
        sums = due.annotate(loans=Count("loan", distinct=True), principal=Sum("principal"))
        cached = (now, {row["loan__office_id"]: row for row in sums})
        _DUE_WEEKS.clear()
        _DUE_WEEKS[key] = cached
    row = cached[1].get(office_id, {})
    return {
        "due_week_start": start,
        "due_loans": int(row.get("loans") or 0),
        "due_principal": int(row.get("principal") or 0),
        "due_read_at": cached[0],
    }


# Per business date (and newest schedule and loan version), when every office's due week was
# read and the figures (one night's).
_DUE_WEEKS: dict[tuple, tuple] = {}
DUE_REUSE = timedelta(minutes=10)


def _newest(manager) -> int:
    return manager.order_by("-pk").values_list("pk", flat=True).first() or 0


def office_rows(*, as_of: date, office_id: int) -> pd.DataFrame:
    """The office's snapshot rows of `as_of` with what the aggregates group by, one query."""
    exprs = group_exprs(dimensions(AGGREGATE_DIMS), "loan__")
    columns = {
        "programme_id": "programme_id",
        "d28": "programme__is_decree_28",
        "purpose": "loan__purpose__code",
        "borrower_id": "loan__borrower_id",
        "borrower_office_id": "loan__borrower__office_id",
        "bucket": "bucket",
        "status": "status",
        "outstanding_principal": "outstanding_principal",
        "overdue_principal": "overdue_principal",
        "interest_arrears": "interest_arrears",
    }
    rows = aggregates_sql.office_snapshot_rows(as_of=as_of, office_id=office_id).order_by()
    records = rows.values_list(*columns.values(), *exprs.values())  # type: ignore[arg-type]
    frame = pd.DataFrame.from_records(list(records), columns=[*columns, *exprs])
    frozen = frame["outstanding_principal"].where(frame["status"] == "frozen", 0)
    renamed = {dim.aliases()[0]: dim.key for dim in dimensions(AGGREGATE_DIMS)}
    return frame.assign(frozen_principal=frozen, loan_line=frame["purpose"]).rename(columns=renamed)


def aggregate_parts(frame: pd.DataFrame) -> Iterator[list[tuple]]:
    """Per span, grouping and bucket mode, the summed rows in the column order of FIELDS[2:].
    Keys are factorised to integers once (a missing value is a key of its own), so each
    grouping is an integer groupby."""
    key_columns = ["programme_id", "bucket", *AGGREGATE_DIMS, "loan_line"]
    factors = {c: pd.factorize(frame[c], use_na_sentinel=False) for c in key_columns}
    coded = pd.DataFrame({c: codes for c, (codes, _values) in factors.items()}, index=frame.index)
    coded = coded.assign(borrower_id=frame["borrower_id"], **{n: frame[n] for n in SUMS})
    values = {c: list(uniques) for c, (_codes, uniques) in factors.items()}
    for span in SPANS:
        rows = coded[frame["d28"].astype(bool)] if span == "d28" else coded
        for dim in ("", *AGGREGATE_DIMS, *(("loan_line",) if span == "one" else ())):
            for by_bucket in (False, True) if span != "d28" else (False,):
                yield _summed(rows, values, span=span, dim=dim, by_bucket=by_bucket)


def _summed(rows, values: dict, *, span: str, dim: str, by_bucket: bool) -> list[tuple]:
    keys = [*(["programme_id"] if span == "one" else []), *([dim] if dim else [])]
    keys += ["bucket"] if by_bucket else []
    if not keys:
        figures = [len(rows), rows["borrower_id"].nunique(), *(rows[n].sum() for n in SUMS)]
        return [(span, None, dim, None, None, "", *(int(f) for f in figures))] if len(rows) else []
    groups = rows.groupby(keys, sort=False)
    sums = groups[list(SUMS)].sum()
    # Households per ageing bucket are never read (the ageing report counts none): 0.
    sizes = groups.size()
    households = sizes * 0 if by_bucket else groups["borrower_id"].nunique()
    out = []
    for index, figures in zip(sums.index, sums.itertuples(index=False), strict=True):
        codes = dict(zip(keys, index if isinstance(index, tuple) else (index,), strict=True))
        found = {k: _plain(values[k][code], text=k in TEXT_KEYS) for k, code in codes.items()}
        key = found.get(dim) if dim else None
        text = dim in CODE_DIMS
        out.append(
            (
                span,
                found.get("programme_id"),
                dim,
                None if text else key,
                key if text else None,
                found.get("bucket", "") if by_bucket else "",
                int(sizes[index]),
                int(households[index]),
                *(int(f) for f in figures),
            )
        )
    return out


def _plain(value, *, text: bool):
    """A key as the database takes it: None for a missing one, else an int or a str."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value) if text else int(value)


def _insert(rows: list[tuple]) -> None:
    """COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        PositionAggregate.objects.bulk_create(
            (PositionAggregate(**dict(zip(FIELDS, row, strict=True))) for row in rows),
            batch_size=2000,
        )
        return
    sql = f"COPY {PositionAggregate._meta.db_table} ({', '.join(FIELDS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
