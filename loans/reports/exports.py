"""Tables to Excel (openpyxl) and CSV: a header block with the report's parameters, Vietnamese
headings, amounts in whole đồng shown `#,##0`, ratios as percentages, and a totals row.

Generic on purpose: any list of rows with named columns can be exported the same way.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
NUMBER_FORMATS = {"money": "#,##0", "count": "#,##0", "ratio": "0.00%", "text": "@"}
TOTALS_LABEL = "Tổng cộng"
HEADING_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    """A column: the row key, its heading, and its kind ("money", "count", "ratio", "text")."""

    key: str
    heading: str
    kind: str = "money"


@dataclass
class Table:
    """What is exported: a title, (label, value) parameters, columns, rows and totals."""

    title: str
    columns: list[Column]
    rows: list[dict]
    totals: dict | None = None
    parameters: list[tuple[str, str]] = field(default_factory=list)

    def totals_row(self) -> list:
        """The totals under the figures, the label in the first text column."""
        if self.totals is None:
            return []
        values = [self.totals.get(c.key) if c.kind != "text" else None for c in self.columns]
        first_text = next((i for i, c in enumerate(self.columns) if c.kind == "text"), None)
        if first_text is not None:
            values[first_text] = TOTALS_LABEL
        return values


def to_xlsx(table: Table, *, sheet_title: str = "Báo cáo") -> bytes:
    """An .xlsx workbook of one sheet: title, parameters, a blank line, the table, totals."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    sheet.append([table.title])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for label, value in table.parameters:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = BOLD
    sheet.append([])
    sheet.append([c.heading for c in table.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.fill = BOLD, HEADING_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([_cell_value(row.get(c.key), c) for c in table.columns])
        _format_numbers(sheet, sheet.max_row, table.columns)
    if table.totals is not None:
        sheet.append(
            [_cell_value(v, c) for v, c in zip(table.totals_row(), table.columns, strict=True)]
        )
        _format_numbers(sheet, sheet.max_row, table.columns)
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for index, column in enumerate(table.columns, start=1):
        width = 28 if column.kind == "text" else 18
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_value(value, column: Column):
    if value is None:
        return None
    if column.kind == "text":
        return str(value)
    return value if isinstance(value, int | Decimal) else Decimal(str(value))


def _format_numbers(sheet, row: int, columns: list[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        if column.kind != "text":
            sheet.cell(row=row, column=index).number_format = NUMBER_FORMATS[column.kind]


def to_csv(table: Table) -> bytes:
    """CSV in UTF-8 with a byte-order mark (so Excel reads the Vietnamese right): the
    parameters as `label,value` lines, a blank line, the headings, the rows, the totals.
    Numbers are plain (1234567, 0.0123), so a program can read them back exactly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([table.title])
    writer.writerows([label, value] for label, value in table.parameters)
    writer.writerow([])
    writer.writerow([c.heading for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(c.key)) for c in table.columns])
    if table.totals is not None:
        writer.writerow([_csv_value(v) for v in table.totals_row()])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value) -> str:
    return "" if value is None else str(value)
