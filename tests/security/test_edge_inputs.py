"""Inputs at the edge, before any serializer: NUL characters, JSON nesting and duplicate keys."""

import io
import json
from datetime import date

import pytest
from rest_framework.exceptions import ParseError

from core.parsers import MAX_DEPTH, StrictJSONParser
from loans import services
from tests.conftest import approved_loan

from .conftest import API


def parse(text: str):
    return StrictJSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- NUL characters --------------------------------------------------------------------------


def test_a_nul_in_the_admins_autocomplete_query_is_a_400(alice_browser):
    # On PostgreSQL this was a 500 (psycopg.DataError: the database cannot hold a NUL).
    response = alice_browser.get(
        "/admin/autocomplete/",
        {
            "term": "\x00",
            "app_label": "borrowers",
            "model_name": "borrower",
            "field_name": "savings_group",
        },
    )
    assert response.status_code == 400


def test_a_nul_in_an_api_query_is_a_json_400(alice_api):
    response = alice_api.get(f"{API}/borrowers/", {"search": "Vi\x00"})
    assert response.status_code == 400
    assert response.json() == {"search": ["Không được chứa ký tự NUL."]}


def test_a_nul_in_an_api_query_parameters_name_is_a_json_400(alice_api):
    response = alice_api.get(f"{API}/borrowers/?a%00b=1")
    assert response.status_code == 400
    assert response.json() == {"detail": "Yêu cầu không được chứa ký tự NUL."}


def test_a_nul_in_a_form_field_is_a_400(client):
    response = client.post("/admin/login/", {"username": "alice\x00", "password": "x"})
    assert response.status_code == 400


def test_a_nul_in_the_path_is_a_400(alice_browser):
    assert alice_browser.get("/admin/borrowers/borrower/%00/change/").status_code == 400


def test_a_nul_escape_in_json_is_a_400(alice_api):
    body = '{"full_name": "Vi\\u0000"}'
    response = alice_api.post(f"{API}/borrowers/", body, content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_an_escaped_backslash_before_u0000_is_no_nul():
    assert parse('{"note": "C:\\\\u0000"}') == {"note": "C:\\u0000"}


# --- JSON nesting ----------------------------------------------------------------------------


def test_json_nested_to_the_limit_is_parsed():
    assert parse(nested(MAX_DEPTH)) is not None
    assert parse('{"a": ' * (MAX_DEPTH - 1) + "[]" + "}" * (MAX_DEPTH - 1)) is not None


def test_json_nested_past_the_limit_is_refused():
    with pytest.raises(ParseError, match="lồng quá sâu"):
        parse(nested(MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"note": "[" * 100 + '"{' * 50})
    assert parse(text) == json.loads(text)


def test_a_posting_body_of_100000_nested_brackets_is_a_json_400(cast, household, alice_api):
    # It was a RecursionError in the decoder: a 500, and with DEBUG the environment in full.
    loan = approved_loan(household, "HN", amount=10_000_000, term=24, by=cast.alice)
    services.disburse(loan, amount=10_000_000, on=date(2025, 1, 10), by=cast.alice)
    response = alice_api.post(
        f"{API}/loans/{loan.pk}/repayments/", nested(100_000), content_type="application/json"
    )
    assert response.status_code == 400
    assert "lồng quá sâu" in response.json()["detail"]


# --- duplicate keys --------------------------------------------------------------------------


def test_a_duplicate_key_is_refused():
    with pytest.raises(ParseError, match="amount"):
        parse('{"amount": 1, "value_date": "2025-02-10", "amount": 1000000}')


def test_a_duplicate_key_deep_inside_is_refused():
    with pytest.raises(ParseError):
        parse('{"lines": [{"a": 1, "a": 2}]}')


def test_a_duplicate_key_in_an_api_body_is_a_json_400(alice_api):
    body = '{"full_name": "Vi Văn Thắng", "full_name": "Hoàng Thị Mai"}'
    response = alice_api.post(f"{API}/borrowers/", body, content_type="application/json")
    assert response.status_code == 400
    assert "full_name" in response.json()["detail"]


def test_nan_and_infinity_are_not_numbers():
    with pytest.raises(ParseError):
        parse('{"amount": NaN}')


# --- empty filter values ---------------------------------------------------------------------


def test_an_empty_typed_filter_is_a_400_on_that_field(alice_api):
    # CI's schemathesis found `?commune=` answered with every point: an empty id is not "any".
    for query in ("commune=", "session_day=", "office=&commune=1", "commune=1&commune="):
        response = alice_api.get(f"{API}/transaction-points/?{query}")
        assert response.status_code == 400, query
    answer = alice_api.get(f"{API}/transaction-points/?session_day=&commune=").json()
    assert answer == {
        "session_day": ["Trường này không được để trống."],
        "commune": ["Trường này không được để trống."],
    }


def test_an_empty_text_filter_still_filters_nothing_out(alice_api):
    everything = alice_api.get(f"{API}/savings-groups/").json()["count"]
    assert alice_api.get(f"{API}/savings-groups/?village=").json()["count"] == everything
    assert alice_api.get(f"{API}/transaction-points/?code=").status_code == 200
