"""The take-on workbook (chuyển đổi dữ liệu): its sheets and columns (a contract other systems
write to), reading it from an .xlsx or a zip of CSV files, and the downloadable template."""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from core.exports import csv_bytes, write_row, xlsx_bytes

from .xlsx import Rows, Unsupported, read_xlsx, write_xlsx

SHEETS: dict[str, tuple[str, ...]] = {
    "households": (
        "national_id",
        "full_name",
        "date_of_birth",
        "gender",
        "ethnicity",
        "household_category",
        "savings_group",
        "village",
    ),
    "loans": (
        "contract_number",
        "national_id",
        "programme",
        "loan_line",
        "contract_rate",
        "approved_amount",
        "approved_on",
        "first_disbursed_on",
        "disbursed_total",
        "term_months",
        "grace_months",
        "principal_frequency_months",
        "due_day",
        "outstanding_principal",
        "interest_arrears",
        "interest_accrued_not_due",
        "overdue_rate_interest",
        "approved_list_ref",
        "approved_list_date",
        # Optional (our addition): a loan frozen (khoanh nợ) at C, from this date, by a decision;
        # a loan extended (gia hạn nợ) beyond its term, up to this date.
        "frozen_from",
        "freeze_decision",
        "extended_to",
    ),
    "instalments": ("contract_number", "due_date", "principal"),
    "savings": ("national_id", "balance"),
}
OPTIONAL = {
    "loan_line",
    "approved_list_ref",
    "approved_list_date",
    "frozen_from",
    "freeze_decision",
}
EXAMPLE: dict[str, list[object]] = {
    "households": [
        "020180000001",
        "Bùi Hải Tuyết",
        "17/05/1980",
        "female",
        "Tày",
        "poor",
        "T00001",
        "Thôn Nà Lầu",
    ],
    "loans": [
        "LS-2021-000001",
        "020180000001",
        "HN",
        "",
        "6.6",
        "50.000.000",
        "01/01/2025",
        "10/01/2025",
        "50.000.000",
        36,
        0,
        6,
        10,
        "50.000.000",
        0,
        "103.972",
        0,
        "",
        "",
        "",
        "",
        "",
    ],
    "instalments": ["LS-2021-000001", "2025-07-10", "8.333.000"],
    "savings": ["020180000001", "1.250.000"],
}


class WorkbookError(Exception):
    """The file is not a readable workbook (neither an .xlsx nor a zip of CSV files)."""


@dataclass
class Sheet:
    """One sheet's rows as {column: text or value}, each with its row number in the file."""

    name: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)


def read_workbook(data: bytes) -> dict[str, Sheet]:
    """The sheets of the take-on file (xlsx, or a zip of <sheet>.csv); absent ones empty."""
    return read_tables(data, SHEETS)


def read_tables(data: bytes, wanted: dict[str, tuple[str, ...]]) -> dict[str, Sheet]:
    """The `wanted` sheets of a file (xlsx, or a zip of <sheet>.csv); absent sheets are empty."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError("not a zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if "[Content_Types].xml" in names:
            tables = _xlsx_tables(data)
        else:
            tables = {
                name.rsplit("/", 1)[-1][:-4]: list(enumerate(_csv_rows(archive.read(name)), 1))
                for name in names
                if name.lower().endswith(".csv")
            }
    return {name: _sheet(name, tables.get(name, [])) for name in wanted}


def _xlsx_tables(data: bytes) -> dict[str, Rows]:
    """The fast reader (loans/takeon/xlsx.py); openpyxl's read-only mode for what it declines."""
    try:
        return read_xlsx(data)
    except (Unsupported, KeyError):
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return {
            sheet.title: list(enumerate((list(r) for r in sheet.iter_rows(values_only=True)), 1))
            for sheet in book.worksheets
        }


def _csv_rows(raw: bytes) -> Iterator[list[object]]:
    yield from csv.reader(io.StringIO(raw.decode("utf-8-sig")))


def _sheet(name: str, table: Rows) -> Sheet:
    """A sheet from its rows (row number in the file, values): the first row holds the names."""
    if not table:
        return Sheet(name)
    columns = [str(c or "").strip() for c in table[0][1]]
    sheet = Sheet(name, columns)
    for number, values in table[1:]:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        sheet.rows.append((number, dict(zip(columns, values, strict=False))))
    return sheet


def template_bytes(sheets: dict | None = None, example: dict | None = None) -> bytes:
    """The template: every sheet with its columns and one example row."""
    book = Workbook()
    book.remove(book.active)
    for name, columns in (sheets or SHEETS).items():
        sheet = book.create_sheet(name)
        write_row(sheet, 1, columns)
        write_row(sheet, 2, (example or EXAMPLE)[name])
    return xlsx_bytes(book)


def workbook_bytes(tables: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx of the given sheets (header row written from SHEETS), streamed by
    xlsx.write_xlsx (the cells as core.exports writes them: formulas neutralised)."""
    return write_xlsx({name: [columns, *tables.get(name, [])] for name, columns in SHEETS.items()})


def csv_zip_bytes(tables: dict[str, list[list[object]]]) -> bytes:
    """The same sheets as CSV files in a zip (faster to read and write than .xlsx)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, columns in SHEETS.items():
            rows = [[_cell(v) for v in values] for values in tables.get(name, [])]
            archive.writestr(f"{name}.csv", csv_bytes([columns, *rows]))
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
