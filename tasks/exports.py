"""Excel and CSV files of the reconciliation, the fee statement and the collection list 13/TD.

Excel files carry Vietnamese headings, amounts as whole-đồng numbers formatted `#,##0`, a totals
row, and a page setup that prints on A4 landscape. CSV files use the API's English keys as the
header (for programs), UTF-8 with a byte-order mark (so Excel shows Vietnamese), and a totals row.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from loans.collection_list import CollectionList

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
MONEY = "#,##0"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
TOTAL_LABEL = "Tổng cộng"

LABELS = {
    # keys
    "loan": "ID khoản vay",
    "contract_number": "Số khế ước",
    "borrower_name": "Hộ vay",
    "savings_group": "ID tổ",
    "savings_group_code": "Mã tổ",
    "savings_group_name": "Tổ TK&VV",
    "leader": "Tổ trưởng",
    "association": "ID hội",
    "association_name": "Hội đoàn thể",
    "association_kind": "Hội",
    "association_level": "Cấp hội",
    "transaction_point": "ID điểm GD",
    "transaction_point_name": "Điểm giao dịch",
    "office": "ID PGD",
    "office_name": "Phòng giao dịch",
    "programme": "ID chương trình",
    "programme_code": "Mã chương trình",
    "programme_name": "Chương trình",
    "groups": "Số tổ",
    # figures
    "opening_outstanding": "Dư nợ đầu kỳ",
    "disbursed": "Giải ngân",
    "principal_repaid": "Thu nợ gốc",
    "written_off": "Xóa nợ gốc",
    "closing_outstanding": "Dư nợ cuối kỳ",
    "interest_due": "Lãi phải thu trong tháng",
    "interest_collected": "Lãi thực thu",
    "collection_rate": "Tỷ lệ thu lãi (%)",
    "interest_arrears": "Lãi tồn đọng cuối tháng",
    "overdue_principal": "Nợ quá hạn cuối tháng",
    "overdue_ratio": "Tỷ lệ nợ quá hạn (%)",
    "leader_commission": "Hoa hồng tổ trưởng",
    "association_fee": "Phí ủy thác (tổng)",
    "fee_commune": "Phí ủy thác cấp xã",
    "fee_district": "Phí ủy thác cấp huyện",
    "fee_province": "Phí ủy thác cấp tỉnh",
    "fee_central": "Phí ủy thác cấp TW",
    "fee_earned": "Phí ủy thác hội được hưởng",
    "base_amount": "Cơ sở tính (lãi thực thu / dư nợ)",
    "group_outstanding": "Dư nợ của tổ",
    "group_overdue": "Nợ quá hạn của tổ",
    "rate": "Tỷ lệ áp dụng (%)",
    "reduced": "Giảm do nợ quá hạn",
    "amount": "Số tiền",
    "payee": "Người nhận",
    # discrepancies
    "kind": "Loại chênh lệch",
    "field": "Chỉ tiêu",
    "expected": "Theo sổ nhật ký",
    "actual": "Số đối chiếu",
    "difference": "Chênh lệch",
}
# Marked for extraction; files keep the Vietnamese, the admin pages translate them.
LEVEL_LABELS = {
    "loan": gettext_noop("khoản vay"),
    "savings_group": gettext_noop("tổ TK&VV"),
    "association": gettext_noop("hội đoàn thể (từng cấp)"),
    "transaction_point": gettext_noop("điểm giao dịch"),
    "office": gettext_noop("phòng giao dịch"),
    "programme": gettext_noop("chương trình cho vay"),
    "commune": gettext_noop("cấp xã"),
    "district": gettext_noop("cấp huyện"),
    "province": gettext_noop("cấp tỉnh"),
    "central": gettext_noop("cấp trung ương"),
    "group_leader": gettext_noop("tổ trưởng"),
}
FIGURES = [
    "opening_outstanding",
    "disbursed",
    "principal_repaid",
    "written_off",
    "closing_outstanding",
    "interest_due",
    "interest_collected",
    "collection_rate",
    "interest_arrears",
    "overdue_principal",
    "overdue_ratio",
    "leader_commission",
    "association_fee",
    "fee_commune",
    "fee_district",
    "fee_province",
    "fee_central",
]
KEYS = {
    "loan": ["contract_number", "borrower_name", "programme_code", "loan", "savings_group"],
    "savings_group": ["savings_group_code", "savings_group_name", "leader", "association_name"],
    "association": ["association_level", "association_name", "association_kind", "association"],
    "transaction_point": ["transaction_point_name", "transaction_point", "office"],
    "office": ["office_name", "office"],
    "programme": ["programme_code", "programme_name", "programme"],
}
DISCREPANCY_COLUMNS = [
    "contract_number",
    "loan",
    "kind",
    "field",
    "expected",
    "actual",
    "difference",
]
LEADER_COLUMNS = [
    "savings_group_code",
    "savings_group_name",
    "leader",
    "transaction_point_name",
    "base_amount",
    "group_outstanding",
    "group_overdue",
    "overdue_ratio",
    "rate",
    "reduced",
    "amount",
]
ASSOCIATION_FEE_COLUMNS = [
    "association_level",
    "association_name",
    "groups",
    "base_amount",
    "amount",
]


# --- helpers ---------------------------------------------------------------------------------


def _xlsx_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def cell_value(key: str, value):
    if key in ("association_level", "payee") and value in LEVEL_LABELS:
        return LEVEL_LABELS[value]
    if key == "reduced":
        return "có" if value else ""
    return value


def _table(sheet: Worksheet, top: int, columns: list[str], rows: list[dict], totals: dict | None):
    """A boxed table at row `top`: headings, rows, and a bold totals row; returns the next row."""
    for col, key in enumerate(columns, start=1):
        cell = sheet.cell(row=top, column=col, value=LABELS.get(key, key))
        cell.font, cell.border = BOLD, BOX
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    row_number = top
    for row_number, row in enumerate(rows, start=top + 1):
        for col, key in enumerate(columns, start=1):
            cell = sheet.cell(row=row_number, column=col, value=cell_value(key, row.get(key)))
            cell.border = BOX
            if isinstance(cell.value, int) and not isinstance(cell.value, bool):
                cell.number_format = MONEY
    if totals is not None:
        row_number += 1
        for col, key in enumerate(columns, start=1):
            value = TOTAL_LABEL if col == 1 else totals.get(key)
            cell = sheet.cell(row=row_number, column=col, value=value)
            cell.font, cell.border = BOLD, BOX
            if isinstance(value, int):
                cell.number_format = MONEY
    for col, key in enumerate(columns, start=1):
        width = 28 if key.endswith("name") or key in ("borrower_name", "leader") else 16
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(row=top + 1, column=2)
    return row_number + 2


def _landscape(sheet: Worksheet, title_rows: str) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows


def _titles(sheet: Worksheet, lines: list[str], width: int) -> int:
    for number, text in enumerate(lines, start=1):
        sheet.cell(row=number, column=1, value=text).font = Font(bold=number <= 2, size=12)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
    return len(lines) + 2


# --- the reconciliation ----------------------------------------------------------------------


def reconciliation_columns(level: str) -> list[str]:
    extra = ["fee_earned"] if level == "association" else []
    return [*KEYS[level], *FIGURES, *extra]


def reconciliation_xlsx(report: dict) -> bytes:
    """The month's reconciliation at one level, with totals, and its discrepancies."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Đối chiếu"
    columns = reconciliation_columns(report["level"])
    month = _month_label(report["month"])
    top = _titles(
        sheet,
        [
            "NGÂN HÀNG CHÍNH SÁCH XÃ HỘI",
            f"BẢNG ĐỐI CHIẾU DƯ NỢ, LÃI, PHÍ ỦY THÁC VÀ HOA HỒNG THÁNG {month}",
            f"Tổng hợp theo: {LEVEL_LABELS[report['level']]}",
        ],
        len(columns),
    )
    _table(sheet, top, columns, report["rows"], report["totals"])
    _landscape(sheet, f"{top}:{top}")
    found = book.create_sheet("Chênh lệch")
    if report["discrepancies"]:
        _table(found, 1, DISCREPANCY_COLUMNS, report["discrepancies"], None)
    else:
        found.cell(row=1, column=1, value="Không có chênh lệch: sổ nhật ký khớp số dư lưu trữ.")
    return _xlsx_bytes(book)


