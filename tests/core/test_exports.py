"""The one safe cell writer: a text that a spreadsheet would run is text, numbers are numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core.exports import csv_bytes, csv_value, write_cell, write_row, xlsx_bytes

FORMULAS = ['=HYPERLINK("http://x","y")', "=1+1", "+1+1", "-2+3", "@SUM(1+1)", "\t=1", "\r=1"]


def read_back(values: list) -> list:
    book = Workbook()
    write_row(book.active, 1, values)
    return list(load_workbook(io.BytesIO(xlsx_bytes(book))).active[1])


@pytest.mark.parametrize("text", FORMULAS)
def test_a_text_that_starts_like_a_formula_is_a_quoted_text_cell_in_excel(text):
    (cell,) = read_back([text])
    # (An XML reader gives a carriage return back as a line feed.)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text.replace("\r", "\n"), "s", True)


@pytest.mark.parametrize("text", FORMULAS)
def test_a_text_that_starts_like_a_formula_gets_a_leading_quote_in_csv(text):
    assert csv_value(text) == "'" + text
    (row,) = csv.reader(io.StringIO(csv_bytes([[text]]).decode("utf-8-sig")))
    assert row == ["'" + text]


def test_numbers_dates_and_plain_text_stay_as_they_are():
    # A negative amount is a number, not a formula to neutralise.
    cells = read_back([-5_000, Decimal("0.094500"), 1_234_567, date(2025, 6, 30), True, "Tày"])
    assert [cell.data_type for cell in cells] == ["n", "n", "n", "d", "b", "s"]
    assert cells[0].value == -5_000 and cells[-1].value == "Tày" and not cells[-1].quotePrefix
    assert [csv_value(v) for v in (-5_000, Decimal("0.094500"), None, "Tày")] == [
        "-5000",
        "0.094500",
        "",
        "Tày",
    ]


def test_csv_is_utf8_with_a_byte_order_mark_and_crlf_lines():
    content = csv_bytes([["Dư nợ", 1], ["=1+1", -2]])
    assert content == "\ufeffDư nợ,1\r\n'=1+1,-2\r\n".encode()


def test_characters_an_excel_file_cannot_hold_are_dropped_not_an_error():
    book = Workbook()
    cell = write_cell(book.active, 1, 1, "Nông\x00 Văn\x07 A")
    assert cell.value == "Nông Văn A"
