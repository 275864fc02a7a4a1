"""Timing pages and endpoints as a superuser (django.test.Client, in this process): the admin's
loan list, the report endpoints, and the monthly reconciliation they read."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from loans.models import Loan
from tasks.jobs import reconciliation

ADMIN_USER = "bench-admin"
# Report endpoints (DESIGN.md "API") and the monthly reconciliation of the last month ended
# on the bench's date ({month}) at each of its levels and its fee statement; {group} is a
# savings group with loans, for its collection list and its loans' reconciliation lines.
_RECONCILIATION = "/api/v1/reconciliations/?month={month:%Y-%m}&level="
REPORT_URLS = {
    "portfolio": "/api/v1/reports/portfolio/?as_of={as_of}",
    "flows": "/api/v1/reports/flows/?from={month}&to={as_of}",
    "arrears_ageing": "/api/v1/reports/arrears-ageing/?as_of={as_of}",
    "decree_28": "/api/v1/reports/decree-28/?as_of={as_of}",
    "reconciliation_offices": _RECONCILIATION + "office",
    "reconciliation_points": _RECONCILIATION + "transaction_point",
    "reconciliation_groups": _RECONCILIATION + "savings_group",
    "reconciliation_associations": _RECONCILIATION + "association",
    "reconciliation_programmes": _RECONCILIATION + "programme",
    "reconciliation_loans_of_a_group": _RECONCILIATION + "loan&savings_group={group}",
    "fee_statement": "/api/v1/reconciliations/fee-statement/?month={month:%Y-%m}",
    "collection_list": (
        "/api/v1/reports/collection-list/?savings_group={group}&session_date={as_of}"
    ),
}


PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def as_in_production() -> override_settings:
    """DEBUG off as in production; the pages' static URLs without a collectstatic manifest (the
    bench times the views, not whitenoise)."""
    return override_settings(
        DEBUG=False, STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}}
    )


def time_pages(urls: dict[str, str], *, calls: int = 10) -> dict[str, dict | None]:
    """p50/p95 of `calls` requests per URL as a superuser, after one warm-up call (timed as
    "first"); None if the URL does not answer 200."""
    user, _ = get_user_model().objects.get_or_create(
        username=ADMIN_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    timings: dict[str, dict | None] = {}
    with as_in_production():
        for name, url in urls.items():
            try:
                resolve(url.split("?")[0])
            except Resolver404:
                timings[name] = None
                continue
            started = time.monotonic()
            first = client.get(url)  # the first call: nothing of it in PostgreSQL's buffers yet
            first_ms = (time.monotonic() - started) * 1000
            if first.status_code != 200:
                timings[name] = None
                continue
            # Where a position report's figures came from: the nightly snapshot or the engine.
            source = (
                first.json().get("source")
                if first["Content-Type"].startswith("application/json")
                else None
            )
            runs = []
            for _ in range(calls):
                started = time.monotonic()
                client.get(url)
                runs.append((time.monotonic() - started) * 1000)
            runs.sort()
            timings[name] = {
                "p50": round(statistics.median(runs), 1),
                "p95": round(runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))], 1),
                "first": round(first_ms, 1),
            } | ({"source": source} if source else {})
    return timings


def time_extras(as_of: dt.date) -> dict:
    """The monthly reconciliation of the last month ended on `as_of` (it runs first: one of
    the endpoints reads it), then the report endpoints."""
    month = reconciliation.previous_month(as_of + dt.timedelta(days=1))
    started = time.monotonic()
    run = reconciliation.run_reconciliation(month=month)
    seconds = round(time.monotonic() - started, 2)
    group = (
        Loan.objects.filter(savings_group__isnull=False, outstanding_principal__gt=0)
        .values_list("savings_group_id", flat=True)
        .first()
    )
    urls = {
        name: url.format(as_of=as_of, month=month, group=group) for name, url in REPORT_URLS.items()
    }
    reports = time_pages(urls)
    notes = [f"report {name} did not answer 200" for name, v in reports.items() if v is None]
    return {
        "reconciliation_s": seconds,
        "reconciliation_month": f"{month:%Y-%m}",
        "reconciliation_status": run.status,
        "report_p95_ms": {k: v["p95"] for k, v in reports.items() if v} or None,
        "report_ms": reports,
        "notes": notes,
    }


def report_timers(
    *, as_of: dt.date | None = None, start: dt.date | None = None, source: str = "auto", user=None
) -> dict[str, Callable[[], None]]:
    """name -> a callable making one report request (a superuser, django.test.Client); each
    raises AssertionError unless the answer is 200. Dates default to yesterday and the 30 days
    before it; `source="engine"` times the computation without the nightly snapshot. The
    report URLs are the project's (config/api.py)."""
    end = as_of or timezone.localdate() - dt.timedelta(days=1)
    start = start or end - dt.timedelta(days=30)
    if user is None:
        user, _created = get_user_model().objects.get_or_create(
            username="report-benchmark", defaults={"is_superuser": True, "is_staff": True}
        )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    day = {"as_of": end.isoformat(), "source": source}
    period = {"from": start.isoformat(), "to": end.isoformat(), "source": source}
    requests = {
        "portfolio": ("report-portfolio", day),
        "portfolio_by_office_and_programme": (
            "report-portfolio",
            {**day, "group_by": "office,programme"},
        ),
        "portfolio_by_commune_xlsx": (
            "report-portfolio",
            {**day, "group_by": "commune", "format": "xlsx"},
        ),
        "flows": ("report-flows", period),
        "arrears_ageing": ("report-arrears-ageing", day),
        "decree_28": ("report-decree-28", {**period, "group_by": "programme,ethnicity"}),
    }

    def timer(url_name: str, params: dict) -> Callable[[], None]:
        def request() -> None:
            response = client.get(reverse(url_name), params)
            assert response.status_code == 200, response.content[:500]

        return request

    return {name: timer(url_name, params) for name, (url_name, params) in requests.items()}
