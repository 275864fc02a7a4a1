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
from datetime import date

import pandas as pd
from django.db import connection

from ..models import PositionSnapshot
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
    frame = office_rows(as_of=as_of, office_id=office_id)
    rows = [
        (as_of, office_id, *row)
        for part in aggregate_parts(frame)
        for row in part.itertuples(False)
    ]
    _insert(rows)
    AggregateDay.objects.create(
        as_of=as_of,
        office_id=office_id,
        loans=len(frame),
        households_local=bool((frame["borrower_office_id"] == office_id).all()),
    )
    return len(rows)


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
    rows = PositionSnapshot.objects.filter(as_of=as_of, office_id=office_id).order_by()
    records = rows.values_list(*columns.values(), *exprs.values())  # type: ignore[arg-type]
    frame = pd.DataFrame.from_records(list(records), columns=[*columns, *exprs])
    frozen = frame["outstanding_principal"].where(frame["status"] == "frozen", 0)
    renamed = {dim.aliases()[0]: dim.key for dim in dimensions(AGGREGATE_DIMS)}
    return frame.assign(frozen_principal=frozen, loan_line=frame["purpose"]).rename(columns=renamed)


def aggregate_parts(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """Per span, grouping and bucket mode, the summed rows in the column order of FIELDS[2:]."""
    for span in SPANS:
        rows = frame[frame["d28"].astype(bool)] if span == "d28" else frame
        for dim in ("", *AGGREGATE_DIMS, *(("loan_line",) if span == "one" else ())):
            for by_bucket in (False, True) if span != "d28" else (False,):
                yield _summed(rows, span=span, dim=dim, by_bucket=by_bucket)


def _summed(rows: pd.DataFrame, *, span: str, dim: str, by_bucket: bool) -> pd.DataFrame:
    keys = [*(["programme_id"] if span == "one" else []), *([dim] if dim else [])]
    keys += ["bucket"] if by_bucket else []
    measures = {"loans": ("borrower_id", "size"), "borrowers": ("borrower_id", "nunique")}
    measures |= {name: (name, "sum") for name in SUMS}
    if keys:
        grouped = (
            rows.astype({k: object for k in keys})
            .groupby(keys, dropna=False, sort=False)
            .agg(**measures)
            .reset_index()
        )
    else:
        grouped = pd.DataFrame([{"loans": len(rows), "borrowers": rows["borrower_id"].nunique()}])
        grouped = grouped.assign(**{name: rows[name].sum() for name in SUMS})
    text = dim in CODE_DIMS
    key = grouped[dim] if dim else pd.Series(None, index=grouped.index, dtype=object)
    if not text:  # ids: a missing one made the column float; COPY takes only integers
        key = pd.to_numeric(key).astype("Int64")
    out = pd.DataFrame(
        {
            "span": span,
            "programme_id": grouped["programme_id"] if span == "one" else None,
            "dim": dim,
            "key_id": None if text else key,
            "key_code": key if text else None,
            "bucket": grouped["bucket"] if by_bucket else "",
        },
        index=grouped.index,
    )
    measures_out = grouped[["loans", "borrowers", *SUMS]].astype("int64")
    return pd.concat([out, measures_out], axis=1).astype(object).where(lambda f: f.notna(), None)


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
