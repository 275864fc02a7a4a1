"""Report pages that fit a 1366-px screen: the ageing table pivoted (one line per bucket), the
reconciliation in three tables, and chart labels wrapped instead of cut."""

import re

from django.urls import reverse

from loans.reports.admin.ageing import bucket_heading
from loans.reports.charts import MAX_LABEL, bar_chart, label_lines
from loans.reports.columns import page_sections

VAN_LANG = "Phòng giao dịch NHCSXH huyện Văn Lãng"
VAN_QUAN = "Phòng giao dịch NHCSXH huyện Văn Quan"


def _shown_text(svg: str) -> list[str]:
    """The label lines as drawn (tspans), without the hover titles."""
    return re.findall(r"<tspan [^>]*>([^<]*)</tspan>", svg)


def test_long_office_names_wrap_whole_and_stay_apart():
    # 37 characters each: over MAX_LABEL (34), so each wraps onto a second line; cut at 33
    # characters with "…" both read "Phòng giao dịch NHCSXH huyện Văn…".
    assert len(VAN_LANG) == 37 > MAX_LABEL
    assert label_lines(VAN_LANG) == ["Phòng giao dịch NHCSXH huyện Văn", "Lãng"]
    svg = bar_chart("Tỷ lệ nợ quá hạn", [(VAN_LANG, 5), (VAN_QUAN, 10)])
    lines = _shown_text(svg)
    assert lines == [
        "Phòng giao dịch NHCSXH huyện Văn",
        "Lãng",
        "Phòng giao dịch NHCSXH huyện Văn",
        "Quan",
    ]
    assert "…" not in svg
    # Two rows of two lines: 28 title + 2 × (24 + 14) + 8 = 112 px high.
    assert 'height="112"' in svg


def test_a_short_label_keeps_one_line_and_the_chart_its_height():
    svg = bar_chart("Dư nợ", [("HN", 50), ("HCN", 100)])
    assert _shown_text(svg) == ["HN", "HCN"]
    assert 'height="84"' in svg  # 28 + 2 × 24 + 8


def test_bucket_headings_read_as_the_files_name_them():
    assert bucket_heading("current") == "Trong hạn"
    assert bucket_heading("31-90") == "Quá hạn 31–90 ngày"
    assert bucket_heading(">360") == "Quá hạn trên 360 ngày"


def test_the_ageing_page_pivots_one_line_per_bucket(book, cast, client):
    client.force_login(cast.carol)
    url = reverse("admin:reports_portfolioreport_arrears_ageing")
    response = client.get(url, {"as_of": "31/12/2025", "group_by": "office"})
    table = response.context["table"]
    headings = [column.heading for column in table["columns"]]
    assert headings == ["Phòng giao dịch", "Nhóm nợ", "Số món vay", "Dư nợ", "Nợ quá hạn"]
    # Per office: all its loans, then current and the five buckets of AGEING_BUCKET_BOUNDS
    # (1-30, 31-90, 91-180, 181-360, >360): 7 lines; two offices: 14 lines.
    assert len(table["rows"]) == 14
    buckets = [row[1][0] for row in table["rows"][:7]]
    assert buckets == [
        "Tất cả",
        "Trong hạn",
        "Quá hạn 1–30 ngày",
        "Quá hạn 31–90 ngày",
        "Quá hạn 91–180 ngày",
        "Quá hạn 181–360 ngày",
        "Quá hạn trên 360 ngày",
    ]
    # The footer: the totals the same way, the loans of each bucket adding up to all loans.
    footer = table["footer"]
    assert footer[0][0][0] == "Tổng cộng" and len(footer) == 7
    loans = [int(line[2][0].replace(".", "") or 0) for line in footer]
    assert loans[0] == sum(loans[1:]) == response.context["report"].totals["loans"]


def test_the_reconciliation_page_splits_its_figures_in_three_tables():
    sections = page_sections("loan")
    assert [len(figures) for _t, _k, figures in sections] == [7, 4, 6]
    # The IDs are left to the files: the loan's contract, household and programme remain.
    assert sections[0][1] == ["contract_number", "borrower_name", "programme_code"]
    assert page_sections("association")[2][2][-1] == "fee_earned"