def reconciliation_csv(report: dict) -> bytes:
    columns = reconciliation_columns(report["level"])
    totals = report["totals"]
    total_row = ["TOTAL", *(totals.get(key, "") for key in columns[1:])]
    return _csv_bytes(
        columns, [*([row.get(key) for key in columns] for row in report["rows"]), total_row]
    )


def _month_label(period: str) -> str:
    year, month = period.split("-")
    return f"{month}/{year}"


# --- the fee statement -----------------------------------------------------------------------


def fee_statement_xlsx(statement: dict) -> bytes:
    """Commission per group leader and entrustment fee per association level for the month."""
    book = Workbook()
    month = _month_label(statement["month"])
    leaders = book.active
    leaders.title = "Hoa hồng tổ trưởng"
    top = _titles(
        leaders,
        ["NGÂN HÀNG CHÍNH SÁCH XÃ HỘI", f"BẢNG KÊ HOA HỒNG TỔ TRƯỞNG TỔ TK&VV THÁNG {month}"],
        len(LEADER_COLUMNS),
    )
    leader_totals = {"amount": statement["totals"]["leader_commission"]}
    leader_totals["base_amount"] = sum(row["base_amount"] for row in statement["leaders"])
    _table(leaders, top, LEADER_COLUMNS, statement["leaders"], leader_totals)
    _landscape(leaders, f"{top}:{top}")
    fees = book.create_sheet("Phí ủy thác")
    top = _titles(
        fees,
        ["NGÂN HÀNG CHÍNH SÁCH XÃ HỘI", f"BẢNG KÊ PHÍ ỦY THÁC THEO CẤP HỘI THÁNG {month}"],
        len(ASSOCIATION_FEE_COLUMNS),
    )
    fee_totals = {"amount": statement["totals"]["association_fee"]}
    _table(fees, top, ASSOCIATION_FEE_COLUMNS, statement["associations"], fee_totals)
    _landscape(fees, f"{top}:{top}")
    return _xlsx_bytes(book)


