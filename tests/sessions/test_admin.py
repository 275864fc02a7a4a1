"""The admin's "Phiên giao dịch xã" through the test client: open a session, the group's grid
submitted once (errors on their rows, nothing posted), the prints."""

import pytest
from django.test import Client
from django.utils.html import escape

from core.money import group_digits
from loans.models import LoanTransaction
from loans.sessions.forms import last_session_day
from loans.sessions.models import CollectionSheet, Session

from .conftest import SESSION_DATE
from .test_session_day import INTEREST

ADMIN = "/admin/point_sessions/session"


@pytest.fixture
def alice_web(cast) -> Client:
    client = Client()
    client.force_login(cast.alice)
    return client


def grid(trio, **changes) -> dict:
    """The grid as the officer types it: each member's interest on her line (a, b, c = rows
    0, 1, 2 in the sheet's order of names), cash 448,439 (280,274 + 112,110 + 56,055)."""
    data = {"cash_counted": "448.439"}
    for row, interest in enumerate(INTEREST):
        data[f"l{row}-interest"] = f"{interest}"
    data.update(changes)
    return data


def test_open_the_session_for_a_point(alice_web, trio):
    response = alice_web.post(
        f"{ADMIN}/add/", {"transaction_point": trio.point.pk, "session_date": "10/02/2025"}
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{session.pk}/change/")
    page = alice_web.get(response["Location"])
    assert escape(trio.group.name) in page.content.decode()


def test_the_default_date_is_the_points_latest_session_day(trio):
    from datetime import date

    # The point meets on the 10th: on 2 Dec 2026 the latest is 10 Nov, on 10 Dec it is 10 Dec.
    assert last_session_day(trio.point, date(2026, 12, 2)) == date(2026, 11, 10)
    assert last_session_day(trio.point, date(2026, 12, 10)) == date(2026, 12, 10)
    assert last_session_day(trio.point, date(2026, 1, 5)) == date(2025, 12, 10)


def test_the_grid_posts_the_sheet_once(alice_web, trio, cast):
    session = Session.objects.create(
        transaction_point=trio.point, session_date=SESSION_DATE, opened_by=cast.alice
    )
    url = f"{ADMIN}/{session.pk}/sheet/{trio.group.pk}/"
    page = alice_web.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="l2-interest"' in html and 'name="s2-deposit"' in html
    assert "280.274" in html  # A's interest due, pre-filled
    response = alice_web.post(url, grid(trio))
    assert response.status_code == 302, response.context["form"].errors
    assert LoanTransaction.objects.filter(value_date=SESSION_DATE).count() == 3
    assert CollectionSheet.objects.get().totals["cash"] == 448_439
    # The receipts and the filled 13/TD show A's 280,274; the summary the total 448,439.
    expected = {
        "receipts/": "280.274",
        f"sheet/{trio.group.pk}/print/": "280.274",
        "summary/": "448.439",
    }
    for suffix, figure in expected.items():
        printed = alice_web.get(f"{ADMIN}/{session.pk}/{suffix}")
        assert printed.status_code == 200
        assert figure in printed.content.decode()


def test_a_bad_row_shows_its_error_and_posts_nothing(alice_web, trio, cast):
    session = Session.objects.create(
        transaction_point=trio.point, session_date=SESSION_DATE, opened_by=cast.alice
    )
    url = f"{ADMIN}/{session.pk}/sheet/{trio.group.pk}/"
    # Row 1 (B, 20,000,000 outstanding) repays 30,000,000: refused on that row's input.
    response = alice_web.post(
        url, grid(trio, **{"l1-principal": "30.000.000", "cash_counted": "30.448.439"})
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["l1-principal"]
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()
    assert not CollectionSheet.objects.exists()


def test_a_wrong_cash_count_is_shown_with_the_difference(alice_web, trio, cast):
    session = Session.objects.create(
        transaction_point=trio.point, session_date=SESSION_DATE, opened_by=cast.alice
    )
    url = f"{ADMIN}/{session.pk}/sheet/{trio.group.pk}/"
    response = alice_web.post(url, grid(trio, cash_counted="448.000"))  # 439 short
    assert response.status_code == 200
    assert "439" in response.context["form"].errors["cash_counted"][0]
    assert not CollectionSheet.objects.exists()


def test_close_from_the_page(alice_web, trio, cast):
    session = Session.objects.create(
        transaction_point=trio.point, session_date=SESSION_DATE, opened_by=cast.alice
    )
    response = alice_web.post(f"{ADMIN}/{session.pk}/close/")
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "closed"


def test_the_demo_leaves_one_open_session_with_a_prefilled_group(alice_web, trio):
    from tasks.synthetic.demo.session_day import open_demo_session

    session, group, opened = open_demo_session()
    assert opened and group == trio.group and session.is_open
    assert session.session_date == last_session_day(trio.point, session.session_date)
    again = open_demo_session()
    assert again == (session, group, False)
    assert Session.objects.count() == 1
    # The grid opens pre-filled with each member's interest due as of the session date.
    page = alice_web.get(f"{ADMIN}/{session.pk}/sheet/{group.pk}/")
    form = page.context["form"]
    lines = form.lines
    assert [form.initial[f"l{i}-interest"] for i in range(3)] == [
        line["interest_due"] for line in lines
    ]
    assert group_digits(lines[0]["interest_due"]) in page.content.decode()
    assert all(line["interest_due"] > 0 for line in lines)


def filled_workbook(trio, edit) -> bytes:
    """The 13/TD the system exports for the group, filled in as the leader would."""
    from io import BytesIO

    from openpyxl import load_workbook

    from loans.reports.collection_list import collection_list
    from loans.reports.exports import collection_list_xlsx

    content = collection_list_xlsx(collection_list(trio.group, session_date=SESSION_DATE))
    book = load_workbook(BytesIO(content))
    edit(book.active)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_uploaded_13td_fills_the_grid_and_posts_nothing(alice_web, trio, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = Session.objects.create(
        transaction_point=trio.point, session_date=SESSION_DATE, opened_by=cast.alice
    )

    from loans.sessions.upload import COLLECTED, CONTRACT

    # The form's columns (1-based) where the leader writes what was collected.
    interest, principal, deposit = (COLLECTED[k] + 1 for k in ("interest", "principal", "deposit"))

    def fill(ws):
        # Rows 13.. hold the members' loans (in name order: A, B, C).
        ws.cell(13, interest, 280_274)
        ws.cell(14, interest, "112.110")
        ws.cell(14, principal, 1_000_000)
        ws.cell(14, deposit, 20_000)
        ws.cell(15, interest, "năm mươi")  # not an amount: that row's message
        ws.cell(15, CONTRACT + 1, "KHONG-CO")  # and a contract the group does not hold

    upload = SimpleUploadedFile("13-TD.xlsx", filled_workbook(trio, fill))
    url = f"{ADMIN}/{session.pk}/sheet/{trio.group.pk}/"
    response = alice_web.post(url, {"workbook": upload})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["l0-interest"] == 280_274
    assert form.initial["l1-interest"] == 112_110
    assert form.initial["l1-principal"] == 1_000_000
    assert form.initial["s1-deposit"] == 20_000
    assert "l2-interest" not in form.initial
    assert len(response.context["upload_errors"]) == 1
    assert "KHONG-CO" in response.context["upload_errors"][0]
    # An amount that is not a number is that row's message, and its input stays empty.
    response = alice_web.post(
        url,
        {
            "workbook": SimpleUploadedFile(
                "13-TD.xlsx", filled_workbook(trio, lambda ws: ws.cell(15, interest, "năm mươi"))
            )
        },
    )
    assert response.context["upload_errors"] == ["Dòng 15: số tiền không hợp lệ (năm mươi)."]
    assert response.context["form"].initial.get("l2-interest") is None
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()
    assert not CollectionSheet.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(alice_web, trio, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = Session.objects.create(
        transaction_point=trio.point, session_date=SESSION_DATE, opened_by=cast.alice
    )
    upload = SimpleUploadedFile("13-TD.xlsx", b"not a workbook")
    response = alice_web.post(f"{ADMIN}/{session.pk}/sheet/{trio.group.pk}/", {"workbook": upload})
    assert response.status_code == 200
    assert response.context["upload_errors"]
    assert not CollectionSheet.objects.exists()
