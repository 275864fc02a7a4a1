"""The Content-Security-Policy, and the pages it must not break: the admin, the report pages
(server-drawn SVG charts) and the Swagger UI, served from the site itself (no CDN)."""

import re
from datetime import date

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

import loans.reports.admin  # noqa: F401  (registers the report pages on the admin site)
from loans import services
from tests.conftest import approved_loan

from .conftest import API

# A <script> without src that a browser would run (JSON data blocks are not run), and any
# inline event handler attribute: both refused by `script-src 'self'`.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
FOREIGN_URL = re.compile(r"(?:src|href)=\"(?:https?:)?//", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_runs_under_the_policy(response) -> None:
    assert response.status_code == 200
    page = response.content.decode()
    assert not INLINE_SCRIPT.findall(page)
    assert not INLINE_HANDLER.findall(page)
    assert not FOREIGN_URL.findall(page)


def test_an_admin_page_carries_the_policy(alice_browser):
    response = alice_browser.get("/admin/")
    rules = policy(response)

    assert rules["default-src"] == ["'self'"]
    assert rules["script-src"] == ["'self'"]  # no inline script, no eval, no CDN
    assert rules["object-src"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"]
    assert rules["form-action"] == ["'self'"]
    assert rules["base-uri"] == ["'self'"]


def test_the_login_page_carries_the_policy(client):
    assert policy(client.get("/admin/login/"))["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/login/",
        "/admin/",
        "/admin/loans/loan/",
        "/admin/borrowers/borrower/add/",
        "/admin/loans/loantransaction/",
    ],
)
def test_admin_pages_run_under_the_policy(cast, client, url):
    client.force_login(cast.carol) if url != "/admin/login/" else None
    assert_runs_under_the_policy(client.get(url))


def test_the_language_picker_needs_no_inline_handler(alice_browser):
    page = alice_browser.get("/admin/").content.decode()
    assert "data-submit-on-change" in page
    assert finders.find("vbsp/admin.js")


def test_a_report_page_with_its_charts_runs_under_the_policy(cast, household, client):
    loan = approved_loan(household, "HN", amount=10_000_000, term=24, by=cast.alice)
    services.disburse(loan, amount=10_000_000, on=date(2025, 1, 10), by=cast.alice)
    client.force_login(cast.carol)
    response = client.get(
        reverse("admin:reports_portfolioreport_changelist"), {"as_of": "31/10/2025"}
    )
    assert "<svg" in response.content.decode()
    assert_runs_under_the_policy(response)


def test_the_printable_collection_list_runs_under_the_policy(cast, household, client):
    client.force_login(cast.carol)
    response = client.get(
        "/admin/reconciliation/reconciliation/collection-list/",
        {"savings_group": household.savings_group_id, "session_date": "21/11/2025"},
    )
    assert "data-print" in response.content.decode()  # the print link, bound by admin.js
    assert_runs_under_the_policy(response)


# --- the Swagger UI: from the package, its start-up script from its own URL -----------------


def test_the_swagger_ui_is_served_from_the_site(alice_browser):
    response = alice_browser.get(f"{API}/docs/")
    page = response.content.decode()

    assert_runs_under_the_policy(response)
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", page)
    assert any("swagger-ui-bundle.js" in asset for asset in assets)
    assert all(asset.startswith(("/static/", f"{API}/docs/")) for asset in assets), assets


def test_the_swagger_ui_files_are_this_sites_static_files(alice_browser):
    page = alice_browser.get(f"{API}/docs/").content.decode()
    for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page):
        response = alice_browser.get(asset)
        assert response.status_code == 200, asset  # served by whitenoise
        b"".join(response.streaming_content)


def test_the_swagger_ui_start_up_script_is_a_script_of_its_own(alice_browser):
    page = alice_browser.get(f"{API}/docs/").content.decode()
    script = re.search(r"<script src=\"([^\"]*\?[^\"]*script=[^\"]*)\"", page).group(1)
    response = alice_browser.get(script.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()