FEE_CSV_COLUMNS = [
    "payee",
    "association",
    "association_name",
    "savings_group",
    "savings_group_code",
    "savings_group_name",
    "leader",
    "groups",
    "base_amount",
    "rate",
    "reduced",
    "amount",
]


def fee_statement_csv(statement: dict) -> bytes:
    rows = [{**row, "payee": "group_leader"} for row in statement["leaders"]]
    rows += [{**row, "payee": row["association_level"]} for row in statement["associations"]]
    total = statement["totals"]["leader_commission"] + statement["totals"]["association_fee"]
    body = [[row.get(key, "") for key in FEE_CSV_COLUMNS] for row in rows]
    body.append(["TOTAL", *[""] * (len(FEE_CSV_COLUMNS) - 2), total])
    return _csv_bytes(FEE_CSV_COLUMNS, body)


# --- the collection list 13/TD ---------------------------------------------------------------

COLLECTION_COLUMNS = [
    ("number", "STT"),
    ("borrower_name", "Họ và tên người vay"),
    ("programme_code", "Chương trình"),
    ("contract_number", "Số khế ước"),
    ("outstanding_principal", "Dư nợ"),
    ("interest_due", "Lãi phải thu kỳ này (gồm lãi tồn)"),
    ("interest_arrears", "Trong đó: lãi tồn đọng"),
    ("principal_due", "Gốc đến hạn phải trả"),
    ("interest_collected", "Lãi thực thu"),
    ("principal_collected", "Gốc thu được"),
    ("savings_deposited", "Tiền gửi tiết kiệm"),
    ("signature", "Ký nhận"),
]


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
    width = len(COLLECTION_COLUMNS)
    sheet.cell(row=1, column=1, value="NGÂN HÀNG CHÍNH SÁCH XÃ HỘI").font = BOLD
    sheet.cell(row=1, column=width - 1, value="Mẫu số 13/TD").font = BOLD
    title = sheet.cell(row=3, column=1, value="DANH SÁCH THU LÃI, THU TIỀN GỬI TIẾT KIỆM")
    title.font, title.alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    for number, text in enumerate(collection_list_header(cl), start=5):
        sheet.cell(row=number, column=1, value=text)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
    top = 11
    for col, (_key, label) in enumerate(COLLECTION_COLUMNS, start=1):
        cell = sheet.cell(row=top, column=col, value=label)
        cell.font, cell.border = BOLD, BOX
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        # The column numbers under the headings, as paper forms have.
        sheet.cell(row=top + 1, column=col, value=f"({col})").alignment = Alignment(
            horizontal="center"
        )
        sheet.cell(row=top + 1, column=col).border = BOX
    row_number = top + 1
    for row_number, row in enumerate(cl.rows, start=top + 2):
        for col, (key, _label) in enumerate(COLLECTION_COLUMNS, start=1):
            cell = sheet.cell(row=row_number, column=col, value=row.get(key))
            cell.border = BOX
            if isinstance(cell.value, int) and key != "number":
                cell.number_format = MONEY
    total_row = row_number + 1
    totals = cl.totals
    for col, (key, _label) in enumerate(COLLECTION_COLUMNS, start=1):
        value = TOTAL_LABEL if key == "borrower_name" else totals.get(key)
        cell = sheet.cell(row=total_row, column=col, value=value)
        cell.font, cell.border = BOLD, BOX
        if isinstance(value, int):
            cell.number_format = MONEY
    signatures = total_row + 2
    for col, text in (
        (2, "Tổ trưởng tổ TK&VV"),
        (6, "Cán bộ NHCSXH"),
        (10, "Tổ trưởng tổ giao dịch"),
    ):
        sheet.cell(row=signatures, column=col, value=text).font = BOLD
        sheet.cell(row=signatures + 1, column=col, value="(Ký, ghi rõ họ tên)")
    for col, w in enumerate((5, 28, 10, 18, 14, 16, 14, 14, 14, 14, 14, 14), start=1):
        sheet.column_dimensions[get_column_letter(col)].width = w
    sheet.row_dimensions[top].height = 45
    _landscape(sheet, f"{top}:{top + 1}")
    return _xlsx_bytes(book)


def collection_list_csv(cl: CollectionList) -> bytes:
    keys = [key for key, _label in COLLECTION_COLUMNS if key != "signature"]
    totals = cl.totals
    rows = [[row.get(key) for key in keys] for row in cl.rows]
    rows.append(["TOTAL", *(totals.get(key, "") for key in keys[1:])])
    return _csv_bytes(keys, rows)
