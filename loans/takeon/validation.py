"""The take-on file checked row by row against the branch's rules and its own figures.

Each sheet is read into typed records; every bad cell is an error located by sheet, row and
column, in Vietnamese. Reference data (programmes, loan lines, groups, existing households and
contracts) is read once per file, in a few queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from borrowers.models import (
    ETHNICITY_CHOICES,
    NATIONAL_ID_MESSAGE,
    Borrower,
    HouseholdCategory,
    SavingsGroup,
)
from borrowers.services import NATIONAL_ID, clean_date_of_birth, clean_name
from core.errors import DomainError
from loans.models import Loan
from loans.positions import add_months
from programmes.models import LoanPurpose, Programme

from .parsing import Cells, Errors
from .workbook import OPTIONAL, SHEETS, Sheet

GENDERS = {"male": "male", "nam": "male", "female": "female", "nữ": "female", "nu": "female"}
ETHNICITIES = {name for name, _label in ETHNICITY_CHOICES}
CATEGORIES = {value for value, _label in HouseholdCategory.choices}


@dataclass
class Book:
    """The file's valid records, keyed as the import posts them; `known_*` exist already."""

    as_of: date
    households: dict[str, dict] = field(default_factory=dict)
    loans: dict[str, dict] = field(default_factory=dict)
    instalments: dict[str, list[tuple[date, int]]] = field(default_factory=dict)
    savings: dict[str, int] = field(default_factory=dict)
    known_households: dict[str, int] = field(default_factory=dict)
    known_contracts: set[str] = field(default_factory=set)
    errors: Errors = field(default_factory=Errors)


def check_book(sheets: dict[str, Sheet], as_of: date) -> Book:
    """Every sheet checked; the Book holds the good rows and every error."""
    book = Book(as_of=as_of)
    _check_columns(sheets, book.errors)
    if not any(sheet.rows for sheet in sheets.values()):
        book.errors.add("", 0, "", _("Tệp không có sheet nào của mẫu chuyển đổi dữ liệu."))
    if book.errors:
        return book
    _households(sheets["households"], book)
    _loans(sheets["loans"], book)
    _instalments(sheets["instalments"], book)
    _savings(sheets["savings"], book)
    return book


def _check_columns(sheets: dict[str, Sheet], errors: Errors) -> None:
    for name, columns in SHEETS.items():
        sheet = sheets[name]
        if not sheet.columns:
            continue  # a sheet left out: e.g. households alone, or loans of known households
        for column in columns:
            if column not in sheet.columns and column not in OPTIONAL:
                errors.add(name, 1, column, _("Thiếu cột bắt buộc."))


def _households(sheet: Sheet, book: Book) -> None:
    groups = dict(SavingsGroup.objects.values_list("code", "id"))
    ids = [str(values.get("national_id") or "").strip() for _n, values in sheet.rows]
    book.known_households = dict(
        Borrower.objects.filter(national_id__in=ids).values_list("national_id", "id")
    )
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, book.errors)
        record = _household(cells, groups, book)
        if record is not None and record["national_id"] not in book.known_households:
            book.households[record["national_id"]] = record


def _household(cells: Cells, groups: dict[str, int], book: Book) -> dict | None:
    before = len(book.errors.items)
    national_id = cells.text("national_id")
    if national_id is not None and not NATIONAL_ID.match(national_id):
        cells.fail("national_id", str(NATIONAL_ID_MESSAGE))
    elif national_id in book.households:
        cells.fail("national_id", _("Số CCCD trùng với một dòng trước trong tệp."))
    record = {
        "national_id": national_id,
        "full_name": _name(cells, "full_name"),
        "village": _name(cells, "village"),
        "date_of_birth": _birth(cells),
        "gender": _choice(cells, "gender", GENDERS),
        "ethnicity": _choice(cells, "ethnicity", {e.lower(): e for e in ETHNICITIES}),
        "household_category": _choice(cells, "household_category", {c: c for c in CATEGORIES}),
        "savings_group_id": _group(cells, groups),
    }
    return record if len(book.errors.items) == before else None


def _name(cells: Cells, column: str) -> str | None:
    text = cells.text(column)
    if text is None:
        return None
    try:
        return clean_name(text, field=column)
    except DomainError as exc:
        cells.fail(column, exc.message)
        return None


def _birth(cells: Cells) -> date | None:
    born = cells.day("date_of_birth")
    if born is None:
        return None
    try:
        return clean_date_of_birth(born)
    except DomainError as exc:
        cells.fail("date_of_birth", exc.message)
        return None


