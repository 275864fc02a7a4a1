"""Writing the nightly position snapshots: binary COPY on PostgreSQL, bulk_create elsewhere."""

from datetime import date

import numpy as np
import pandas as pd
from django.db import connection

from loans.models import PositionSnapshot
from loans.reports.aggregates import write_aggregates
from loans.reports.flow_aggregates import roll_up_flows

SNAPSHOT_FIELDS = [
    "outstanding_principal",
    "principal_due",
    "overdue_principal",
    "days_past_due",
    "interest_due",
    "interest_paid",
    "interest_arrears",
    "interest_accrued_not_due",
    "overdue_rate_interest",
    "bucket",
    "status",
]
# The roll-forward's state (loans/positions/rollforward.py), written beside the figures.
STATE_FIELDS = [
    "interest_written_off",
    "principal_covered",
    "rate_micro",
    "accrued_numerator",
    "overdue_remainder",
]
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_PG_EPOCH = date(2000, 1, 1)  # binary COPY dates count days from here
_SNAPSHOT_NUMBERS = dict.fromkeys(  # the numeric columns' binary types; bucket, status follow
    ["loan_id", "office_id", "programme_id", *SNAPSHOT_FIELDS[:-2], *STATE_FIELDS], ">i8"
)
_SNAPSHOT_NUMBERS["days_past_due"] = ">i4"  # the one integer (not bigint) column


def write_snapshots(positions: pd.DataFrame, *, as_of: date) -> None:
    """One snapshot row per position (with its loan's office and programme, and its state)
    for `as_of`."""
    if connection.vendor == "postgresql":
        _copy_snapshots(positions, as_of=as_of)
        return
    columns = ["as_of", "loan_id", "office_id", "programme_id", *SNAPSHOT_FIELDS, *STATE_FIELDS]
    frame = positions.assign(as_of=as_of)[columns]
    PositionSnapshot.objects.bulk_create(
        (
            PositionSnapshot(**dict(zip(columns, row, strict=True)))
            for row in frame.itertuples(index=False)
        ),
        batch_size=2000,
    )


def write_day_aggregates(*, as_of: date, office_id: int) -> int:
    """The office's report aggregates of `as_of`, summed from its snapshot rows just written,
    and its journal's flows entered since the last roll-up; call it in the transaction that
    wrote the rows (after the last chunk)."""
    roll_up_flows(office_id=office_id)
    return write_aggregates(as_of=as_of, office_id=office_id)


def _copy_snapshots(positions: pd.DataFrame, *, as_of: date) -> None:
    """Binary COPY built with numpy: rows of one (bucket, status) pair all have the same layout,
    so each such group is one structured array, written at memory speed."""
    numbers = list(_SNAPSHOT_NUMBERS)
    columns = ["as_of", *numbers, "bucket", "status"]
    sql = (
        f"COPY {PositionSnapshot._meta.db_table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(_COPY_SIGNATURE)
        for (bucket, status), group in positions.groupby(["bucket", "status"], sort=False):
            copy.write(_rows(group, as_of=as_of, bucket=bucket, status=status).tobytes())
        copy.write(b"\xff\xff")


def _rows(group: pd.DataFrame, *, as_of: date, bucket: str, status: str) -> np.ndarray:
    """One (bucket, status) group's rows as COPY BINARY tuples, in one structured array."""
    numbers = list(_SNAPSHOT_NUMBERS)
    texts = {"bucket": bucket.encode(), "status": status.encode()}
    layout = [("count", ">i2"), ("as_of_length", ">i4"), ("as_of", ">i4")]
    for name in numbers:
        layout += [(f"{name}_length", ">i4"), (name, _SNAPSHOT_NUMBERS[name])]
    for name, text in texts.items():
        layout += [(f"{name}_length", ">i4"), (name, f"S{len(text)}")]
    rows = np.empty(len(group), dtype=np.dtype(layout))
    rows["count"] = 1 + len(numbers) + len(texts)
    rows["as_of_length"], rows["as_of"] = 4, (as_of - _PG_EPOCH).days
    for name in numbers:
        rows[f"{name}_length"] = np.dtype(_SNAPSHOT_NUMBERS[name]).itemsize
        rows[name] = group[name].to_numpy()
    for name, text in texts.items():
        rows[f"{name}_length"], rows[name] = len(text), text
    return rows
