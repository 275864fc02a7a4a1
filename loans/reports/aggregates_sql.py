"""The nightly aggregates in the database (PostgreSQL): the same sums as
`loans.reports.aggregates.aggregate_parts`, written by one INSERT ... SELECT per programme span
with GROUPING SETS, so an office's rows are read once by the database and never cross to Python.

Each grouping set is one (span, grouping, bucket mode) of the in-memory path; GROUPING() tells
which columns a result row was grouped by, hence its `dim`, its key (`key_id` for ids,
`key_code` for codes) and its bucket. A missing key is a group of its own, as in pandas. The
households of a row are its distinct households, 0 in the bucket mode (never read). An empty
grand total (no row in the span) writes nothing, as the in-memory path writes nothing.
"""

from datetime import date

from django.db import connection
from django.db.models import F

from ..models import PositionSnapshot
from .dimensions import dimensions, group_exprs
from .models import PositionAggregate

SUMS = ("outstanding_principal", "overdue_principal", "interest_arrears")


def insert_aggregates(
    *, as_of: date, office_id: int, key_dims: tuple[str, ...], code_dims: tuple[str, ...]
) -> int:
    """Insert the office's aggregates of `as_of` (the old ones deleted by the caller); the
    number of rows written. `key_dims`: the groupings kept (AGGREGATE_DIMS)."""
    base_sql, params = _base_rows(as_of=as_of, office_id=office_id, key_dims=key_dims)
    written = 0
    with connection.cursor() as cursor:
        for span in ("one", "all", "d28"):
            sql, span_params = _span_sql(span, base_sql, key_dims=key_dims, code_dims=code_dims)
            cursor.execute(sql, [as_of, office_id, *span_params, *params])
            written += cursor.rowcount
    return written


def households_local(*, as_of: date, office_id: int) -> tuple[int, bool]:
    """The office's snapshot rows of `as_of` and whether every household of them is the
    office's own (AggregateDay.households_local), one query."""
    rows = PositionSnapshot.objects.filter(as_of=as_of, office_id=office_id)
    loans = rows.count()
    foreign = rows.exclude(loan__borrower__office_id=office_id).exists()
    return loans, not foreign


def _base_rows(*, as_of: date, office_id: int, key_dims: tuple[str, ...]) -> tuple[str, tuple]:
    """The SQL of the office's rows with every column the sums group by (c_* and k_<dim>)."""
    exprs = group_exprs(dimensions(key_dims), "loan__")
    keys = {f"k_{dim.key}": exprs[dim.aliases()[0]] for dim in dimensions(key_dims)}
    rows = (
        PositionSnapshot.objects.filter(as_of=as_of, office_id=office_id)
        .order_by()
        .values(
            c_programme=F("programme_id"),
            c_d28=F("programme__is_decree_28"),
            k_loan_line=F("loan__purpose__code"),
            c_borrower=F("loan__borrower_id"),
            c_bucket=F("bucket"),
            c_status=F("status"),
            **{f"c_{name}": F(name) for name in SUMS},
            **keys,
        )
    )
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def _span_sql(
    span: str, base_sql: str, *, key_dims: tuple[str, ...], code_dims: tuple[str, ...]
) -> tuple[str, list]:
    dims = [*key_dims, *(("loan_line",) if span == "one" else ())]
    own = ["c_programme"] if span == "one" else []
    sets = []
    for dim in ("", *dims):
        for by_bucket in (False, True) if span != "d28" else (False,):
            sets.append(
                [*own, *([f"k_{dim}"] if dim else []), *(["c_bucket"] if by_bucket else [])]
            )
    grouped = ", ".join("(" + ", ".join(columns) + ")" for columns in sets)
    ids = [d for d in dims if d not in code_dims]
    codes = [d for d in dims if d in code_dims]
    name = " ".join(f"WHEN GROUPING(k_{d}) = 0 THEN %s" for d in dims)
    key_id = (
        " ".join(f"WHEN GROUPING(k_{d}) = 0 THEN k_{d}::bigint" for d in ids)
        or "WHEN FALSE THEN NULL"
    )
    key_code = (
        " ".join(f"WHEN GROUPING(k_{d}) = 0 THEN k_{d}::text" for d in codes)
        or "WHEN FALSE THEN NULL"
    )
    bucketed = span != "d28"
    bucket = "CASE WHEN GROUPING(c_bucket) = 0 THEN c_bucket ELSE '' END" if bucketed else "''"
    households = "COUNT(DISTINCT c_borrower)"
    if bucketed:
        households = f"CASE WHEN GROUPING(c_bucket) = 0 THEN 0 ELSE {households} END"
    fields = (
        "as_of, office_id, span, programme_id, dim, key_id, key_code, bucket, loans, borrowers, "
        "outstanding_principal, overdue_principal, frozen_principal, interest_arrears"
    )
    sql = f"""
        INSERT INTO {PositionAggregate._meta.db_table} ({fields})
        SELECT %s, %s, %s, {"c_programme" if span == "one" else "NULL"},
            CASE {name} ELSE '' END,
            CASE {key_id} END,
            CASE {key_code} END,
            {bucket},
            COUNT(*),
            {households},
            SUM(c_outstanding_principal), SUM(c_overdue_principal),
            SUM(CASE WHEN c_status = 'frozen' THEN c_outstanding_principal ELSE 0 END),
            SUM(c_interest_arrears)
        FROM ({base_sql}) AS office_rows
        {"WHERE c_d28" if span == "d28" else ""}
        GROUP BY GROUPING SETS ({grouped})
        HAVING COUNT(*) > 0
    """
    return sql, [span, *dims]