def _choice(cells: Cells, column: str, allowed: dict[str, str]) -> str | None:
    text = cells.text(column)
    if text is not None and text.lower() not in allowed:
        cells.fail(column, _("Giá trị không hợp lệ: %(value)s.") % {"value": text})
        return None
    return None if text is None else allowed[text.lower()]


def _group(cells: Cells, groups: dict[str, int]) -> int | None:
    code = cells.text("savings_group")
    if code is not None and code not in groups:
        cells.fail("savings_group", _("Không có tổ TK&VV mã %(code)s.") % {"code": code})
        return None
    return groups.get(code or "")


def _loans(sheet: Sheet, book: Book) -> None:
    programmes = {p.code: p for p in Programme.objects.all()}
    lines = {
        (p, c): i for p, c, i in LoanPurpose.objects.values_list("programme__code", "code", "id")
    }
    numbers = [str(values.get("contract_number") or "").strip() for _n, values in sheet.rows]
    book.known_contracts = set(
        Loan.objects.filter(contract_number__in=numbers).values_list("contract_number", flat=True)
    )
    others = set(
        Borrower.objects.filter(
            national_id__in=[str(v.get("national_id") or "").strip() for _n, v in sheet.rows]
        ).values_list("national_id", flat=True)
    )
    book.known_households.update(
        Borrower.objects.filter(national_id__in=others).values_list("national_id", "id")
    )
    seen: set[str] = set()
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, book.errors)
        record = _loan(cells, programmes, lines, book, seen)
        if record is not None and record["contract_number"] not in book.known_contracts:
            book.loans[record["contract_number"]] = record


def _loan(cells: Cells, programmes: dict, lines: dict, book: Book, seen: set[str]) -> dict | None:
    before = len(book.errors.items)
    contract = cells.text("contract_number")
    if contract in seen:
        cells.fail("contract_number", _("Số khế ước trùng với một dòng trước trong tệp."))
    seen.add(contract or "")
    record = {
        "contract_number": contract,
        "national_id": _borrower(cells, book),
        "programme": _programme(cells, programmes),
        "contract_rate": cells.rate("contract_rate"),
        "approved_on": cells.day("approved_on"),
        "first_disbursed_on": cells.day("first_disbursed_on"),
        "approved_list_ref": cells.text("approved_list_ref", required=False) or "",
        "approved_list_date": cells.day("approved_list_date", required=False),
        "frozen_from": cells.day("frozen_from", required=False),
        "freeze_decision": cells.text("freeze_decision", required=False) or "",
        "extended_to": cells.day("extended_to", required=False),
        "term_months": cells.integer("term_months", 1, 600),
        "grace_months": cells.integer("grace_months", 0, 599),
        "principal_frequency_months": _frequency(cells),
        "due_day": cells.integer("due_day", 1, 31),
    }
    for column in (
        "approved_amount",
        "disbursed_total",
        "outstanding_principal",
        "interest_arrears",
        "interest_accrued_not_due",
        "overdue_rate_interest",
    ):
        record[column] = cells.amount(column)
    record["purpose_id"] = _line(cells, record["programme"], lines)
    if len(book.errors.items) == before:
        _loan_consistency(cells, record, book.as_of)
    return record if len(book.errors.items) == before else None


def _borrower(cells: Cells, book: Book) -> str | None:
    national_id = cells.text("national_id")
    if national_id is None:
        return None
    if national_id not in book.households and national_id not in book.known_households:
        cells.fail("national_id", _("Không có hộ vay với số CCCD này (sheet households)."))
        return None
    return national_id


def _programme(cells: Cells, programmes: dict) -> Programme | None:
    code = cells.text("programme")
    if code is not None and code not in programmes:
        cells.fail("programme", _("Không có chương trình cho vay mã %(code)s.") % {"code": code})
        return None
    return programmes.get(code or "")


def _line(cells: Cells, programme: Programme | None, lines: dict) -> int | None:
    code = cells.text("loan_line", required=False)
    if not code or programme is None:
        return None
    if (programme.code, code) not in lines:
        cells.fail("loan_line", _("Chương trình không có dòng vay mã %(code)s.") % {"code": code})
        return None
    return lines[(programme.code, code)]


def _frequency(cells: Cells) -> int | None:
    value = cells.integer("principal_frequency_months", 1, 12)
    if value is not None and value not in (1, 3, 6, 12):
        cells.fail("principal_frequency_months", _("Kỳ hạn trả gốc phải là 1, 3, 6 hoặc 12 tháng."))
        return None
    return value


