"""The dashboard's panels: a registry, so that a panel whose app is not installed (the sessions,
the approvals) is simply left out, and lights up once the app is there.

Each panel builds its context from a request and the business date (today); a panel that has
nothing to say for the user returns None. Every figure carries the admin list behind it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from tasks.selectors import job_runs_for, runs_needing_attention_for

from . import figures
from .sessions import sessions_of_week

LAST_JOBS = 5


@dataclass(frozen=True)
class Panel:
    """A panel of the dashboard: its template and the function that fills it."""

    key: str
    title: str
    template: str
    build: Callable
    requires: str | None = None  # an app (its name) the panel needs installed


PANELS: list[Panel] = []


def register(key: str, title, *, requires: str | None = None):
    """Add the decorated builder as a panel (in registration order)."""

    def decorator(build: Callable) -> Callable:
        PANELS.append(Panel(key, title, f"desk/panels/{key}.html", build, requires))
        return build

    return decorator


def panels_for(request, *, today: date) -> list[dict]:
    """The panels the user sees, each as {"panel": Panel, **its context}."""
    shown = []
    for panel in PANELS:
        if panel.requires and not apps.is_installed(panel.requires):
            continue
        context = panel.build(request, today)
        if context is not None:
            shown.append({"panel": panel, **context})
    return shown


def admin_list(model_label: str, **params) -> str | None:
    """The admin list of `model_label` ("loans_loan") filtered by `params`; None if the list
    is not in the admin."""
    try:
        url = reverse(f"admin:{model_label}_changelist")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(params)}" if params else url


def day_range(start: date, end: date) -> dict[str, str]:
    """An admin date filter's parameters for [start, end] (its upper bound is exclusive)."""
    return {"__gte": start.isoformat(), "__lt": (end + timedelta(days=1)).isoformat()}


def dated(field: str, start: date, end: date) -> dict[str, str]:
    return {f"{field}{suffix}": value for suffix, value in day_range(start, end).items()}


# --- the panels ------------------------------------------------------------------------------


@register("portfolio", _("Dư nợ"))
def portfolio_panel(request, today: date) -> dict:
    as_of = figures.dashboard_day(today)
    result = figures.portfolio(request.user, as_of=as_of)
    trend = figures.overdue_trend(request.user, before=as_of)
    return {
        "portfolio": result,
        "trend": trend,
        "links": {
            "loans": admin_list("loans_loan", position="owing"),
            "overdue": admin_list("loans_loan", position="overdue"),
            "borrowers": admin_list("borrowers_borrower"),
            "report": admin_list("reports_portfolioreport", as_of=as_of.strftime("%d/%m/%Y")),
        },
    }


@register("today", _("Phát sinh hôm nay"))
def today_panel(request, today: date) -> dict:
    postings = figures.postings_on(request.user, day=today)
    rows = [
        {
            "kind": kind,
            **sums,
            "link": admin_list(
                "loans_loantransaction", kind__exact=kind, **dated("value_date", today, today)
            ),
        }
        for kind, sums in postings.items()
    ]
    return {"day": today, "rows": rows}


@register("due", _("Đến hạn trả gốc trong tuần"))
def due_panel(request, today: date) -> dict:
    due = figures.due_this_week(request.user, today=today)
    return {"due": due, "link": admin_list("loans_loan", due="week")}


@register("sessions", _("Phiên giao dịch trong tuần"))
def sessions_panel(request, today: date) -> dict:
    start, end = figures.week_of(today)
    rows = sessions_of_week(request.user, start=start, end=end)
    return {
        "today": today,
        "start": start,
        "end": end,
        "rows": rows,
        "link": admin_list("point_sessions_session", **dated("session_date", start, end)),
    }


@register("approvals", _("Chờ bạn phê duyệt"), requires="loans.approvals")
def approvals_panel(request, today: date) -> dict | None:
    # The approvals app answers "what waits for this user" (a queryset); until it does, no panel.
    waiting_for = getattr(import_module("loans.approvals.selectors"), "waiting_for", None)
    if waiting_for is None:
        return None
    waiting = waiting_for(request.user)
    opts = waiting.model._meta
    return {"count": waiting.count(), "link": admin_list(f"{opts.app_label}_{opts.model_name}")}


@register("jobs", _("Tác vụ gần đây"))
def jobs_panel(request, today: date) -> dict:
    attention = runs_needing_attention_for(request.user)
    runs = list(job_runs_for(request.user)[:LAST_JOBS])
    return {
        "runs": [(run, reverse("admin:tasks_jobrun_change", args=[run.pk])) for run in runs],
        "attention": attention.count(),
        "link": admin_list("tasks_jobrun"),
        "attention_link": admin_list("tasks_jobrun", status__in="stalled,failed"),
    }


@register("reconciliation", _("Chênh lệch đối chiếu tháng gần nhất"))
def reconciliation_panel(request, today: date) -> dict:
    last = figures.discrepancies_of_last_reconciliation(request.user)
    if last is None:
        return {"last": None}
    pk = last["reconciliation"].pk
    return {
        "last": last,
        "link": admin_list("reconciliation_discrepancy", reconciliation__id__exact=pk),
        "kinds": dict(_kind_labels()),
    }


def _kind_labels():
    from loans.reconciliation.models import Discrepancy

    return Discrepancy.Kind.choices
