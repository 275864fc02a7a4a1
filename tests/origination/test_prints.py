"""The printed forms: the group's list 03/TD (one group, one meeting) and the approval notice
04/TD (one point, one day of decision), as admin pages and as Excel files opened with openpyxl."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from loans.origination import services
from loans.origination.models import LoanApplication
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory

from .conftest import CERTIFIED_ON, DECIDED_ON, MEETING, M, certified, submit, vote

GROUP_LIST = "admin:origination_loanapplication_group_list"
NOTICE = "admin:origination_loanapplication_notice"


@pytest.fixture
def alice(client, cast):
    client.force_login(cast.alice)
    return client


@pytest.fixture
def meeting(cast, group, applicant):
    """The group's meeting of 10 March 2025: Hoàng Thị Mai (HN, 50,000,000, certified), Lò Văn
    Bình (clean water, 20,000,000, voted only) and a household whose name looks like a
    formula; one more applied and withdrew; another group met the same day."""
    certified(applicant, by=cast.alice)
    water = submit(
        BorrowerFactory(savings_group=group, full_name="Lò Văn Bình"),
        by=cast.alice,
        code="NSVSMT",
        amount=20 * M,
        purpose="Xây bể nước",
    )
    vote(water, by=cast.alice, present=9, votes_for=9)
    tricky = vote(
        submit(BorrowerFactory(savings_group=group, full_name="=1+2"), by=cast.alice), by=cast.alice
    )
    gone = vote(
        submit(BorrowerFactory(savings_group=group, full_name="Vi Thị Rút"), by=cast.alice),
        by=cast.alice,
    )
    services.withdraw_application(gone, reason="Không vay nữa", by=cast.alice)
    other = SavingsGroupFactory(transaction_point=group.transaction_point)
    vote(
        submit(BorrowerFactory(savings_group=other, full_name="Tổ Khác"), by=cast.alice),
        by=cast.alice,
        present=1,
        votes_for=1,
    )
    return tricky


def group_list(client, group, **extra):
    query = {"savings_group": group.pk, "meeting_date": f"{MEETING:%d/%m/%Y}", **extra}
    return client.get(reverse(GROUP_LIST), query)


def test_the_group_list_03_td_names_the_households_the_group_proposes(alice, group, meeting):
    response = group_list(alice, group)
    assert response.status_code == 200
    text = response.text
    assert "Mẫu số 03/TD" in text
    assert group.code in text and "10/03/2025" in text
    assert "Xác nhận của UBND xã: Số 12/XN-UBND, ngày 14/03/2025" in text
    names = [row[1][1] for row in response.context["tables"][0]["rows"]]
    assert names == ["=1+2", "Hoàng Thị Mai", "Lò Văn Bình"]  # by name; withdrawn left out
    row = response.context["tables"][0]["rows"][1]
    assert [cell for _column, cell in row] == [
        "2",
        "Hoàng Thị Mai",
        "Thôn Nà Lầu",
        "Hộ nghèo",
        "HN",
        "50.000.000",
        "36",
        "Mua 01 con trâu sinh sản",
        "7/8",
    ]
    # 50,000,000 + 20,000,000 + 50,000,000 asked.
    assert response.context["tables"][0]["total"] == "120.000.000"
    assert "Tổ Khác" not in text and "Vi Thị Rút" not in text


def test_the_group_list_in_excel(alice, group, meeting):
    response = group_list(alice, group, format="xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="03TD-VQ-TC-01-20250310.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "NGÂN HÀNG CHÍNH SÁCH XÃ HỘI"
    assert rows[1][0].startswith("DANH SÁCH HỘ GIA ĐÌNH ĐỀ NGHỊ VAY VỐN")
    heading = next(i for i, row in enumerate(rows) if row[0] == "STT")
    body = rows[heading + 1 : heading + 4]
    assert [row[1] for row in body] == ["=1+2", "Hoàng Thị Mai", "Lò Văn Bình"]
    assert [row[5] for row in body] == [50 * M, 50 * M, 20 * M]  # numbers, not text
    assert rows[heading + 4][1] == "Tổng cộng"
    assert rows[heading + 4][5] == 120 * M
    # A name that looks like a formula is a text cell, never a formula.
    tricky = sheet.cell(row=heading + 2, column=2)
    assert (tricky.data_type, tricky.quotePrefix) == ("s", True)


@pytest.fixture
def decisions(cast, group):
    """On 20 March 2025: Hoàng Thị Mai (HN, 50,000,000) and Nông Văn Chuỗi (Decree 28 value
    chain, 80,000,000) approved, Lục Văn Từ refused; a household of another point approved."""
    mai = certified(BorrowerFactory(savings_group=group, full_name="Hoàng Thị Mai"), by=cast.alice)
    services.approve_application(mai, by=cast.alice, decided_on=DECIDED_ON)
    chain = certified(
        BorrowerFactory(savings_group=group, full_name="Nông Văn Chuỗi"),
        by=cast.alice,
        code="ND28-CGT",
        amount=80 * M,
        term_months=60,
    )
    services.approve_application(chain, by=cast.alice, decided_on=DECIDED_ON)
    refused = certified(BorrowerFactory(savings_group=group, full_name="Lục Văn Từ"), by=cast.alice)
    services.reject_application(
        refused, reason="Hộ chưa có phương án", by=cast.alice, decided_on=DECIDED_ON
    )
    elsewhere = SavingsGroupFactory(transaction_point=PointFactory(office=cast.van_quan))
    BorrowerFactory.create_batch(8, savings_group=elsewhere)
    far = certified(BorrowerFactory(savings_group=elsewhere, full_name="Xa Lạ"), by=cast.alice)
    services.approve_application(far, by=cast.alice, decided_on=DECIDED_ON)

    return mai, chain


def test_the_approval_notice_04_td_lists_the_decisions_of_the_day(alice, group, point, decisions):
    mai, chain = decisions
    query = {"transaction_point": point.pk, "decided_on": f"{DECIDED_ON:%d/%m/%Y}"}
    response = alice.get(reverse(NOTICE), query)
    assert response.status_code == 200
    assert "Mẫu số 04/TD" in response.text and "20/03/2025" in response.text
    approved, rejected = response.context["tables"]
    mai.refresh_from_db()
    chain.refresh_from_db()
    # HN 6.6%/yr; ND28-CGT lends to poor households at 50% × 6.6% = 3.3%/yr.
    assert [[cell for _c, cell in row] for row in approved["rows"]] == [
        ["1", "Hoàng Thị Mai", group.name, "Thôn Nà Lầu", "HN", "50.000.000", "36", "6,60",
         mai.loan.contract_number],
        ["2", "Nông Văn Chuỗi", group.name, "Thôn Nà Lầu", "ND28-CGT", "80.000.000", "60", "3,30",
         chain.loan.contract_number],
    ]  # fmt: skip
    assert approved["total"] == "130.000.000"
    assert [[cell for _c, cell in row] for row in rejected["rows"]] == [
        ["1", "Lục Văn Từ", group.name, "HN", "50.000.000", "Hộ chưa có phương án"]
    ]
    assert "Xa Lạ" not in response.text

    book = alice.get(reverse(NOTICE), {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(book.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    first = next(row for row in rows if row[1] == "Hoàng Thị Mai")
    assert first[5:8] == [50 * M, 36, pytest.approx(float(Decimal("6.6")))]
    assert any(row[1] == "Lục Văn Từ" and row[5] == "Hộ chưa có phương án" for row in rows)


def test_another_offices_group_is_not_offered(cast, alice):
    bac_son = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    response = group_list(alice, bac_son)
    assert response.status_code == 200
    assert response.context["printed"] is None
    assert "savings_group" in response.context["form"].errors


def test_the_list_links_to_the_printed_forms(alice):
    listed = alice.get(reverse("admin:origination_loanapplication_changelist")).text
    assert reverse(GROUP_LIST) in listed
    assert reverse(NOTICE) in listed
    assert alice.get(reverse(GROUP_LIST)).status_code == 200
    assert alice.get(reverse(NOTICE)).status_code == 200


def test_a_certified_date_is_shown_once_per_certification(cast, alice, group, applicant):
    certified(applicant, by=cast.alice)
    certified(BorrowerFactory(savings_group=group), by=cast.alice)
    text = group_list(alice, group).text
    assert text.count(f"ngày {CERTIFIED_ON:%d/%m/%Y}") == 1


def test_the_commune_certifies_the_whole_list_at_once(cast, alice, group, meeting):
    # Lò Văn Bình and "=1+2" were voted for and await the certification; Hoàng Thị Mai's is in.
    shown = group_list(alice, group)
    assert shown.context["certify_form"] is not None
    url = shown.request["PATH_INFO"] + "?" + shown.request["QUERY_STRING"]
    missing = alice.post(url, {"certify_list-certified_on": "15/03/2025"})
    assert missing.status_code == 200
    assert "reference" in missing.context["certify_form"].errors

    done = alice.post(
        url, {"certify_list-certified_on": "15/03/2025", "certify_list-reference": "Số 13/XN"}
    )
    assert done.status_code == 302
    listed = LoanApplication.objects.filter(savings_group=group, meeting_date=MEETING)
    assert sorted(listed.values_list("status", "certification_ref")) == [
        ("certified", "Số 12/XN-UBND"),
        ("certified", "Số 13/XN"),
        ("certified", "Số 13/XN"),
        ("withdrawn", ""),
    ]
    after = group_list(alice, group)
    assert after.context["certify_form"] is None
    assert "Xác nhận của UBND xã: Số 13/XN, ngày 15/03/2025" in after.text
    assert alice.post(url, {"certify_list-reference": "x"}).status_code == 403
