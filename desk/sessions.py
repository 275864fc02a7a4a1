"""This week's sessions by transaction point: the points whose fixed session day falls in the
week, and, once the sessions app (`loans.sessions`) is installed, the sessions opened there.
Read through the app registry by name, so the panel lights up when that app arrives and
nothing here imports it."""

import calendar
from datetime import date, timedelta

from django.apps import apps
from django.db.models import Q

from borrowers.selectors import User, scope, transaction_points_for

SESSIONS_APP = "loans.sessions"
SESSIONS_LABEL = "point_sessions"  # "sessions" is django.contrib.sessions


def meeting_day(point_day: int, start: date, end: date) -> date | None:
    """The day of [start, end] on which a point meeting on `point_day` of the month meets
    (clamped to the month's last day, DOMAIN.md §4); None when it does not meet that week."""
    day = start
    while day <= end:
        last = calendar.monthrange(day.year, day.month)[1]
        if min(point_day, last) == day.day:
            return day
        day += timedelta(days=1)
    return None


def _meets_in(start: date, end: date) -> Q:
    days = Q()
    day = start
    while day <= end:
        days |= Q(session_day=day.day)
        if day.day == calendar.monthrange(day.year, day.month)[1]:
            days |= Q(session_day__gt=day.day)
        day += timedelta(days=1)
    return days


def sessions_of_week(user: User, *, start: date, end: date) -> list[dict]:
    """One row per point meeting in [start, end]: the day, the point and its session if one
    was opened, by day then point (one query for the points, one for the sessions)."""
    points = transaction_points_for(user).filter(_meets_in(start, end))
    opened = opened_sessions(user, start, end)
    rows = []
    for point in points:
        day = meeting_day(point.session_day, start, end)
        if day is not None:
            rows.append({"day": day, "point": point, "session": opened.get((day, point.pk))})
    return sorted(rows, key=lambda row: (row["day"], row["point"].office.code, row["point"].code))


def opened_sessions(user: User, start: date, end: date) -> dict:
    """The sessions of [start, end] by (date, point id), when the sessions app is installed."""
    if not apps.is_installed(SESSIONS_APP):
        return {}
    model = apps.get_model(SESSIONS_LABEL, "Session")
    found = scope(
        model.objects.filter(session_date__range=(start, end)),
        user,
        office_field="transaction_point__office",
    )
    return {(row.session_date, row.transaction_point_id): row for row in found}
