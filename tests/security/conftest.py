"""Clients for the edge's tests: alice by token (as a program would) and by session (as the
admin's pages and the Swagger UI would), and a client that returns a 500 instead of raising."""

import pytest
from django.test import Client

from tests.api.conftest import token_client

API = "/api/v1"


@pytest.fixture
def alice_api(cast):
    return token_client(cast.alice)


@pytest.fixture
def alice_browser(cast) -> Client:
    client = Client()
    client.force_login(cast.alice)
    return client


@pytest.fixture
def careless_client() -> Client:
    """A browser that sees what a user would see when a view fails (no exception re-raised)."""
    return Client(raise_request_exception=False)
