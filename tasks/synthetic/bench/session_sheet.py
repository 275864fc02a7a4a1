"""`session_sheet_ms`: posting a 40-member collection sheet 13/TD at a session, on the
generated portfolio: the groups with the most open loans, one session and one sheet each
(every member pays the interest due as of the session date and deposits 10,000 đồng of
savings), each posting timed, then rolled back so the portfolio stays as generated."""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from borrowers.models import SavingsGroup
from loans.models import Loan, LoanStatus
from loans.sessions import services
from loans.sessions.selectors import sheet

MEMBERS = 40
DEPOSIT = 10_000


def time_session_sheet(as_of: dt.date, *, runs: int = 10) -> dict:
    """p50/p95 of post_sheet on `runs` groups (the largest ones, up to 40 lines each)."""
    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-sessions", password=None)
    groups = list(
        SavingsGroup.objects.filter(loans__status=LoanStatus.ACTIVE)
        .annotate(open_loans=Count("loans"))
        .order_by("-open_loans", "pk")[:runs]
    )
    timings, lines = [], []
    for group in groups:
        with transaction.atomic():
            seconds, count = _post_one(group, as_of, user)
            transaction.set_rollback(True)
        if seconds is not None:
            timings.append(seconds * 1000)
            lines.append(count)
    if not timings:
        return {"session_sheet_ms": None, "session_sheet_lines": None}
    timings.sort()
    return {
        "session_sheet_ms": {
            "p50": round(statistics.median(timings), 1),
            "p95": round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 1),
        },
        "session_sheet_lines": lines,
    }


def _post_one(group: SavingsGroup, as_of: dt.date, user) -> tuple[float | None, int]:
    """Open a session at the group's point, pre-fill its sheet, post it: (seconds, lines)."""
    session = services.open_session(group.transaction_point, as_of, by=user)
    prefilled = sheet(session, group)["lines"]
    active = set(
        Loan.objects.filter(
            pk__in=[line["loan"] for line in prefilled], status=LoanStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    chosen = [line for line in prefilled if line["loan"] in active][:MEMBERS]
    if not chosen:
        return None, 0
    members = sorted({line["borrower"] for line in chosen})
    body = {
        "savings_group": group,
        "lines": [{"loan": line["loan"], "interest": line["interest_due"]} for line in chosen],
        "savings": [{"borrower": member, "deposit": DEPOSIT} for member in members],
    }
    body["cash_counted"] = services.sheet_totals(body)["cash"]
    started = time.monotonic()
    services.post_sheet(session, body, by=user)
    return time.monotonic() - started, len(chosen)
