"""The one safe way to write a cell of a CSV or Excel file (DESIGN.md "Production": exports
neutralise formulas). Every CSV and XLSX writer of the project goes through these functions.

A name is data, never a formula: a text that a spreadsheet would read as one (it starts with
`=`, `+`, `-`, `@`, a tab or a carriage return, as `=HYPERLINK("http://x","y")` does) is
written in Excel as a text cell (never a formula), marked with Excel's quote prefix so that
editing the cell keeps it text, and in CSV with a leading `'`, which Excel and LibreOffice show
as text. Numbers stay numbers: a negative amount is a number, not a text to neutralise.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_PREFIX = "'"


def looks_like_a_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula (or a command)."""
    return text.startswith(FORMULA_STARTS)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# --- CSV -------------------------------------------------------------------------------------


def csv_value(value: object) -> str:
    """A CSV field: empty for None, a number as it is (1234567, -5, 0.094500), any other value
    as text, with a leading `'` when it could be read as a formula."""
    if value is None:
        return ""
    if _is_number(value):
        return str(value)
    text = str(value)
    return CSV_TEXT_PREFIX + text if looks_like_a_formula(text) else text


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark (so Excel reads Vietnamese right), CRLF
    line ends, every field written by `csv_value`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_value(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


# --- Excel -----------------------------------------------------------------------------------


def write_cell(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write one value: a number, date or boolean as such; None as an empty cell; anything
    else as a text cell (data type "s", never a formula), characters XML cannot hold dropped.
    The only way this project puts a value in a sheet (`sheet.append` would make `=…` a
    formula)."""
    cell = sheet.cell(row=row, column=column)
    if value is None or _is_number(value) or isinstance(value, bool | date | datetime):
        cell.value = value
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl made a text starting with "=" a formula
    if looks_like_a_formula(text):
        cell.quotePrefix = True
    return cell


def write_row(sheet: Worksheet, row: int, values: Sequence[object], *, start: int = 1) -> None:
    """`values` across row `row`, from column `start`, each through `write_cell`."""
    for column, value in enumerate(values, start=start):
        write_cell(sheet, row, column, value)


def xlsx_bytes(book: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
