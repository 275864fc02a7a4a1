"""Guessable logins: django-axes locks an account and an address after ten failures for a
quarter of an hour, the API throttles by address and by user, and passwords follow Django's
four rules. The cast's password is factories.UserFactory's."""

import io
import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from rest_framework.throttling import SimpleRateThrottle

from .conftest import API

LOGIN = "/admin/login/"
RIGHT = "secret-pass-123"
ATTACKER, OFFICE_PC = "203.0.113.7", "10.20.0.15"


def log_in(client, username: str, password: str, *, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_ten_times(client, username: str, *, address: str) -> list[int]:
    return [log_in(client, username, f"guess-{n}", address=address).status_code for n in range(10)]


def test_ten_failures_lock_the_account(cast, client, caplog):
    caplog.set_level(logging.WARNING, logger="axes")
    # Nine failures are answered with the form again; the tenth locks (429).
    assert fail_ten_times(client, "alice", address=ATTACKER) == [200] * 9 + [429]

    eleventh = log_in(client, "alice", "guess-10", address=ATTACKER)
    assert eleventh.status_code == 429
    assert "bị khóa" in eleventh.content.decode()
    assert any("Locking out" in r.getMessage() for r in caplog.records)


def test_the_right_password_is_then_refused(cast, client):
    fail_ten_times(client, "alice", address=ATTACKER)

    response = log_in(client, "alice", RIGHT, address=ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_locked_account_is_refused_from_another_address_too(cast, client):
    fail_ten_times(client, "alice", address=ATTACKER)
    assert log_in(client, "alice", RIGHT, address=OFFICE_PC).status_code == 429


def test_the_locked_address_is_refused_for_another_account(cast, client):
    for n, username in enumerate(["alice", "carol"] * 5):
        log_in(client, username, f"guess-{n}", address=ATTACKER)
    assert log_in(client, "bob", RIGHT, address=ATTACKER).status_code == 429


def test_another_account_from_another_address_still_logs_in(cast, client):
    fail_ten_times(client, "alice", address=ATTACKER)

    response = log_in(client, "bob", RIGHT, address=OFFICE_PC)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.bob.pk)


def test_behind_the_proxy_an_attacker_locks_out_only_their_own_address(cast, client, settings):
    # Every request comes from nginx (127.0.0.1); nginx writes the client's address.
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(username, password, client_ip):
        return client.post(
            LOGIN,
            {"username": username, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.1, {client_ip}",  # the first is the client's claim
        )

    for n, username in enumerate(["alice", "carol"] * 5):
        via_proxy(username, f"guess-{n}", ATTACKER)
    assert via_proxy("bob", RIGHT, ATTACKER).status_code == 429
    assert via_proxy("bob", RIGHT, OFFICE_PC).status_code == 302


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(cast, client):
    for n in range(10):
        client.post(
            LOGIN,
            {"username": "carol", "password": f"guess-{n}"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",  # a new address claimed on every attempt
        )
    assert log_in(client, "bob", RIGHT, address=ATTACKER).status_code == 429


def test_the_lock_lasts_a_quarter_of_an_hour(settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


# --- the API's throttles ---------------------------------------------------------------------


@pytest.fixture
def low_rates(monkeypatch):
    """Rates low enough to reach (the suite runs with rates it never reaches)."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    cache.clear()
    yield
    cache.clear()


def test_the_api_throttles_anonymous_callers(low_rates, client):
    answers = [client.get(f"{API}/loans/").status_code for _ in range(4)]

    assert answers == [401, 401, 401, 429]
    response = client.get(f"{API}/loans/")
    assert response.json()["detail"] and int(response["Retry-After"]) > 0


def test_a_wrong_token_is_throttled_as_anonymous(low_rates, db, client):
    headers = {"Authorization": "Token 0123456789abcdef0123456789abcdef01234567"}
    answers = [client.get(f"{API}/loans/", headers=headers).status_code for _ in range(4)]
    assert answers[-1] == 429


def test_the_api_throttles_each_user(low_rates, alice_api, cast):
    answers = [alice_api.get(f"{API}/programmes/").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


def test_the_rates_come_from_the_environment(settings):
    # pyproject.toml sets the suite's rates through API_THROTTLE_ANON / API_THROTTLE_USER.
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"anon": "1000000/min", "user": "1000000/min"}


# --- password rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["12345678", "password", "vbsp26", "alice.vanquan", "0912345678901"],
    ids=["numeric", "common", "short", "like-the-username", "phone-number"],
)
def test_weak_passwords_are_refused(cast, password):
    cast.alice.username = "alice.vanquan"
    with pytest.raises(ValidationError):
        validate_password(password, user=cast.alice)


def test_a_long_uncommon_password_is_accepted(cast):
    validate_password("Ruộng bậc thang Hoàng Su Phì 2026", user=cast.alice)


# --- demo logins -----------------------------------------------------------------------------


def demo_logins() -> str:
    out = io.StringIO()
    call_command("create_demo_logins", stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    return re.search(r"user: admin  password: (\S+)", output).group(1)


def test_demo_logins_get_a_new_random_password_each_run(cast, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first, second = printed_password(demo_logins()), printed_password(demo_logins())

    assert first != second and len(second) >= 16
    assert "vbsp-demo-2026" not in (first, second)
    users = get_user_model().objects
    assert users.get(username="admin").check_password(second)
    assert users.get(username="canbo.vanquan").check_password(second)


def test_demo_logins_print_no_url(cast, monkeypatch):
    # `make run` prints the address it really serves; the command has no way to know it.
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    assert "http" not in demo_logins()


def test_a_weak_demo_password_is_refused(cast, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        demo_logins()
