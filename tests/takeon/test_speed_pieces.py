"""The pieces the take-on's speed rests on: the fast .xlsx reader gives what openpyxl gives;
households and loans written in bulk keep their history rows; import_book's progress lines."""

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from borrowers.models import Borrower
from core.exports import xlsx_bytes
from loans.models import Loan
from loans.takeon.xlsx import read_xlsx
from tests.factories import SavingsGroupFactory

from . import book


def test_the_fast_reader_reads_what_openpyxl_reads():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "loans"
    sheet.append(["contract_number", "approved_on", "approved_amount", "rate", "ok", "note"])
    sheet.append(["LS-1", datetime(2025, 1, 10), 50_000_000, 6.6, True, "Bùi & <Hải>"])
    sheet.append([None, None, None, None, None, None])  # a blank row: numbers go on
    sheet["A4"], sheet["C4"], sheet["F4"] = "LS-2", "1.234.567", "=1+2"
    sheet["B4"] = datetime(2024, 2, 29)
    sheet["B4"].number_format = "dd/mm/yyyy"
    data = xlsx_bytes(workbook)
    fast = read_xlsx(data)["loans"]
    slow = load_workbook(io.BytesIO(data), read_only=True, data_only=True)["loans"]
    expected = [(n, list(r)) for n, r in enumerate(slow.iter_rows(values_only=True), 1) if any(r)]
    got = [(n, values + [None] * (6 - len(values))) for n, values in fast if any(values)]
    assert got == expected
    assert got[1] == (2, ["LS-1", datetime(2025, 1, 10), 50_000_000, 6.6, True, "Bùi & <Hải>"])
    assert got[2][0] == 4 and got[2][1][1] == datetime(2024, 2, 29)


@pytest.mark.django_db
def test_bulk_written_households_and_loans_keep_their_history(cast, tmp_path):
    SavingsGroupFactory(code="T-TAKEON", transaction_point__office=cast.van_quan)
    path = tmp_path / "book.xlsx"
    path.write_bytes(book.as_file(book.fifty("T-TAKEON")))
    out = io.StringIO()  # not a terminal: plain progress lines, not a bar
    call_command("import_book", str(path), "--as-of", book.AS_OF.isoformat(), stdout=out)
    assert Borrower.history.filter(history_type="+").count() == Borrower.objects.count() == 50
    assert Loan.history.filter(history_type="+").count() == Loan.objects.count() == 50
    loan = Loan.objects.get(contract_number="B-001")
    assert loan.history.get().contract_rate == loan.contract_rate  # 6.6 % a year
    text = out.getvalue()
    assert "Đối chiếu dư nợ tại ngày chuyển đổi" in text
    assert "Chuyển đổi dữ liệu: 8/8 (100%" in text
    assert "khoản vay: 50" in text and "\r" not in text


def test_the_streamed_writer_writes_what_openpyxl_reads():
    """Numbers stay numbers, dates are ISO text, a formula-like text is a text cell with the
    quote prefix, None and "" are empty cells; the fast reader reads the same back."""
    from datetime import date
    from decimal import Decimal

    from loans.takeon.xlsx import write_xlsx

    rows = [
        ["contract_number", "amount", "rate", "on", "note"],
        ["LS-1", 50_000_000, Decimal("6.6"), date(2025, 1, 10), "Bùi & <Hải> "],
        ["=HYPERLINK(x)", -5, 0.5, None, ""],
        ["-1", 0, "1.234.567", "\x01ok", "@x"],
    ]
    data = write_xlsx({"loans": rows, "empty": []})
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["loans", "empty"]
    sheet = workbook["loans"]
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert got[1] == ["LS-1", 50_000_000, 6.6, "2025-01-10", "Bùi & <Hải> "]
    assert got[2] == ["=HYPERLINK(x)", -5, 0.5, None, None]
    assert got[3] == ["-1", 0, "1.234.567", "ok", "@x"]
    formula = sheet["A3"]
    assert formula.data_type == "s" and formula.quotePrefix
    assert not sheet["A2"].quotePrefix
    fast = read_xlsx(data)
    assert [values for _n, values in fast["loans"]][1:] == [
        ["LS-1", 50_000_000, 6.6, "2025-01-10", "Bùi & <Hải> "],
        ["=HYPERLINK(x)", -5, 0.5],
        ["-1", 0, "1.234.567", "ok", "@x"],
    ]
    assert fast["empty"] == []


def test_a_sheet_of_any_other_layout_is_read_by_the_general_path():
    """The one-pass reader takes only rows and cells it matches whole; a sheet with a cell of
    another layout (attributes in another order, rich text) is read by the general path, with
    the same values: nothing is dropped silently."""
    from loans.takeon import xlsx

    head = b'<worksheet xmlns="x"><sheetData>'
    usual = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>LS-1</t></is></c><c r="C1"><v>5</v></c></row>'
    )
    other = (
        b'<row r="2"><c t="n" r="B2"><v>7</v></c>'
        b'<c r="C2" t="inlineStr"><is><r><rPr><color rgb="FF0000"/></rPr><t>B\xc3\xb9i</t></r>'
        b"</is></c></row>"
    )
    tail = b"</sheetData></worksheet>"
    assert xlsx._sheet_rows(head + usual + tail, [], set(), None) == [(1, ["LS-1", None, 5])]
    mixed = xlsx._sheet_rows(head + usual + other + tail, [], set(), None)
    assert mixed == [(1, ["LS-1", None, 5]), (2, [None, 7, "Bùi"])]
