"""Safe defaults: the settings as a fresh process reads them from its environment.

Each case is a new Python process (settings are read once per process), with an environment
that holds only what the case names.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
A_SECRET = "k8Jq2vN5xR7tW1yB4mC6pD9fG3hL0sZaEeUuIiOoPp_-QwErTy"  # 50 random characters
SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
]


def clean_env(**values: str) -> dict[str, str]:
    """The process environment without any of the project's settings, plus `values`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "API_THROTTLE_", "CELERY_"))
    }
    return {**env, **values}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_settings(**env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SETTINGS!r}}}))"
    )
    done = run(["-c", code], DJANGO_SETTINGS_MODULE="config.settings", **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_debug_is_off_unless_asked_for():
    assert read_settings(DJANGO_SECRET_KEY=A_SECRET)["DEBUG"] is False
    assert read_settings(DJANGO_DEBUG="true")["DEBUG"] is True


@pytest.mark.parametrize(
    "key", [None, "", "dev-only-insecure-key-change-me"], ids=["unset", "empty", "published"]
)
def test_without_debug_the_process_refuses_to_start_without_a_real_secret(key):
    env = {} if key is None else {"DJANGO_SECRET_KEY": key}
    done = run(["manage.py", "check"], **env)

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "DJANGO_SECRET_KEY" in done.stderr


def test_with_debug_the_development_key_is_allowed():
    done = run(["manage.py", "check"], DJANGO_DEBUG="true")
    assert done.returncode == 0, done.stderr


def test_plain_http_by_default():
    values = read_settings(DJANGO_SECRET_KEY=A_SECRET)
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_https_turns_on_hsts_redirect_and_secure_cookies():
    values = read_settings(DJANGO_SECRET_KEY=A_SECRET, DJANGO_HTTPS="true")

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000  # a year, what preload lists ask
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_check_deploy_has_nothing_to_say_with_https_and_a_real_secret():
    done = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SECRET_KEY=A_SECRET,
        DJANGO_HTTPS="true",
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_migrate_connects_as_the_owner_when_an_owner_url_is_set(tmp_path):
    app_db, owner_db = tmp_path / "app.sqlite3", tmp_path / "owner.sqlite3"
    done = run(
        ["manage.py", "migrate", "--plan"],
        DJANGO_SECRET_KEY=A_SECRET,
        DATABASE_URL=f"sqlite:///{app_db}",
        DATABASE_OWNER_URL=f"sqlite:///{owner_db}",
    )

    assert done.returncode == 0, done.stderr
    assert owner_db.exists() and not app_db.exists()


def test_other_commands_connect_as_the_app(tmp_path):
    app_db, owner_db = tmp_path / "app.sqlite3", tmp_path / "owner.sqlite3"
    done = run(
        ["manage.py", "showmigrations", "loans"],
        DJANGO_SECRET_KEY=A_SECRET,
        DATABASE_URL=f"sqlite:///{app_db}",
        DATABASE_OWNER_URL=f"sqlite:///{owner_db}",
    )

    assert done.returncode == 0, done.stderr
    assert app_db.exists() and not owner_db.exists()
