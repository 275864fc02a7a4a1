"""The printed forms of origination, as a page and as an Excel file from the same rows:

- 03/TD, danh sách hộ gia đình đề nghị vay vốn: one group and one meeting, the households the
  group proposes (what each asks, for what, and the vote), certified by the commune;
- 04/TD, thông báo kết quả phê duyệt cho vay: one commune transaction point and one day of
  decision, the approved households (amount, term, rate, programme) and the refused ones.

Every Excel cell is written by `core.exports`, so a name that looks like a formula stays text.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from borrowers.models import SavingsGroup, TransactionPoint
from core.exports import write_cell, write_row, xlsx_bytes
from core.money import group_digits

from .selectors import decided_applications, group_list_applications

BANK = gettext_lazy("NGÂN HÀNG CHÍNH SÁCH XÃ HỘI")
BOLD = Font(bold=True)
NUMBER_FORMATS = {"money": "#,##0", "count": "0", "rate": "0.00", "text": "@"}


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = "text"  # money, count, rate or text


GROUP_LIST_COLUMNS = [
    Column("number", gettext_lazy("STT"), "count"),
    Column(
        "full_name",
        gettext_lazy("Họ và tên người vay"),
    ),
    Column("village", gettext_lazy("Thôn/bản")),
    Column("category", gettext_lazy("Đối tượng")),
    Column("programme", gettext_lazy("Chương trình vay")),
    Column("amount", gettext_lazy("Số tiền đề nghị vay (đồng)"), "money"),
    Column("term_months", gettext_lazy("Thời hạn (tháng)"), "count"),
    Column("purpose", gettext_lazy("Mục đích sử dụng vốn vay")),
    Column("votes", gettext_lazy("Số đồng ý / dự họp")),
]
APPROVED_COLUMNS = [
    Column("number", gettext_lazy("STT"), "count"),
    Column("full_name", gettext_lazy("Họ và tên người vay")),
    Column("group", gettext_lazy("Tổ TK&VV")),
    Column("village", gettext_lazy("Thôn/bản")),
    Column("programme", gettext_lazy("Chương trình vay")),
    Column("amount", gettext_lazy("Số tiền được duyệt (đồng)"), "money"),
    Column("term_months", gettext_lazy("Thời hạn (tháng)"), "count"),
    Column("rate", gettext_lazy("Lãi suất (%/năm)"), "rate"),
    Column("contract_number", gettext_lazy("Số khế ước")),
]
REJECTED_COLUMNS = [
    Column("number", gettext_lazy("STT"), "count"),
    Column("full_name", gettext_lazy("Họ và tên người vay")),
    Column("group", gettext_lazy("Tổ TK&VV")),
    Column("programme", gettext_lazy("Chương trình vay")),
    Column("amount", gettext_lazy("Số tiền đề nghị vay (đồng)"), "money"),
    Column("reason", gettext_lazy("Lý do không phê duyệt")),
]


@dataclass
class PrintedForm:
    """A form's title, its header lines, and its tables as (heading, columns, rows)."""

    number: str
    title: str
    header: list[str]
    tables: list[tuple[str, list[Column], list[dict]]] = field(default_factory=list)
    filename: str = ""

    def total(self, rows: list[dict]) -> int:
        return sum(row["amount"] for row in rows)


def _programme(application) -> str:
    line = f" / {application.loan_line.name}" if application.loan_line_id else ""
    return f"{application.programme.code}{line}"


# --- 03/TD -----------------------------------------------------------------------------------


def group_list(group: SavingsGroup, *, meeting_date: date) -> PrintedForm:
    """Mẫu số 03/TD for the group's meeting of that day."""
    applications = list(group_list_applications(group, meeting_date=meeting_date))
    rows = [
        {
            "number": number,
            "full_name": a.borrower.full_name,
            "village": a.borrower.village,
            "category": a.borrower.get_household_category_display(),
            "programme": _programme(a),
            "amount": a.amount,
            "term_months": a.term_months,
            "purpose": a.purpose,
            "votes": f"{a.votes_for}/{a.members_present}",
        }
        for number, a in enumerate(applications, start=1)
    ]
    certifications = sorted(
        {(a.certified_on, a.certification_ref) for a in applications if a.certified_on}
    )
    point = group.transaction_point
    header = [
        _("Tổ TK&VV: %(group)s (mã %(code)s), thôn/bản %(village)s")
        % {"group": group.name, "code": group.code, "village": group.village},
        _("Điểm giao dịch: %(point)s – Hội quản lý: %(association)s")
        % {"point": point.name, "association": group.association.name},
        _("Ngày họp tổ bình xét: %(d)s") % {"d": f"{meeting_date:%d/%m/%Y}"},
    ]
    header += [
        _("Xác nhận của UBND xã: %(ref)s, ngày %(d)s") % {"d": f"{day:%d/%m/%Y}", "ref": ref}
        for day, ref in certifications
    ] or [_("Chưa có xác nhận của UBND xã.")]
    return PrintedForm(
        number="03/TD",
        title=_("DANH SÁCH HỘ GIA ĐÌNH ĐỀ NGHỊ VAY VỐN NGÂN HÀNG CHÍNH SÁCH XÃ HỘI"),
        header=header,
        tables=[("", GROUP_LIST_COLUMNS, rows)],
        filename=f"03TD-{group.code}-{meeting_date:%Y%m%d}",
    )


