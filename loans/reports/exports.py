"""Every file the reports give, in Excel (openpyxl) and CSV: the province reports' tables, the
reconciliation, the fee statement and the collection list 13/TD.

Every cell is written by `core.exports` (`write_cell`, `csv_bytes`), so a name that looks like
a formula is text in every file. Excel files carry Vietnamese headings, amounts as whole-đồng
numbers shown `#,##0`, ratios as numbers shown `0.00%`, and a totals row; the monthly forms
print on A4 landscape. CSV files are UTF-8 with a byte-order mark (so Excel shows Vietnamese),
numbers plain (1234567, 0.094500) so a program reads them back exactly.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, write_cell, write_row
from core.exports import xlsx_bytes as _xlsx_bytes

from .collection_list import CollectionList
from .columns import (
    ASSOCIATION_FEE_COLUMNS,
    COLLECTION_COLUMNS,
    DISCREPANCY_COLUMNS,
    FEE_CSV_COLUMNS,
    LABELS,
    LEADER_COLUMNS,
    LEVEL_LABELS,
    RATIO_KEYS,
    cell_value,
    reconciliation_columns,
)

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": f"{CSV_MEDIA_TYPE}; charset=utf-8", "xlsx": XLSX_MEDIA_TYPE}
NUMBER_FORMATS = {"money": "#,##0", "count": "#,##0", "ratio": "0.00%", "text": "@"}
TOTALS_LABEL = "Tổng cộng"
BANK = "NGÂN HÀNG CHÍNH SÁCH XÃ HỘI"
HEADING_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRED = Alignment(wrap_text=True, horizontal="center", vertical="center")


@dataclass(frozen=True)
class Download:
    """A report as a file: its name (without extension) and a writer per format. The API's
    renderers and the admin's download links both send one."""

    name: str
    writers: Mapping[str, Callable[[], bytes]]

    def filename(self, fmt: str) -> str:
        return f"{self.name}.{fmt}"

    def content(self, fmt: str) -> bytes:
        return self.writers[fmt]()

    def response(self, fmt: str) -> HttpResponse:
        """The file as an attachment (the admin's downloads)."""
        response = HttpResponse(self.content(fmt), content_type=MEDIA_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{self.filename(fmt)}"'
        return response


# --- the province reports: a generic table ---------------------------------------------------


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
    write_cell(sheet, 1, 1, table.title).font = Font(bold=True, size=14)
    for row, (label, value) in enumerate(table.parameters, start=2):
        write_row(sheet, row, [label, value])
        sheet.cell(row=row, column=1).font = BOLD
    header_row = len(table.parameters) + 3
    write_row(sheet, header_row, [c.heading for c in table.columns])
    for cell in sheet[header_row]:
        cell.font, cell.fill = BOLD, HEADING_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    lines = [[row.get(c.key) for c in table.columns] for row in table.rows]
    if table.totals is not None:
        lines.append(table.totals_row())
    for row, values in enumerate(lines, start=header_row + 1):
        write_row(sheet, row, [_number(v, c) for v, c in zip(values, table.columns, strict=True)])
        _format_numbers(sheet, row, table.columns)
    if table.totals is not None:
        for cell in sheet[header_row + len(lines)]:
            cell.font = BOLD
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for index, column in enumerate(table.columns, start=1):
        width = 28 if column.kind == "text" else 18
        sheet.column_dimensions[get_column_letter(index)].width = width
    return _xlsx_bytes(book)


def _number(value, column: Column):
    """A figure as a number (an int, or a Decimal for a ratio); a text column's value as text."""
    if value is None:
        return None
    if column.kind == "text":
        return str(value)
    return value if isinstance(value, int | Decimal) else Decimal(str(value))


def _format_numbers(sheet: Worksheet, row: int, columns: list[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        if column.kind != "text":
            sheet.cell(row=row, column=index).number_format = NUMBER_FORMATS[column.kind]


def to_csv(table: Table) -> bytes:
    """The parameters as `label,value` lines, a blank line, the headings, the rows, the
    totals."""
    lines: list[list] = [[table.title], *([label, value] for label, value in table.parameters)]
    lines += [[], [c.heading for c in table.columns]]
    lines += [[row.get(c.key) for c in table.columns] for row in table.rows]
    if table.totals is not None:
        lines.append(table.totals_row())
    return csv_bytes(lines)


# --- the monthly forms: boxed tables under a title block -------------------------------------


def _boxed_table(sheet: Worksheet, top: int, columns: list[str], rows: list[dict], totals):
    """Headings at row `top`, a row per dict, and a bold totals row (`totals` given)."""
    for col, key in enumerate(columns, start=1):
        cell = write_cell(sheet, top, col, LABELS.get(key, key))
        cell.font, cell.border, cell.alignment = BOLD, BOX, CENTRED
    lines = [[cell_value(key, row.get(key)) for key in columns] for row in rows]
    if totals is not None:
        lines.append([TOTALS_LABEL, *(totals.get(key) for key in columns[1:])])
    for number, values in enumerate(lines, start=top + 1):
        for col, (key, value) in enumerate(zip(columns, values, strict=True), start=1):
            _boxed(write_cell(sheet, number, col, value), key)
    if totals is not None:
        for cell in sheet[top + len(lines)]:
            cell.font = BOLD
    for col, key in enumerate(columns, start=1):
        width = 28 if key.endswith("name") or key == "leader" else 16
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(row=top + 1, column=2)


def _boxed(cell, key: str) -> None:
    cell.border = BOX
    if key in RATIO_KEYS:
        cell.number_format = NUMBER_FORMATS["ratio"]
    elif isinstance(cell.value, int) and not isinstance(cell.value, bool) and key != "number":
        cell.number_format = NUMBER_FORMATS["money"]


def _landscape(sheet: Worksheet, title_rows: str) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows


def _titles(sheet: Worksheet, lines: list[str], width: int) -> int:
    """Title lines across the table's width; returns the table's first row."""
    for number, text in enumerate(lines, start=1):
        write_cell(sheet, number, 1, text).font = Font(bold=number <= 2, size=12)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
    return len(lines) + 2


def _month_label(period: str) -> str:
    year, month = period.split("-")
    return f"{month}/{year}"


def _titled_sheet(sheet: Worksheet, titles: list[str], columns: list[str], rows, totals) -> None:
    top = _titles(sheet, titles, len(columns))
    _boxed_table(sheet, top, columns, rows, totals)
    _landscape(sheet, f"{top}:{top}")


# --- the reconciliation ----------------------------------------------------------------------


def reconciliation_xlsx(report: dict) -> bytes:
    """The month's reconciliation at one level, with totals, and its discrepancies."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Đối chiếu"
    month = _month_label(report["month"])
    titles = [
        BANK,
        f"BẢNG ĐỐI CHIẾU DƯ NỢ, LÃI, PHÍ ỦY THÁC VÀ HOA HỒNG THÁNG {month}",
        f"Tổng hợp theo: {LEVEL_LABELS[report['level']]}",
    ]
    columns = reconciliation_columns(report["level"])
    _titled_sheet(sheet, titles, columns, report["rows"], report["totals"])
    found = book.create_sheet("Chênh lệch")
    if report["discrepancies"]:
        _boxed_table(found, 1, DISCREPANCY_COLUMNS, report["discrepancies"], None)
    else:
        write_cell(found, 1, 1, "Không có chênh lệch: sổ nhật ký khớp số dư lưu trữ.")
    return _xlsx_bytes(book)


def reconciliation_csv(report: dict) -> bytes:
    """The English keys as the header, a line per row, and a TOTAL line."""
    columns = reconciliation_columns(report["level"])
    totals = report["totals"]
    lines = [columns, *([row.get(key) for key in columns] for row in report["rows"])]
    lines.append(["TOTAL", *(totals.get(key) for key in columns[1:])])
    return csv_bytes(lines)


def reconciliation_download(report: dict) -> Download:
    return Download(
        name=f"doi-chieu-{report['month']}-{report['level']}",
        writers={
            "csv": lambda: reconciliation_csv(report),
            "xlsx": lambda: reconciliation_xlsx(report),
        },
    )


# --- the fee statement -----------------------------------------------------------------------


def fee_statement_xlsx(statement: dict) -> bytes:
    """Commission per group leader and entrustment fee per association level for the month."""
    book = Workbook()
    month = _month_label(statement["month"])
    leaders = book.active
    leaders.title = "Hoa hồng tổ trưởng"
    leader_totals = {
        "amount": statement["totals"]["leader_commission"],
        "base_amount": sum(row["base_amount"] for row in statement["leaders"]),
    }
    titles = [BANK, f"BẢNG KÊ HOA HỒNG TỔ TRƯỞNG TỔ TK&VV THÁNG {month}"]
    _titled_sheet(leaders, titles, LEADER_COLUMNS, statement["leaders"], leader_totals)
    fees = book.create_sheet("Phí ủy thác")
    fee_totals = {"amount": statement["totals"]["association_fee"]}
    titles = [BANK, f"BẢNG KÊ PHÍ ỦY THÁC THEO CẤP HỘI THÁNG {month}"]
    _titled_sheet(fees, titles, ASSOCIATION_FEE_COLUMNS, statement["associations"], fee_totals)
    return _xlsx_bytes(book)


def fee_statement_csv(statement: dict) -> bytes:
    """A line per payee (leaders, then associations by level) and a TOTAL line."""
    rows = [{**row, "payee": "group_leader"} for row in statement["leaders"]]
    rows += [{**row, "payee": row["association_level"]} for row in statement["associations"]]
    total = statement["totals"]["leader_commission"] + statement["totals"]["association_fee"]
    lines: list[list[Any]] = [
        list(FEE_CSV_COLUMNS),
        *([row.get(key) for key in FEE_CSV_COLUMNS] for row in rows),
    ]
    lines.append(["TOTAL", *[None] * (len(FEE_CSV_COLUMNS) - 2), total])
    return csv_bytes(lines)


def fee_statement_download(statement: dict) -> Download:
    return Download(
        name=f"doi-chieu-{statement['month']}-phi",
        writers={
            "csv": lambda: fee_statement_csv(statement),
            "xlsx": lambda: fee_statement_xlsx(statement),
        },
    )


# --- the collection list 13/TD ---------------------------------------------------------------

COLLECTION_TOP = 11  # the headings' row, below the form's title block
COLLECTION_WIDTHS = (5, 28, 10, 18, 14, 16, 14, 14, 14, 14, 14, 14, 14)
SIGNATURES = ((2, "Tổ trưởng tổ TK&VV"), (6, "Cán bộ NHCSXH"), (10, "Tổ trưởng tổ giao dịch"))


def collection_list_header(cl: CollectionList) -> list[str]:
    """The lines above the table, as on the paper form."""
    group = cl.savings_group
    point = group.transaction_point
    return [
        f"Tên tổ: {group.name} (mã {group.code}), thôn/bản {group.village}",
        f"Tổ trưởng: {group.leader}",
        f"Hội quản lý: {group.association.name}",
        f"Điểm giao dịch: {point.name} – {point.office.name}",
        f"Ngày giao dịch: {cl.session_date:%d/%m/%Y}",
    ]


def collection_list_xlsx(cl: CollectionList) -> bytes:
    """Mẫu số 13/TD laid out like the paper form: titles, the group, one row per member's loan,
    a totals row, blank columns for what is collected, and the signatures."""
    book = Workbook()
    sheet = book.active
    sheet.title = "13-TD"
    _collection_titles(sheet, cl)
    keys = [key for key, _label in COLLECTION_COLUMNS]
    _collection_headings(sheet)
    lines = [[row.get(key) for key in keys] for row in cl.rows]
    totals = cl.totals
    lines.append([TOTALS_LABEL if k == "borrower_name" else totals.get(k) for k in keys])
    first = COLLECTION_TOP + 2
    for number, values in enumerate(lines, start=first):
        for col, (key, value) in enumerate(zip(keys, values, strict=True), start=1):
            _boxed(write_cell(sheet, number, col, value), key)
    for cell in sheet[first + len(lines) - 1]:
        cell.font = BOLD
    signatures = first + len(lines) + 1
    for col, text in SIGNATURES:
        write_cell(sheet, signatures, col, text).font = BOLD
        write_cell(sheet, signatures + 1, col, "(Ký, ghi rõ họ tên)")
    for col, width in enumerate(COLLECTION_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[COLLECTION_TOP].height = 45
    _landscape(sheet, f"{COLLECTION_TOP}:{COLLECTION_TOP + 1}")
    return _xlsx_bytes(book)


def _collection_titles(sheet: Worksheet, cl: CollectionList) -> None:
    width = len(COLLECTION_COLUMNS)
    write_cell(sheet, 1, 1, BANK).font = BOLD
    write_cell(sheet, 1, width - 1, "Mẫu số 13/TD").font = BOLD
    title = write_cell(sheet, 3, 1, "DANH SÁCH THU LÃI, THU TIỀN GỬI TIẾT KIỆM")
    title.font, title.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    for number, text in enumerate(collection_list_header(cl), start=5):
        write_cell(sheet, number, 1, text)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)


def _collection_headings(sheet: Worksheet) -> None:
    """The headings, and the column numbers under them as paper forms have."""
    for col, (_key, label) in enumerate(COLLECTION_COLUMNS, start=1):
        heading = write_cell(sheet, COLLECTION_TOP, col, label)
        heading.font, heading.border, heading.alignment = BOLD, BOX, CENTRED
        number = write_cell(sheet, COLLECTION_TOP + 1, col, f"({col})")
        number.alignment, number.border = Alignment(horizontal="center"), BOX


def collection_list_csv(cl: CollectionList) -> bytes:
    """The English keys as the header, a line per member's loan, and a TOTAL line."""
    keys = [key for key, _label in COLLECTION_COLUMNS if key != "signature"]
    totals = cl.totals
    lines: list[list[Any]] = [keys, *([row.get(key) for key in keys] for row in cl.rows)]
    lines.append(["TOTAL", *(totals.get(key) for key in keys[1:])])
    return csv_bytes(lines)


def collection_list_download(cl: CollectionList) -> Download:
    return Download(
        name=f"13-TD-{cl.savings_group.code}-{cl.session_date:%Y-%m-%d}",
        writers={"csv": lambda: collection_list_csv(cl), "xlsx": lambda: collection_list_xlsx(cl)},
    )