def _loan_consistency(cells: Cells, r: dict, as_of: date) -> None:
    """The figures of one loan agree with each other and with the cut-over date."""
    if r["grace_months"] >= r["term_months"]:
        cells.fail("grace_months", _("Thời gian ân hạn phải ngắn hơn thời hạn vay."))
    if r["approved_amount"] <= 0:
        cells.fail("approved_amount", _("Số tiền phê duyệt phải lớn hơn 0."))
    if r["disbursed_total"] > r["approved_amount"]:
        cells.fail("disbursed_total", _("Số đã giải ngân vượt số tiền phê duyệt."))
    if not 0 < r["outstanding_principal"] <= r["disbursed_total"]:
        cells.fail(
            "outstanding_principal", _("Dư nợ phải lớn hơn 0 và không vượt số đã giải ngân.")
        )
    if r["first_disbursed_on"] > as_of:
        cells.fail("first_disbursed_on", _("Ngày giải ngân sau ngày chuyển đổi."))
    if r["approved_on"] > r["first_disbursed_on"]:
        cells.fail("approved_on", _("Ngày phê duyệt sau ngày giải ngân."))
    if r["frozen_from"] is not None and r["frozen_from"] > as_of:
        cells.fail("frozen_from", _("Ngày khoanh nợ sau ngày chuyển đổi."))
    if r["frozen_from"] is not None and not r["freeze_decision"]:
        cells.fail("freeze_decision", _("Khoản vay khoanh nợ phải có số quyết định."))


def _instalments(sheet: Sheet, book: Book) -> None:
    rows: dict[str, list[tuple[int, date, int]]] = defaultdict(list)
    ends: dict[str, date] = {}  # each loan's last possible due date, worked out once
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, book.errors)
        record = _instalment(cells, book, ends)
        if record is not None:
            rows[record[0]].append((number, record[1], record[2]))
    for contract, loan in list(book.loans.items()):
        mine = rows.get(contract, [])
        _loan_instalments(sheet.name, contract, loan, mine, book)


def _instalment(cells: Cells, book: Book, ends: dict[str, date]) -> tuple[str, date, int] | None:
    contract = cells.text("contract_number")
    due, principal = cells.day("due_date"), cells.amount("principal")
    if contract is None or due is None or principal is None:
        return None
    if contract in book.known_contracts:
        return None  # already imported: the second run skips it whole
    if contract not in book.loans:
        cells.fail("contract_number", _("Không có khế ước này trong sheet loans (hoặc dòng lỗi)."))
        return None
    if principal <= 0:
        cells.fail("principal", _("Số gốc của kỳ phải lớn hơn 0."))
        return None
    loan = book.loans[contract]
    if contract not in ends:
        end = add_months(loan["first_disbursed_on"], loan["term_months"], loan["due_day"])
        ends[contract] = max(end, loan["extended_to"] or end)  # an extension (gia hạn nợ)
    end = ends[contract]
    if due > end:
        cells.fail(
            "due_date",
            _("Kỳ trả gốc sau ngày hết thời hạn vay (%(end)s).") % {"end": f"{end:%d/%m/%Y}"},
        )
        return None
    if due <= loan["first_disbursed_on"]:
        cells.fail("due_date", _("Kỳ trả gốc không sau ngày giải ngân."))
        return None
    return contract, due, principal


def _loan_instalments(sheet: str, contract: str, loan: dict, rows: list, book: Book) -> None:
    total = sum(principal for _n, _d, principal in rows)
    row = rows[0][0] if rows else 0
    if total != loan["outstanding_principal"]:
        book.errors.add(
            sheet,
            row,
            "principal",
            _("Các kỳ của khế ước %(c)s cộng lại %(total)s, khác dư nợ %(out)s.")
            % {"c": contract, "total": total, "out": loan["outstanding_principal"]},
        )
    else:
        book.instalments[contract] = sorted((due, p) for _n, due, p in rows)
        return
    del book.loans[contract]


def _savings(sheet: Sheet, book: Book) -> None:
    ids = [str(values.get("national_id") or "").strip() for _n, values in sheet.rows]
    book.known_households.update(
        Borrower.objects.filter(national_id__in=ids).values_list("national_id", "id")
    )
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, book.errors)
        national_id, balance = cells.text("national_id"), cells.amount("balance")
        if national_id is None or balance is None:
            continue
        if national_id not in book.households and national_id not in book.known_households:
            cells.fail("national_id", _("Không có hộ vay với số CCCD này (sheet households)."))
        elif national_id in book.savings:
            cells.fail("national_id", _("Số CCCD trùng với một dòng trước trong sheet savings."))
        else:
            book.savings[national_id] = balance
