"""Rows of a generated block as the database takes them fastest: PostgreSQL binary COPY
(built with numpy, a column at a time) or lists of tuples for SQLite's executemany.

A column is an array (masked where NULL), one constant for every row, a `Choice` (a code per
row and few distinct values), or a tagged tuple ("date", day numbers) / ("day_time", day
numbers, seconds of the day).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, models

from .arrays import day, within

_PG_EPOCH = day(date(2000, 1, 1))  # binary dates and timestamps count from 2000-01-01
_PG_EPOCH_TIME = datetime(2000, 1, 1, tzinfo=UTC)
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_INT_TYPES = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "boolean": "u1"}


@dataclass
class _Field:
    """One column of a batch as PostgreSQL binary fields: a fixed-width array, one constant
    for every row (None = NULL), or variable-length payloads (length -1 = NULL)."""

    fixed: np.ndarray | None = None
    const: bytes | None = None
    is_const: bool = False
    lengths: np.ndarray | None = None  # variable: per-row length, -1 for NULL
    flat: np.ndarray | None = None  # variable: the payloads, concatenated in row order


def _db_kind(db_type: str) -> str:
    if db_type in _INT_TYPES or db_type in ("date", "numeric"):
        return db_type
    if db_type.startswith("numeric"):
        return "numeric"
    if db_type.startswith("timestamp"):
        return "timestamp"
    return "text"


def _scalar_bytes(kind: str, value) -> bytes | None:
    if value is None:
        return None
    if kind in _INT_TYPES:
        return np.array([int(value)], dtype=_INT_TYPES[kind]).tobytes()
    if kind == "date":
        return struct.pack(">i", day(value) - _PG_EPOCH)
    if kind == "timestamp":
        micro = round((value - _PG_EPOCH_TIME).total_seconds() * 1_000_000)
        return struct.pack(">q", micro)
    if kind == "numeric":
        return _numeric_bytes(Decimal(value))
    return str(value).encode()


def _numeric_bytes(value: Decimal) -> bytes:
    """PostgreSQL's binary numeric: base-10000 digits, weight, sign and display scale."""
    sign = 0x4000 if value < 0 else 0
    text = format(abs(value), "f")
    whole, _, fraction = text.partition(".")
    scale = len(fraction)
    whole = whole.lstrip("0")
    whole = "0" * (-len(whole) % 4) + whole
    fraction = fraction + "0" * (-len(fraction) % 4)
    digits = [int(whole[i : i + 4]) for i in range(0, len(whole), 4)]
    weight = len(digits) - 1
    digits += [int(fraction[i : i + 4]) for i in range(0, len(fraction), 4)]
    while digits and digits[0] == 0:
        digits.pop(0)
        weight -= 1
    while digits and digits[-1] == 0:
        digits.pop()
    if not digits:
        weight = 0
    return struct.pack(f">hhhh{len(digits)}h", len(digits), weight, sign, scale, *digits)


@dataclass(frozen=True)
class Choice:
    """A column of few distinct values: a code per row and the values (None = NULL)."""

    codes: np.ndarray
    labels: list


