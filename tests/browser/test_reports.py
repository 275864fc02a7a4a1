"""The report pages in Chromium at 1366×768: the portfolio with its charts, the arrears ageing
and the reconciliation fit the screen; the analyst's chart names every office in full."""

import pytest
from playwright.sync_api import expect

from loans.reconciliation.models import Reconciliation
from tasks.jobs import reconciliation

from .conftest import assert_fits, committed_db, text_of

pytestmark = [pytest.mark.browser, committed_db]

PORTFOLIO = "/admin/reports/portfolioreport/"
AGEING = "/admin/reports/portfolioreport/arrears-ageing/"
AS_OF = "31/12/2025"


def test_the_portfolio_report_shows_its_charts_and_table(cast, book, page, login_as):
    login_as(cast.carol)
    page.goto(f"{PORTFOLIO}?as_of={AS_OF}&group_by=office")
    expect(page.locator("h1")).to_have_text("Báo cáo dư nợ")
    charts = page.locator("svg.report-chart")
    expect(charts).to_have_count(2)
    expect(charts.first).to_contain_text("Dư nợ theo chương trình")
    content = text_of(page)
    assert "Văn Quan" in content and "Bắc Sơn" in content
    assert_fits(page, "1-portfolio")


def test_the_arrears_ageing_report_fits_the_screen(cast, book, page, login_as):
    login_as(cast.carol)
    page.goto(f"{AGEING}?as_of={AS_OF}&group_by=office")
    expect(page.locator("h1")).to_have_text("Báo cáo tuổi nợ quá hạn")
    # Pivoted: one line per bucket under each office, four figures' columns wide at most.
    headings = page.locator("table.report thead th")
    expect(headings).to_have_text(
        ["Phòng giao dịch", "Nhóm nợ", "Số món vay", "Dư nợ", "Nợ quá hạn"]
    )
    body = page.locator("table.report tbody")
    expect(body).to_contain_text("Quá hạn trên 360 ngày")
    assert "Văn Quan" in text_of(page)
    assert_fits(page, "1-ageing")


def test_the_reconciliation_report_fits_the_screen(cast, june, page, login_as):
    reconciliation.run_reconciliation(month="2025-06")
    recon = Reconciliation.objects.get()
    login_as(cast.carol)
    for level in ("savings_group", "loan", "association"):
        page.goto(f"/admin/reconciliation/reconciliation/{recon.pk}/report/?level={level}")
        expect(page.locator("h1")).to_have_text("Đối chiếu tháng 06/2025")
        # Principal, interest, fees: three tables; no discrepancy table, the month is clean.
        expect(page.locator("table.report")).to_have_count(3)
        assert_fits(page, f"1-reconciliation-{level}")
    expect(page.locator("#content")).to_contain_text("Không có chênh lệch")


VAN_LANG = "Phòng giao dịch NHCSXH huyện Văn Lãng"
VAN_QUAN = "Phòng giao dịch NHCSXH huyện Văn Quan"


def test_the_analysts_chart_names_every_office_in_full(cast, book, page, login_as):
    # The offices under their long names, that a cut at 33 characters made read alike.
    cast.van_quan.name, cast.bac_son.name = VAN_QUAN, VAN_LANG
    cast.van_quan.save(update_fields=["name"])
    cast.bac_son.save(update_fields=["name"])
    login_as(cast.carol)
    page.goto(f"{PORTFOLIO}?as_of={AS_OF}")
    chart = page.locator("svg.report-chart").nth(1)
    expect(chart).to_contain_text("Tỷ lệ nợ quá hạn theo phòng giao dịch")
    labels = chart.locator("text[text-anchor=end]")
    expect(labels).to_have_count(2)
    # Each label drawn whole: its lines joined read the office's full name ...
    names = [" ".join(label.locator("tspan").all_text_contents()) for label in labels.all()]
    assert sorted(names) == sorted([VAN_LANG, VAN_QUAN])
    # ... and inside the chart, not clipped at its left edge.
    left = chart.bounding_box()["x"]
    assert all(label.bounding_box()["x"] >= left for label in labels.all())
    assert_fits(page, "1-chart-offices")


def test_the_report_pages_read_in_english_after_the_switch(cast, book, page, login_as):
    login_as(cast.carol)
    page.goto(f"{AGEING}?as_of={AS_OF}&group_by=office")
    page.select_option(".language-picker select", "en")
    expect(page.locator("h1")).to_have_text("Arrears ageing report")
    expect(page.locator("table.report thead th")).to_have_text(
        ["Transaction office", "Ageing bucket", "Loans", "Outstanding", "Overdue"]
    )
    assert "Quá hạn" not in text_of(page)
    assert_fits(page, "1-ageing-english")
    page.click(".report-tabs a >> nth=0")
    expect(page.locator("h1")).to_have_text("Portfolio report")
    expect(page.locator("svg.report-chart").first).to_contain_text("Outstanding by programme")
    assert_fits(page, "2-portfolio-english")


def test_the_flows_and_decree_28_reports_fit_the_screen(cast, book, page, login_as):
    login_as(cast.carol)
    period = "date_from=01/01/2024&date_to=31/12/2025"
    # Their nine figures' headings wrap; the amounts never do.
    for name, query, title in [
        ("flows", "group_by=office&group_by=programme", "Báo cáo doanh số cho vay, thu nợ"),
        ("decree-28", "group_by=office", "Báo cáo cho vay theo Nghị định 28/2022/NĐ-CP"),
    ]:
        page.goto(f"{PORTFOLIO}{name}/?{period}&{query}")
        expect(page.locator("h1")).to_have_text(title)
        expect(page.locator("table.report tfoot")).to_contain_text("Tổng cộng")
        assert_fits(page, f"1-{name}")
