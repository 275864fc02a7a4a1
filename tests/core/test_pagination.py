"""Pages are strict, and the schema states their bounds (issue 12, item 7): a page is a whole
number from 1, a page size one from 1 to 500 (`core.api.StandardPagination`)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.api.conftest import token_client

OFFICES = "/api/v1/offices/"


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "abc"},
        {"page_size": "0"},
        {"page_size": "501"},
        {"page_size": ""},
        {"page_size": "+5"},
        {"page_size": "1_0"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "last"},
        {"page": ""},
    ],
)
def test_a_page_or_page_size_out_of_its_bounds_is_a_400_on_that_parameter(cast, query):
    response = token_client(cast.carol).get(OFFICES, query)
    assert response.status_code == 400, response.json()
    assert list(response.json()) == list(query)


def test_a_page_size_within_its_bounds_pages(cast):
    # The cast has two offices: one a page, so the second page is the last.
    response = token_client(cast.carol).get(OFFICES, {"page_size": "1", "page": "2"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"] is None


def test_a_page_past_the_last_is_not_found(cast):
    assert token_client(cast.carol).get(OFFICES, {"page": "3"}).status_code == 404


def test_a_page_size_given_twice_is_refused(cast):
    response = token_client(cast.carol).get(f"{OFFICES}?page_size=1&page_size=2")
    assert response.status_code == 400


def test_the_schema_states_the_bounds():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"]: p["schema"] for p in schema["paths"][OFFICES]["get"]["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500}
    # and no string query parameter takes a NUL (the middleware refuses one with a 400)
    assert parameters["code"]["pattern"] == "^[^\\u0000]*$"