def _pg_field(kind: str, value, n: int) -> _Field:
    if value is None or isinstance(value, str | int | Decimal | date) or hasattr(value, "tzinfo"):
        return _Field(const=_scalar_bytes(kind, value), is_const=True)
    if isinstance(value, Choice):
        return _choice_field(kind, value)
    if isinstance(value, tuple) and value[0] == "day_time":  # (tag, day numbers, seconds)
        micro = (np.asarray(value[1]) - _PG_EPOCH) * 86_400_000_000 + value[2] * 1_000_000
        return _Field(fixed=micro.astype(">i8"))
    if isinstance(value, tuple) and value[0] == "date":
        value = value[1] - _PG_EPOCH
    mask = np.ma.getmaskarray(value) if np.ma.isMaskedArray(value) else None
    data = np.ma.getdata(value) if mask is not None else np.asarray(value)
    if kind in _INT_TYPES or kind == "date":
        fixed = data.astype(_INT_TYPES.get(kind, ">i4"))
        if mask is None or not mask.any():
            return _Field(fixed=fixed)
        width = fixed.dtype.itemsize
        flat = fixed[~mask].view(np.uint8)
        return _Field(lengths=np.where(mask, -1, width), flat=flat)
    items = data.tolist() if isinstance(data, np.ndarray) else list(data)
    if mask is not None:
        items = [None if m else v for v, m in zip(items, mask.tolist(), strict=True)]
    payloads = [None if v is None else _scalar_bytes(kind, v) for v in items]
    lengths = np.fromiter((-1 if p is None else len(p) for p in payloads), np.int64, len(items))
    flat = np.frombuffer(b"".join(p for p in payloads if p), dtype=np.uint8)
    return _Field(lengths=lengths, flat=flat)


def _choice_field(kind: str, value: Choice) -> _Field:
    """Each distinct value encoded once, then gathered per row."""
    payloads = [_scalar_bytes(kind, label) for label in value.labels]
    sizes = np.array([-1 if p is None else len(p) for p in payloads], dtype=np.int64)
    lengths = sizes[value.codes]
    flat_labels = np.frombuffer(b"".join(p or b"" for p in payloads), dtype=np.uint8)
    starts = np.cumsum(np.maximum(sizes, 0)) - np.maximum(sizes, 0)
    size = np.maximum(lengths, 0)
    flat = flat_labels[np.repeat(starts[value.codes], size) + within(size)]
    return _Field(lengths=lengths, flat=flat)


def _encode_rows(fields: list[_Field], n: int) -> bytes:
    """The rows of one batch in COPY BINARY format (without the signature and trailer)."""
    if all(f.is_const or f.fixed is not None for f in fields):
        return _encode_fixed(fields, n)
    return _encode_scattered(fields, n)


def _encode_fixed(fields: list[_Field], n: int) -> bytes:
    # Every row has the same layout: one structured array, written at memory speed.
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for i, f in enumerate(fields):
        layout.append((f"h{i}", ">i4"))
        width = len(f.const or b"") if f.is_const else f.fixed.dtype.itemsize
        if width:
            layout.append((f"v{i}", f.fixed.dtype.str if f.fixed is not None else f"S{width}"))
    rows = np.empty(n, dtype=np.dtype(layout))
    rows["count"] = len(fields)
    for i, f in enumerate(fields):
        if f.is_const:
            rows[f"h{i}"] = -1 if f.const is None else len(f.const)
            if f.const:
                rows[f"v{i}"] = f.const
        else:
            rows[f"h{i}"] = f.fixed.dtype.itemsize
            rows[f"v{i}"] = f.fixed
    return rows.tobytes()


def _encode_scattered(fields: list[_Field], n: int) -> bytes:
    # Rows of different lengths: compute where each field lands, then scatter the bytes.
    sizes = []
    for f in fields:
        if f.is_const:
            sizes.append(np.full(n, len(f.const or b""), dtype=np.int64))
        elif f.fixed is not None:
            sizes.append(np.full(n, f.fixed.dtype.itemsize, dtype=np.int64))
        else:
            sizes.append(np.maximum(f.lengths, 0))
    row_size = 2 + sum(4 + s for s in sizes)
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    pos = np.cumsum(row_size) - row_size
    _put(out, pos, np.full(n, len(fields), dtype=">i2"))
    pos = pos + 2
    for f, size in zip(fields, sizes, strict=True):
        header = np.full(n, -1 if f.is_const and f.const is None else 0, dtype=">i4")
        if f.is_const and f.const is not None:
            header[:] = len(f.const)
        elif f.fixed is not None:
            header[:] = f.fixed.dtype.itemsize
        elif not f.is_const:
            header[:] = f.lengths
        _put(out, pos, header)
        pos = pos + 4
        if f.is_const:
            if f.const:
                out[pos[:, None] + np.arange(len(f.const))] = np.frombuffer(f.const, np.uint8)
        elif f.fixed is not None:
            _put(out, pos, f.fixed)
        else:
            starts = np.cumsum(size) - size
            dest = np.repeat(pos - starts, size) + np.arange(int(size.sum()))
            out[dest] = f.flat
        pos = pos + size
    return out.tobytes()


