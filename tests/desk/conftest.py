"""The reports' hand-built portfolio (tests/reports/conftest.py), with the nightly job run for
its end of October, so that the dashboard reads the snapshot as an officer's morning would."""

from datetime import timedelta

import pytest
from django.test import Client

from tasks.jobs import run_arrears
from tests.reports.conftest import (  # noqa: F401  (fixtures)
    AS_OF,
    alice_api,
    book,
    carol_api,
    report_settings,
    token_client,
)


@pytest.fixture
def night(book):  # noqa: F811  (the imported fixture)
    """The nightly job run for 30 Sep and 31 Oct 2025 (the dashboard's trend has two months)."""
    run_arrears(as_of=AS_OF.replace(day=1) - timedelta(days=1))
    run_arrears(as_of=AS_OF)
    return book


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_browser(cast):
    return browser(cast.alice)


@pytest.fixture
def bob_browser(cast):
    return browser(cast.bob)


@pytest.fixture
def carol_browser(cast):
    return browser(cast.carol)
