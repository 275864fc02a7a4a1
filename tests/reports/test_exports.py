"""The generic table writer: header block, Vietnamese headings, đồng format, totals row."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from loans.reports.exports import Column, Table, to_csv, to_xlsx

TABLE = Table(
    title="Báo cáo dư nợ",
    parameters=[("Số liệu đến hết ngày", "31/10/2025"), ("Nhóm theo", "Phòng giao dịch")],
    columns=[
        Column("office_name", "Phòng giao dịch", "text"),
        Column("loans", "Số món vay", "count"),
        Column("outstanding", "Dư nợ"),
        Column("ratio", "Tỷ lệ nợ quá hạn", "ratio"),
    ],
    rows=[
        {
            "office_name": "PGD Văn Quan",
            "loans": 2,
            "outstanding": 90_000_000,
            "ratio": Decimal("0.092589"),
        },
        {
            "office_name": "PGD Bắc Sơn",
            "loans": 3,
            "outstanding": 1_250_000_000,
            "ratio": Decimal(0),
        },
    ],
    totals={"loans": 5, "outstanding": 1_340_000_000, "ratio": Decimal("0.006219")},
)


def test_excel_has_the_header_block_headings_formats_and_totals():
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Báo cáo dư nợ"
    assert rows[1][:2] == ("Số liệu đến hết ngày", "31/10/2025")
    assert rows[4] == ("Phòng giao dịch", "Số món vay", "Dư nợ", "Tỷ lệ nợ quá hạn")
    assert rows[5] == ("PGD Văn Quan", 2, 90_000_000, 0.092589)
    assert rows[7] == ("Tổng cộng", 5, 1_340_000_000, 0.006219)
    assert sheet.cell(row=6, column=3).number_format == "#,##0"
    assert sheet.cell(row=8, column=3).number_format == "#,##0"
    assert sheet.cell(row=6, column=4).number_format == "0.00%"
    assert sheet.cell(row=8, column=1).font.bold
    assert sheet.freeze_panes == "A6"


def test_csv_is_utf8_for_excel_with_plain_numbers():
    content = to_csv(TABLE)
    assert content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == ["Báo cáo dư nợ"]
    assert lines[3] == []
    assert lines[4] == ["Phòng giao dịch", "Số món vay", "Dư nợ", "Tỷ lệ nợ quá hạn"]
    assert lines[6] == ["PGD Bắc Sơn", "3", "1250000000", "0"]
    assert lines[7] == ["Tổng cộng", "5", "1340000000", "0.006219"]