def _put(out: np.ndarray, pos: np.ndarray, values: np.ndarray) -> None:
    width = values.dtype.itemsize
    out[pos[:, None] + np.arange(width)] = values.view(np.uint8).reshape(-1, width)


def _slice(value, lo: int, hi: int):
    if isinstance(value, Choice):
        return Choice(value.codes[lo:hi], value.labels)
    if isinstance(value, tuple):
        return (value[0], value[1][lo:hi], *value[2:])
    if isinstance(value, np.ndarray | list):
        return value[lo:hi]
    return value


def encode_rows(model, n: int, values: dict, *, vendor: str, ops, batch: int = 200_000) -> list:
    """n rows of `model` (column -> array or constant; every column must be given) as COPY
    BINARY chunks (PostgreSQL) or lists of tuples (SQLite). It touches no database, so it runs
    in another thread than the one that sends them (`send_rows`)."""
    columns = [(f.column, _db_kind(f.db_type(connection))) for f in model._meta.concrete_fields]
    missing = {c for c, _ in columns} - set(values)
    if missing:
        raise ValueError(f"{model.__name__}: no values for {sorted(missing)}")
    chunks: list = []
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        if vendor == "postgresql":
            fields = [_pg_field(k, _slice(values[c], lo, hi), hi - lo) for c, k in columns]
            chunks.append(_encode_rows(fields, hi - lo))
        else:
            lists = [_python_column(k, _slice(values[c], lo, hi), hi - lo, ops) for c, k in columns]
            chunks.append(list(zip(*lists, strict=True)))
    return chunks


def send_rows(model: type[models.Model], chunks: list) -> None:
    if not chunks:
        return
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
            with cursor.cursor.copy(sql) as copy:
                copy.write(_SIGNATURE)
                for chunk in chunks:
                    copy.write(chunk)
                copy.write(b"\xff\xff")
            return
        marks = ", ".join(["%s"] * len(columns))
        for chunk in chunks:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk)


def _python_column(kind: str, value, n: int, ops) -> list:
    """A column as Python values SQLite takes (dates as ISO text, as Django stores them)."""
    if isinstance(value, Choice):
        labels = [str(v) if isinstance(v, Decimal) else v for v in value.labels]
        return np.array(labels, dtype=object)[value.codes].tolist()
    if value is None or isinstance(value, str | int | Decimal | date) or hasattr(value, "tzinfo"):
        if hasattr(value, "tzinfo"):
            value = ops.adapt_datetimefield_value(value)
        elif isinstance(value, Decimal):
            value = str(value)
        return [value] * n
    if isinstance(value, tuple):
        tag, days = value[0], value[1]
        mask = np.ma.getmaskarray(days) if np.ma.isMaskedArray(days) else np.zeros(n, bool)
        days = np.ma.getdata(days)
        unique, inverse = np.unique(days, return_inverse=True)
        text = unique.astype("datetime64[D]").astype(str).astype(object)
        if tag == "day_time":
            stamp = str(timedelta(seconds=value[2])).rjust(8, "0")
            text = np.array([f"{t} {stamp}" for t in text], dtype=object)
        column = text[inverse]
        column[mask] = None
        return column.tolist()
    mask = np.ma.getmaskarray(value) if np.ma.isMaskedArray(value) else None
    data = np.ma.getdata(value) if mask is not None else value
    items = data.tolist() if isinstance(data, np.ndarray) else list(data)
    if kind == "numeric":
        items = [str(v) for v in items]
    if mask is not None:
        items = [None if m else v for v, m in zip(items, mask.tolist(), strict=True)]
    return items
