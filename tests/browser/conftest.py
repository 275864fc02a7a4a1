"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
live_server, at the 1366×768 screen of a branch office.

Reusable pieces for every browser test (approvals, sessions, receipts... add theirs here):
- `browser`: one Chromium for all of them (headless, /usr/bin/chromium), closed after the
  last, before the rest of the suite runs;
- `page`: a fresh context and page per test, 1366×768, Vietnamese like the officers' machines;
- `login_as(user)`: logs `user` in through the admin's login form and returns the page;
- `assert_fits(page)`: the page has no horizontal scroll at the window's width;
- `shot(page, name)`: a screenshot of the step under SCREENSHOTS (kept as CI artefacts).

They run in the normal suite; they are skipped only when Chromium or Playwright is missing,
except under BROWSER_TESTS_REQUIRED=1 (.ci/run), where a missing browser fails.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# The books other suites build, for the pages to show: the reports' portfolio (with its
# settings: no snapshot margin) and the reconciliation's June.
from tests.reconciliation.conftest import june  # noqa: F401
from tests.reports.conftest import book, report_settings  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "artefacts" / "screenshots"
SCREEN = {"width": 1366, "height": 768}
PASSWORD = "secret-pass-123"  # tests/factories.py UserFactory

# Browser tests commit (the live server reads from another thread); serialized_rollback
# restores the programmes and fee rules the migrations load.
committed_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Playwright's sync API runs an event loop in the test's thread; the ORM calls of these
    tests (their fixtures, their checks between steps, the database flush) are plain
    synchronous calls, which Django would refuse. Allowed for the browser tests only."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def _required() -> bool:
    return os.environ.get("BROWSER_TESTS_REQUIRED") == "1"


@pytest.fixture(scope="session")
def reference_data(django_db_setup) -> str:
    """What the migrations loaded (programmes, rates, fee rules, the roles' groups), as the test
    database's setup serialized it, read before Playwright starts its event loop: inside it,
    Django may hand the test another connection object that lacks these contents."""
    from django.db import DEFAULT_DB_ALIAS, connections

    return getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", "")


@pytest.fixture(scope="package")
def browser(reference_data):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extras install it
        if _required():
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if _required():
            pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _reference_data_restored(browser, reference_data, transactional_db):
    """Each browser test starts with the migrations' data, whatever the test before flushed:
    serialized_rollback alone depends on the connection object it finds, which the browser's
    event loop may have changed (observed: the programmes gone after the first flush)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import DEFAULT_DB_ALIAS, connections

    from programmes.models import Programme

    if reference_data and not Programme.objects.exists():
        # The flush that lost them re-created the content types and permissions under new ids;
        # the serialized ones (which the roles' groups point at) replace them.
        ContentType.objects.all().delete()
        connections[DEFAULT_DB_ALIAS].creation.deserialize_db_from_string(reference_data)
        ContentType.objects.clear_cache()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        viewport=SCREEN, locale="vi-VN", base_url=live_server.url, accept_downloads=False
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.test_name = request.node.name
    yield tab
    context.close()


@pytest.fixture
def login_as(page):
    """login_as(user) -> the page, on the admin index, logged in through the login form."""

    def login(user, *, password: str = PASSWORD):
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        return page

    return login


def shot(page, name: str) -> Path:
    """Save a full-page screenshot of this step: SCREENSHOTS/<test>/<name>.png."""
    folder = SCREENSHOTS / getattr(page, "test_name", "browser")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def page_width(page) -> dict:
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )


def assert_fits(page, name: str | None = None) -> None:
    """No horizontal scroll at the window's width (1366 px); a screenshot when `name` is given."""
    if name:
        shot(page, name)
    width = page_width(page)
    assert width["scroll"] <= width["inner"], (
        f"{page.url} scrolls horizontally: {width['scroll']} px wide at {width['inner']} px"
    )


def text_of(page) -> str:
    """The visible text of the page's content (not the header and the navigation)."""
    return page.inner_text("#content")
