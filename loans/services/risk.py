"""Troubled debt: freezing (khoanh nợ) and its end, and write-off (xóa nợ)."""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    Loan,
    LoanFreeze,
    LoanStatus,
    LoanTransaction,
    PostingRequest,
    TransactionKind,
)
from .checks import amounts_owed, check_given, check_open_for_postings, check_value_date, today
from .errors import LoanError
from .idempotency import idempotent, lock
from .journal import post_money
from .status import change_status

FREEZE_YEARS = 3  # Decision 50/2010 (amended by 08/2021): a debt is frozen up to 3 years.


def last_freeze_day(start: date) -> date:
    """The last day a freeze starting on `start` may cover: the day before the same date
    three years on (a freeze from 29 Feb: through 28 Feb, the anniversary being 1 Mar)."""
    try:
        anniversary = start.replace(year=start.year + FREEZE_YEARS)
    except ValueError:  # 29 Feb of a leap year, three years before a common year
        anniversary = date(start.year + FREEZE_YEARS, 3, 1)
    return anniversary - timedelta(days=1)


@transaction.atomic
def freeze(loan: Loan, *, start: date, end: date | None, decision_ref: str, by: User) -> LoanFreeze:
    """Freeze the debt (khoanh nợ) for up to 3 years: no interest accrues while frozen
    (Decision 50/2010/QĐ-TTg as amended by Decision 08/2021/QĐ-TTg). `end` is the last frozen
    day, at most `last_freeze_day(start)`; an open freeze (no end) is ended by `unfreeze`
    on that day at the latest."""
    loan = lock(loan)
    check_open_for_postings(loan)
    decision_ref = check_given(
        decision_ref, field="decision_ref", message=_("Phải ghi số quyết định khoanh nợ.")
    )
    check_value_date(loan, start)
    if end is not None and end < start:
        raise LoanError(_("Ngày kết thúc khoanh nợ không được trước ngày bắt đầu."), field="end")
    if end is not None and end > last_freeze_day(start):
        raise LoanError(
            _("Thời gian khoanh nợ tối đa là 3 năm: ngày cuối cùng là %(d)s.")
            % {"d": f"{last_freeze_day(start):%d/%m/%Y}"},
            field="end",
        )
    record = LoanFreeze.objects.create(
        loan=loan, start=start, end=end, decision_ref=decision_ref, created_by=by
    )
    if end is None or end >= today():  # a freeze already over leaves the loan active
        change_status(loan, LoanStatus.FROZEN, reason="Khoanh nợ", by=by)
    return record


@transaction.atomic
def unfreeze(loan: Loan, *, on: date, by: User) -> LoanFreeze:
    """End the open freeze on `on` (the last frozen day); accrual resumes the day after."""
    loan = lock(loan)
    record = (
        loan.freezes.filter(end__isnull=True).first()
        or loan.freezes.filter(end__gte=today()).first()
    )
    if record is None or loan.status != LoanStatus.FROZEN:
        raise LoanError(_("Khoản vay không đang khoanh nợ."), code="loan_state")
    if on < record.start or on > today():
        raise LoanError(_("Ngày kết thúc khoanh nợ không hợp lệ."), field="on")
    if on > last_freeze_day(record.start):  # an open freeze too ends within 3 years
        raise LoanError(
            _("Thời gian khoanh nợ tối đa là 3 năm: ngày cuối cùng là %(d)s.")
            % {"d": f"{last_freeze_day(record.start):%d/%m/%Y}"},
            field="on",
        )
    record.end = on
    record.save(update_fields=["end"])
    change_status(loan, LoanStatus.ACTIVE, reason="Kết thúc khoanh nợ", by=by)
    return record


class WriteOffPart(models.TextChoices):
    """What a write-off (xóa nợ) clears: Decision 50/2010 (08/2021) allows writing off the
    interest, the principal, or both."""

    ALL = "all", gettext_lazy("Gốc và lãi")
    INTEREST = "interest", gettext_lazy("Chỉ lãi")
    PRINCIPAL = "principal", gettext_lazy("Chỉ gốc")


@idempotent("write_off", many=True)
def write_off(
    loan: Loan,
    *,
    on: date,
    by: User,
    reason: str,
    part: str = WriteOffPart.ALL,
    request: PostingRequest | None = None,
) -> list[LoanTransaction]:
    """Write off (xóa nợ) the outstanding principal, the interest owed through `on`, or both
    (`part`). The loan is written off (closed) once nothing remains owed; a part leaving the
    other owed keeps its status, and that part is collected or written off later."""
    if loan.status not in (LoanStatus.ACTIVE, LoanStatus.FROZEN):
        check_open_for_postings(loan)
    if part not in WriteOffPart.values:
        raise LoanError(_("Phần xóa nợ không hợp lệ."), field="part")
    check_given(reason, field="reason", message=_("Phải ghi căn cứ xóa nợ."))
    check_value_date(loan, on)
    owed = amounts_owed(loan, on)
    entries = []
    posting = {"on": on, "by": by, "request": request, "note": reason}
    if part != WriteOffPart.INTEREST and owed["principal"]:
        entries.append(post_money(loan, TransactionKind.WRITE_OFF, owed["principal"], **posting))
        # Principal written off on `on` earns nothing that day (DOMAIN.md §4).
        owed = amounts_owed(loan, on)
    if part != WriteOffPart.PRINCIPAL and owed["interest"]:
        entries.append(
            post_money(loan, TransactionKind.INTEREST_WRITE_OFF, owed["interest"], **posting)
        )
        owed = {**owed, "interest": 0}
    if not entries:
        raise LoanError(_nothing_left(part), code="loan_state")
    if loan.outstanding_principal == 0 and owed["interest"] == 0:
        change_status(loan, LoanStatus.WRITTEN_OFF, reason="Xóa nợ", by=by)
    return entries


def _nothing_left(part: str) -> str:
    if part == WriteOffPart.INTEREST:
        return _("Khoản vay không còn lãi để xóa.")
    if part == WriteOffPart.PRINCIPAL:
        return _("Khoản vay không còn dư nợ gốc để xóa.")
    return _("Khoản vay không còn dư nợ để xóa.")