# --- 04/TD -----------------------------------------------------------------------------------


def approval_notice(point: TransactionPoint, *, decided_on: date) -> PrintedForm:
    """Mẫu số 04/TD for the point's households decided that day. The rate shown is the
    programme's in force on the day of the decision for the household's category; the loan
    takes the one in force on its first disbursement (DOMAIN.md §2)."""
    approved, rejected, rates = [], [], {}
    for application in decided_applications(point, decided_on=decided_on):
        if application.loan_id is None:
            rejected.append(_rejected_row(application, number=len(rejected) + 1))
            continue
        category = application.borrower.household_category
        key = (application.programme_id, category)
        if key not in rates:
            rate = application.programme.rate_on(decided_on, category)
            rates[key] = rate.annual_rate if rate else None
        approved.append(_approved_row(application, number=len(approved) + 1, rate=rates[key]))
    commune = point.commune.name if point.commune_id else point.name
    header = [
        _("Kính gửi: Ủy ban nhân dân %(commune)s") % {"commune": commune},
        _("Điểm giao dịch: %(point)s – %(office)s")
        % {"point": point.name, "office": point.office.name},
        _("Ngày phê duyệt: %(d)s") % {"d": f"{decided_on:%d/%m/%Y}"},
    ]
    return PrintedForm(
        number="04/TD",
        title=_("THÔNG BÁO KẾT QUẢ PHÊ DUYỆT CHO VAY"),
        header=header,
        tables=[
            (_("Các hộ được phê duyệt cho vay"), APPROVED_COLUMNS, approved),
            (_("Các hộ không được phê duyệt"), REJECTED_COLUMNS, rejected),
        ],
        filename=f"04TD-{point.code}-{decided_on:%Y%m%d}",
    )


def _approved_row(application, *, number: int, rate: Decimal | None) -> dict:
    return {
        "number": number,
        "full_name": application.borrower.full_name,
        "group": application.savings_group.name if application.savings_group_id else "",
        "village": application.borrower.village,
        "programme": _programme(application),
        "amount": application.loan.approved_amount,
        "term_months": application.loan.term_months,
        "rate": rate,
        "contract_number": application.loan.contract_number,
    }


def _rejected_row(application, *, number: int) -> dict:
    return {
        "number": number,
        "full_name": application.borrower.full_name,
        "group": application.savings_group.name if application.savings_group_id else "",
        "programme": _programme(application),
        "amount": application.amount,
        "reason": application.decision_reason,
    }


# --- showing and writing ---------------------------------------------------------------------


def shown(column: Column, value) -> str:
    """A cell as the page shows it: amounts grouped (1.234.567), a rate with a comma (6,60)."""
    if value is None:
        return ""
    if column.kind == "money":
        return group_digits(value)
    if column.kind == "rate":
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def page_tables(form: PrintedForm) -> list[dict]:
    """The tables as the template shows them: headings, rows of shown cells, the total."""
    return [
        {
            "heading": heading,
            "columns": columns,
            "rows": [[(c, shown(c, row[c.key])) for c in columns] for row in rows],
            "total": group_digits(form.total(rows)),
            "amount_index": [c.key for c in columns].index("amount"),
        }
        for heading, columns, rows in form.tables
    ]


def xlsx(form: PrintedForm) -> bytes:
    """The form as an Excel workbook: the header lines, each table with a totals row."""
    book = Workbook()
    sheet = book.active
    sheet.title = form.number.replace("/", "-")
    write_cell(sheet, 1, 1, str(BANK)).font = BOLD
    write_cell(sheet, 1, 8, _("Mẫu số %(n)s") % {"n": form.number}).font = BOLD
    write_cell(sheet, 2, 1, form.title).font = BOLD
    line = 3
    for text in form.header:
        write_cell(sheet, line, 1, text)
        line += 1
    for heading, columns, rows in form.tables:
        line = _write_table(sheet, line + 1, heading, columns, rows) + 1
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    return xlsx_bytes(book)


def _write_table(sheet, line: int, heading: str, columns: list[Column], rows: list[dict]) -> int:
    if heading:
        write_cell(sheet, line, 1, heading).font = BOLD
        line += 1
    write_row(sheet, line, [str(c.heading) for c in columns])
    for index in range(1, len(columns) + 1):
        sheet.cell(row=line, column=index).font = BOLD
    for row in rows:
        line += 1
        for index, column in enumerate(columns, start=1):
            cell = write_cell(sheet, line, index, row[column.key])
            cell.number_format = NUMBER_FORMATS[column.kind]
    line += 1
    write_cell(sheet, line, 2, _("Tổng cộng")).font = BOLD
    amount = [c.key for c in columns].index("amount") + 1
    total = write_cell(sheet, line, amount, sum(row["amount"] for row in rows))
    total.font, total.number_format = BOLD, NUMBER_FORMATS["money"]
    return line
