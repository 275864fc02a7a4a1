"""Changes to the principal schedule: extension (gia hạn nợ) and adjustment (điều chỉnh kỳ hạn).

Each writes a new schedule version in force from the decision date, so positions before it
keep the old schedule (DOMAIN.md §3).
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Loan, ScheduleVersion
from .checks import check_given, check_open_for_postings, today
from .errors import LoanError
from .idempotency import lock
from .journal import current_rows, write_schedule


@transaction.atomic
def extend_due_date(
    loan: Loan, *, due_date: date, new_due_date: date, on: date, by: User, reason: str
) -> ScheduleVersion:
    """Extend an instalment (gia hạn nợ): its due date moves beyond the original. A new schedule
    version in force from the decision date `on` keeps the old one for earlier positions."""
    loan = lock(loan)
    check_open_for_postings(loan)
    check_given(reason, field="reason", message=_("Phải ghi lý do gia hạn."))
    if on > today():
        raise LoanError(_("Ngày quyết định không được sau ngày hôm nay."), field="on")
    rows = current_rows(loan)
    if due_date not in {due for due, _amount in rows}:
        raise LoanError(_("Không có kỳ trả gốc vào ngày này."), field="due_date")
    if new_due_date <= due_date:
        raise LoanError(_("Ngày đến hạn mới phải sau ngày đến hạn cũ."), field="new_due_date")
    moved = [(new_due_date if due == due_date else due, amount) for due, amount in rows]
    return write_schedule(loan, moved, effective_from=on, reason="extension", by=by, note=reason)


@transaction.atomic
def adjust_schedule(
    loan: Loan, *, rows: list[tuple[date, int]], on: date, by: User, reason: str
) -> ScheduleVersion:
    """Adjust the schedule (điều chỉnh kỳ hạn): instalments moved within the term, same total."""
    loan = lock(loan)
    check_open_for_postings(loan)
    current = current_rows(loan)
    check_given(reason, field="reason", message=_("Phải ghi lý do điều chỉnh."))
    if not rows or any(amount <= 0 for _due, amount in rows):
        raise LoanError(_("Mỗi kỳ phải có số gốc lớn hơn 0."), field="rows")
    if sum(a for _d, a in rows) != sum(a for _d, a in current):
        raise LoanError(_("Tổng gốc các kỳ phải bằng tổng gốc của lịch hiện tại."), field="rows")
    term_end = max(due for due, _amount in current)
    if max(due for due, _amount in rows) > term_end:
        raise LoanError(
            _("Điều chỉnh kỳ hạn chỉ trong thời hạn vay; muốn vượt thời hạn hãy gia hạn nợ."),
            field="rows",
        )
    return write_schedule(loan, rows, effective_from=on, reason="adjustment", by=by, note=reason)
