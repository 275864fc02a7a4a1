"""The rest of the officer's day in Chromium at 1366×768: the dashboard after the nightly job,
a loan's disbursement through four eyes, a group's sheet posted at a session, and the receipt
01/BL printed after it. Every step checks what the page says and that it fits the screen."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from playwright.sync_api import expect

from loans.approvals.models import ApprovalRequest
from loans.models import LoanStatus, LoanTransaction, TransactionKind
from loans.sessions.models import CollectionSheet, Receipt, Session
from tasks.jobs import run_arrears
from tests.approvals.conftest import roles  # noqa: F401  (fixture)
from tests.conftest import approved_loan
from tests.reports.conftest import AS_OF
from tests.sessions.conftest import SESSION_DATE, trio  # noqa: F401  (fixture)
from tests.sessions.test_admin import grid

from .conftest import assert_fits, committed_db, text_of

pytestmark = [pytest.mark.browser, committed_db]

SESSIONS = "/admin/point_sessions/session"


def test_the_officer_sees_the_dashboard_after_the_nightly_job(cast, book, page, login_as):
    # The nightly job for 30 Sep and 31 Oct 2025, as tests/desk/conftest.py `night` runs it.
    run_arrears(as_of=AS_OF.replace(day=1) - timedelta(days=1))
    run_arrears(as_of=AS_OF)
    login_as(cast.alice)
    # Văn Quan at 31 Oct 2025 (tests/desk/test_dashboard.py): outstanding 50,000,000 +
    # 40,000,000 = 90,000,000; overdue the HN loan's 8,333,000 first instalment; ratio
    # 8,333,000 / 90,000,000 = 9.26 %; two loans of two households.
    figures = {
        "outstanding": "90.000.000 ₫",
        "overdue": "8.333.000 ₫",
        "overdue_ratio": "9,26 %",
        "loans": "2",
        "borrowers": "2",
    }
    for key, shown in figures.items():
        expect(page.locator(f"[data-figure={key}]")).to_have_text(shown)
    content = text_of(page)
    assert "Số liệu đến hết ngày 31/10/2025" in content
    assert "Bắc Sơn" not in content  # alice sees her office only
    assert_fits(page, "1-dashboard")

    page.click("[data-figure=overdue]")
    expect(page).to_have_url(re.compile(r"/admin/loans/loan/\?"))
    assert_fits(page, "2-overdue-loans")


@pytest.fixture
def approved(household, cast):
    """A 20,000,000 đồng HN loan approved on 02/01/2025, not disbursed yet."""
    return approved_loan(
        household, "HN", amount=20_000_000, term=24, by=cast.alice, approved_on=date(2025, 1, 2)
    )


def test_a_disbursement_above_the_threshold_waits_for_a_second_person(
    roles,  # noqa: F811
    approved,
    page,
    login_as,
    settings,
):
    # The branch's threshold lowered to 10,000,000 đồng: the 20,000,000 needs four eyes.
    settings.FOUR_EYES_DISBURSEMENT_THRESHOLD = 10_000_000
    officer, controller = roles.users["officer"], roles.users["controller"]
    login_as(officer)
    page.goto(f"/admin/loans/loan/{approved.pk}/disburse/")
    expect(page.locator("h1")).to_contain_text(f"Giải ngân: {approved.contract_number}")
    page.fill("#id_amount", "20.000.000")
    page.fill("#id_value_date", "10/01/2025")
    assert_fits(page, "1-disbursement-form")
    page.click("#content-main input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/approvals/approvalrequest/\d+/change/"))
    request = ApprovalRequest.objects.get()
    expect(page.locator(".messagelist .success")).to_have_text(
        f"Đã gửi yêu cầu #{request.pk}: Giải ngân chờ người thứ hai duyệt."
    )
    assert not approved.transactions.exists()  # nothing posted yet
    assert_fits(page, "2-request-sent")

    page.context.clear_cookies()  # the officer leaves; the controller logs in
    login_as(controller)
    expect(page.locator("#content")).to_contain_text("(1 chờ duyệt)")
    page.goto("/admin/approvals/approvalrequest/?status__exact=pending")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    assert_fits(page, "3-queue")
    page.locator("#result_list tbody tr a").first.click()
    expect(page).to_have_url(re.compile(rf"/approvalrequest/{request.pk}/change/"))
    page.locator("a.button", has_text="Duyệt").click()
    expect(page.locator("h1")).to_have_text(f"Duyệt yêu cầu #{request.pk}")
    assert_fits(page, "4-approve")
    page.click("input[type=submit][value='Duyệt và thực hiện']")
    expect(page.locator(".messagelist .success")).to_have_text(f"Đã duyệt yêu cầu #{request.pk}.")
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.APPROVED
    assert request.checker == controller
    approved.refresh_from_db()
    assert approved.status == LoanStatus.ACTIVE
    entry = approved.transactions.get()
    assert (entry.kind, entry.amount) == (TransactionKind.DISBURSEMENT, 20_000_000)
    assert_fits(page, "5-approved")

    page.goto(f"/admin/loans/loan/{approved.pk}/change/")
    expect(page.locator("#content")).to_contain_text("Đang vay")
    # The journal's one line: the disbursement of 20,000,000 on 10/01/2025, by the officer.
    line = page.locator("tr", has_text="Giải ngân").filter(has_text="10/01/2025")
    expect(line).to_contain_text("20.000.000 ₫")
    expect(line).to_contain_text(officer.username)
    assert_fits(page, "6-loan-disbursed")


def test_a_groups_sheet_is_posted_at_the_session(cast, trio, page, login_as):  # noqa: F811
    login_as(cast.alice)
    page.goto(f"{SESSIONS}/add/")
    expect(page.locator("h1")).to_have_text("Mở phiên giao dịch xã")
    page.select_option("#id_transaction_point", str(trio.point.pk))
    page.fill("#id_session_date", f"{SESSION_DATE:%d/%m/%Y}")
    assert_fits(page, "1-open-session")
    page.click("#content-main input[type=submit]")
    expect(page).to_have_url(re.compile(rf"{SESSIONS}/\d+/change/"))
    session = Session.objects.get()
    expect(page.locator("#content")).to_contain_text(trio.group.name)
    assert_fits(page, "2-session")

    page.locator("a", has_text="Nhập bảng kê 13/TD").click()
    expect(page.locator("h1")).to_contain_text("Bảng kê 13/TD")
    # Each member's interest is pre-filled (tests/sessions/test_session_day.py: 280,274,
    # 112,110 and 56,055 for the 31 days from 10/01 to 09/02/2025); B repays 1,000,000 ahead,
    # so the cash is 280,274 + 112,110 + 56,055 + 1,000,000 = 1,448,439.
    expect(page.locator("[name=l0-interest]")).to_have_value("280.274")
    page.fill("[name=l1-principal]", "1.000.000")
    page.fill("[name=cash_counted]", "1.448.439")
    assert_fits(page, "3-grid")
    page.click("form[data-sheet] input[type=submit]")
    expect(page).to_have_url(re.compile(rf"{SESSIONS}/{session.pk}/change/"))
    expect(page.locator(".messagelist .success")).to_contain_text(
        f"Đã ghi sổ bảng kê của tổ {trio.group}"
    )
    expect(page.locator(".totals-table")).to_contain_text("1.448.439")
    expect(page.locator(".sheet-groups")).to_contain_text("Đã ghi sổ")
    assert CollectionSheet.objects.get().totals["cash"] == 1_448_439
    assert LoanTransaction.objects.filter(value_date=SESSION_DATE).count() == 4
    assert_fits(page, "4-sheet-posted")


def test_a_members_receipt_is_printed_after_the_sheet(cast, trio, page, login_as):  # noqa: F811
    session = Session.objects.create(
        transaction_point=trio.point, session_date=SESSION_DATE, opened_by=cast.alice
    )
    # The sheet posted as tests/sessions/test_admin.py does: each member's interest, 448,439.
    clerk = Client()
    clerk.force_login(cast.alice)
    posted = clerk.post(f"{SESSIONS}/{session.pk}/sheet/{trio.group.pk}/", grid(trio))
    assert posted.status_code == 302
    receipts = list(Receipt.objects.order_by("number"))
    assert len(receipts) == 3
    login_as(cast.alice)
    page.goto(f"{SESSIONS}/{session.pk}/change/")
    page.locator("a", has_text="Biên lai 01/BL").click()
    expect(page.locator("h1")).to_have_text("Biên lai 01/BL")
    printed = page.locator(".receipt")
    expect(printed).to_have_count(3)
    first = printed.filter(has_text=str(receipts[0].borrower))
    expect(first.locator(".form-number")).to_have_text(f"Mẫu số 01/BL · Số {receipts[0].number}")
    expect(first).to_contain_text("BIÊN LAI THU LÃI VÀ TIỀN GỬI TIẾT KIỆM")
    expect(first).to_contain_text(f"{receipts[0].interest:,}".replace(",", "."))
    assert_fits(page, "1-receipts")
