"""The Văn Quan officer's day in Chromium at 1366×768: log in, the admin index, a household with
a bad then a good citizen ID, the nightly job run from its page, the English switch. Every step
checks what the page says and that it does not scroll sideways."""

import re

import pytest
from playwright.sync_api import expect

from borrowers.models import Borrower
from tasks.models import JobRun

from .conftest import assert_fits, committed_db, text_of

pytestmark = [pytest.mark.browser, committed_db]


def test_the_officer_logs_in_and_sees_the_admin_index(cast, page, login_as):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    assert_fits(page, "1-login")

    login_as(cast.alice)
    expect(page.locator("#site-name")).to_have_text("NHCSXH – Quản lý cho vay")
    expect(page.locator("#user-tools")).to_contain_text("alice")
    # The officer's sections: households and loans are there, in Vietnamese.
    content = text_of(page)
    assert "Hộ vay" in content
    assert "Khoản vay" in content
    assert "Site administration" not in page.content()
    assert_fits(page, "2-admin-index")


def test_a_household_is_refused_with_a_bad_citizen_id_then_saved(cast, household, page, login_as):
    group = household.savings_group
    login_as(cast.alice)
    page.goto("/admin/borrowers/borrower/add/")
    expect(page.locator("h1")).to_contain_text("hộ vay")
    page.fill("#id_full_name", "Lường Thị Mai")
    page.fill("#id_national_id", "02012345678")  # 11 digits: one short
    page.fill("#id_date_of_birth", "17/05/1990")
    page.select_option("#id_gender", "female")
    page.select_option("#id_ethnicity", "Tày")
    page.select_option("#id_household_category", "poor")
    page.fill("#id_village", "Thôn Nà Lầu")
    # The group through its autocomplete, as an officer picks it.
    page.click("#id_savings_group + .select2 .select2-selection")
    page.fill(".select2-search__field", group.name)
    page.locator(".select2-results__option", has_text=group.name).first.click()
    assert_fits(page, "1-household-form")

    page.click("input[name=_save]")
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-national_id .errorlist")).to_have_text(
        "Số CCCD phải gồm đúng 12 chữ số."
    )
    assert "Please correct" not in page.content()
    assert not Borrower.objects.filter(full_name="Lường Thị Mai").exists()
    assert_fits(page, "2-citizen-id-refused")

    page.fill("#id_national_id", "020123456789")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("Lường Thị Mai")
    saved = Borrower.objects.get(national_id="020123456789")
    assert saved.office == cast.van_quan
    assert saved.transaction_point == group.transaction_point
    assert_fits(page, "3-household-saved")


def test_the_nightly_job_runs_from_its_page_and_finishes(cast, household, page, login_as):
    login_as(cast.alice)
    page.goto("/admin/tasks/jobrun/run-arrears/")
    expect(page.locator("h1")).to_have_text("Chạy tính nợ quá hạn")
    # An officer runs it for their own office only: the one choice is Văn Quan.
    offices = page.locator("#id_office option")
    expect(offices).to_have_count(1)
    expect(offices).to_have_text(re.compile("Văn Quan"))
    assert_fits(page, "1-run-form")

    page.click("#content-main input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/tasks/jobrun/\d+/change/"))
    expect(page.locator("#content")).to_contain_text("Hoàn thành", timeout=30_000)
    run = JobRun.objects.get()
    assert run.status == JobRun.Status.DONE
    assert list(run.offices.all()) == [cast.van_quan]
    assert_fits(page, "2-run-finished")


def test_the_language_switch_turns_the_admin_english_and_back(cast, page, login_as):
    login_as(cast.alice)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.select_option(".language-picker select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    content = text_of(page)
    assert "Borrowing households" in content
    assert "Hộ vay" not in content
    assert_fits(page, "1-english")

    page.goto("/admin/borrowers/borrower/add/")
    expect(page.locator("h1")).to_contain_text("borrowing household")
    assert_fits(page, "2-english-form")

    page.select_option(".language-picker select", "vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_contain_text("hộ vay")
