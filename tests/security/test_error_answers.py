"""What an error shows: a short page in the interface language, or JSON under the API; never
the URL patterns, a traceback, the settings or the environment."""

import json

import pytest

from .conftest import API

# What Django's debug pages and default error pages print (none of it may appear).
DEBUG_MARKERS = ["URLconf", "urlpatterns", "Traceback", "DATABASE_URL", "s3cret", "settings"]


def assert_plain_page(response, status: int, sentence: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert sentence in body
    for marker in DEBUG_MARKERS:
        assert marker not in body
    assert "api/v1" not in body  # no route of the site is listed


def assert_json(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert isinstance(body, dict) and body.get("detail")
    return body


def test_a_404_under_admin_shows_no_url_patterns(alice_browser):
    response = alice_browser.get("/admin/no-such-page/")
    assert_plain_page(response, 404, "Không tìm thấy trang.")


def test_the_404_page_speaks_the_users_language(alice_browser):
    response = alice_browser.get("/admin/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert_plain_page(response, 404, "Page not found.")


def test_a_404_outside_every_route_is_the_same_page(client):
    assert_plain_page(client.get("/no-such-page/"), 404, "Không tìm thấy trang.")


@pytest.mark.urls("tests.security.urls_with_a_bug")
def test_a_500_shows_neither_traceback_nor_environment(careless_client):
    response = careless_client.get("/admin/broken/")
    assert_plain_page(response, 500, "Lỗi máy chủ.")


@pytest.mark.urls("tests.security.urls_with_a_bug")
def test_a_500_under_the_api_is_json(careless_client):
    body = assert_json(careless_client.get(f"{API}/broken/"), 500)
    assert "s3cret" not in json.dumps(body)


# --- the API answers every 4xx in JSON --------------------------------------------------------


def test_an_api_404_shows_no_url_patterns(alice_api):
    body = assert_json(alice_api.get(f"{API}/no-such-resource/"), 404)
    assert "URLconf" not in json.dumps(body)


def test_a_404_under_api_outside_its_version_is_json(alice_api):
    assert_json(alice_api.get("/api/v2/loans/"), 404)


def test_an_api_405_is_json(alice_api):
    assert_json(alice_api.delete(f"{API}/programmes/"), 405)


def test_an_api_415_is_json(alice_api):
    response = alice_api.post(f"{API}/borrowers/", "name=x", content_type="text/plain")
    assert_json(response, 415)


def test_an_api_400_for_broken_json_is_json(alice_api):
    response = alice_api.post(
        f"{API}/borrowers/", '{"full_name": ', content_type="application/json"
    )
    assert_json(response, 400)


def test_a_json_body_above_the_limit_is_a_json_400(alice_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    body = json.dumps({"full_name": "x" * 200_000})
    response = alice_api.post(f"{API}/borrowers/", body, content_type="application/json")
    assert "100000" in assert_json(response, 400)["detail"]


def test_a_form_body_above_the_limit_is_a_json_400(alice_browser, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = alice_browser.post(f"{API}/borrowers/", {"full_name": "x" * 200_000})
    assert_json(response, 400)


def test_an_unauthenticated_api_call_is_a_json_401(client):
    assert_json(client.get(f"{API}/loans/"), 401)
