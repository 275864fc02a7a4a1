"""The demo's open session day: the session of the point whose group holds the most active
loans, on the point's latest session day, left open so that a new user finds the group's sheet
13/TD pre-filled and can post it at once (admin: Phiên giao dịch xã)."""

from django.db.models import Count

from borrowers.models import SavingsGroup
from loans.models import LoanStatus
from loans.services import today
from loans.sessions.forms import last_session_day
from loans.sessions.models import Session, SessionStatus
from loans.sessions.services import open_session

from .history import system_user


def open_demo_session() -> tuple[Session | None, SavingsGroup | None, bool]:
    """(the open session, its group, whether this run opened it); nothing twice."""
    group = (
        SavingsGroup.objects.filter(loans__status=LoanStatus.ACTIVE)
        .annotate(active=Count("loans"))
        .order_by("-active", "pk")
        .select_related("transaction_point")
        .first()
    )
    if group is None:
        return None, None, False
    point = group.transaction_point
    existing = Session.objects.filter(transaction_point=point, status=SessionStatus.OPEN).first()
    if existing is not None:
        return existing, group, False
    on = last_session_day(point, today())
    if Session.objects.filter(transaction_point=point, session_date=on).exists():
        return None, group, False  # that day's session was held and closed
    return open_session(point, on, by=system_user()), group, True


def session_day(book, advance) -> str:
    session, group, opened = open_demo_session()
    if session is None:
        return "Phiên giao dịch mẫu: không mở (chưa có tổ có khoản vay, hoặc phiên đã đóng)"
    state = "mở mới" if opened else "đã có, giữ nguyên"
    return f"Phiên giao dịch mẫu: {session} – tổ {group} ({state})"
