"""The admin report pages: Vietnamese, scoped to the officer's office, with server-drawn SVG
charts, and Excel/CSV downloads of what the page shows."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from loans.reports.charts import bar_chart

from .conftest import AS_OF, PERIOD

PAGES = {
    "portfolio": "admin:reports_portfolioreport_changelist",
    "flows": "admin:reports_portfolioreport_flows",
    "arrears_ageing": "admin:reports_portfolioreport_arrears_ageing",
    "decree_28": "admin:reports_portfolioreport_decree_28",
}
DAY = {"as_of": f"{AS_OF:%d/%m/%Y}"}
SPAN = {"date_from": f"{PERIOD[0]:%d/%m/%Y}", "date_to": f"{PERIOD[1]:%d/%m/%Y}"}
PARAMS = {"portfolio": DAY, "arrears_ageing": DAY, "flows": SPAN, "decree_28": SPAN}


@pytest.mark.parametrize("kind", list(PAGES))
def test_each_page_shows_its_table_and_charts(book, cast, client, kind):
    client.force_login(cast.carol)
    response = client.get(reverse(PAGES[kind]), {**PARAMS[kind], "group_by": "office"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tổng cộng" in page
    assert "PGD NHCSXH huyện Bắc Sơn" in page and "PGD NHCSXH huyện Văn Quan" in page
    if kind in {"portfolio", "arrears_ageing"}:
        assert page.count('class="report-chart"') == 2
    assert '<script src="http' not in page  # nothing from the internet


def test_portfolio_charts_outstanding_by_programme_and_overdue_ratio_by_office(book, cast, client):
    client.force_login(cast.carol)
    page = client.get(reverse(PAGES["portfolio"]), DAY).content.decode()
    assert "Dư nợ theo chương trình" in page
    assert "Tỷ lệ nợ quá hạn theo phòng giao dịch" in page
    assert "9,26 %" in page  # Văn Quan: 8,333,000 / 90,000,000
    assert "90.000.000" in page or "215.000.000" in page


def test_an_officer_sees_only_her_office_on_the_pages(book, cast, client):
    client.force_login(cast.alice)
    page = client.get(reverse(PAGES["portfolio"]), {**DAY, "group_by": "office"})
    content = page.content.decode()
    assert "PGD NHCSXH huyện Văn Quan" in content
    assert "Bắc Sơn" not in content
    # Not even among the filters' choices (communes are public: administrative units).
    assert "Hội CCB xã Vũ Lễ" not in content
    assert book.groups["vu_le"].name not in content
    assert book.points["vu_le"].name not in content


def test_a_filter_outside_the_office_is_a_form_error(book, cast, client):
    client.force_login(cast.alice)
    response = client.get(reverse(PAGES["portfolio"]), {**DAY, "office": cast.bac_son.pk})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "office" in response.context["form"].errors


def test_the_excel_download_matches_the_page(book, cast, client):
    client.force_login(cast.carol)
    url = reverse(PAGES["arrears_ageing"])
    response = client.get(url, {**DAY, "group_by": "office", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Báo cáo tuổi nợ quá hạn"
    assert rows[-1][0] == "Tổng cộng"
    page = client.get(url, {**DAY, "group_by": "office"})
    totals = page.context["report"].totals
    assert rows[-1][1:4] == (
        totals["loans"],
        totals["outstanding_principal"],
        totals["overdue_principal"],
    )
    csv = client.get(url, {**DAY, "group_by": "office", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")


def test_the_pages_need_the_report_permission(book, cast, client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse(PAGES["portfolio"]), DAY).status_code == 403
    client.logout()
    assert client.get(reverse(PAGES["flows"])).status_code == 302  # to the login page


def test_defaults_give_yesterday_grouped_by_programme(book, cast, client):
    client.force_login(cast.carol)
    response = client.get(reverse(PAGES["portfolio"]))
    assert response.status_code == 200
    assert response.context["report"].request.group_by == ("programme",)


def test_bar_chart_escapes_labels_and_scales_to_the_largest():
    svg = bar_chart("Dư nợ <b>", [("A & B", 50), ("<script>", 100)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "A &amp; B" in svg
    assert 'width="370' in svg  # the largest bar takes the whole plot area (720 - 230 - 120)
    assert "Không có số liệu" in bar_chart("Trống", [])
