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
