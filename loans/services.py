"""Every change of money goes through here: one function per operation, each in a transaction,
each locking the loan row, checking the rule, and appending to the journal (DESIGN.md "Ledger").
"""

import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.models import Borrower
from core.money import group_digits
from programmes.models import LoanPurpose, Programme

from . import positions as engine
from .models import (
    Instalment,
    Loan,
    LoanFreeze,
    LoanStatus,
    LoanTransaction,
    PostingRequest,
    ScheduleVersion,
    TransactionKind,
)
from .selectors import position_of

MAX_FREEZE_DAYS = 3 * 366  # Decision 50/2010 (amended by 08/2021): up to 3 years.


class LoanError(Exception):
    """A broken business rule, with a message a branch officer understands."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class IdempotencyConflict(LoanError):
    """The same idempotency key was sent with a different request."""


def today() -> date:
    return timezone.localdate()


# --- helpers ---------------------------------------------------------------------------------


def _lock(loan: Loan) -> Loan:
    return Loan.objects.select_for_update().get(pk=loan.pk)


def _fingerprint(operation: str, loan: Loan, params: dict[str, Any]) -> str:
    payload = json.dumps([operation, loan.pk, params], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def idempotent(operation: str, *, many: bool = False) -> Callable:
    """Make a posting service honour `key`: a replay returns the first result, unchanged.

    The loan row is locked before the key is looked up, so two concurrent requests with one
    key are serialised and the second one finds the first one's record. `many`: the service
    returns a list of entries (a replay must too, even when the list has one entry).
    """

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(loan: Loan, *, key: str | None = None, **params: Any):
            with transaction.atomic():
                locked = _lock(loan)
                if key is None:
                    return func(locked, request=None, **params)
                fingerprint = _fingerprint(operation, locked, _plain(params))
                existing = PostingRequest.objects.filter(key=key).first()
                if existing is not None:
                    if existing.fingerprint != fingerprint or existing.loan_id != locked.pk:
                        raise IdempotencyConflict(
                            _("Khóa chống trùng này đã được dùng cho một yêu cầu khác."),
                            code="idempotency_conflict",
                        )
                    entries = list(existing.transactions.order_by("id"))
                    return entries if many else entries[0]
                try:
                    with transaction.atomic():
                        request = PostingRequest.objects.create(
                            key=key, loan=locked, operation=operation, fingerprint=fingerprint
                        )
                except IntegrityError as exc:  # the key was taken by another loan meanwhile
                    raise IdempotencyConflict(
                        _("Khóa chống trùng này đã được dùng cho một yêu cầu khác."),
                        code="idempotency_conflict",
                    ) from exc
                return func(locked, request=request, **params)

        return wrapper

    return decorator


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """The business parameters of a request (not who sent it) for the idempotency fingerprint."""
    return {k: v for k, v in params.items() if k != "by"}


def _post(
    loan: Loan,
    *,
    kind: str,
    amount: int,
    on: date,
    by,
    request: PostingRequest | None,
    receipt_number: str = "",
    note: str = "",
    reverses: LoanTransaction | None = None,
) -> LoanTransaction:
    return LoanTransaction.objects.create(
        loan=loan,
        kind=kind,
        amount=amount,
        value_date=on,
        office_id=loan.office_id,
        transaction_point_id=loan.transaction_point_id,
        receipt_number=receipt_number,
        note=note,
        reverses=reverses,
        posted_by=by,
        request=request,
    )


# Which cached total each money kind moves (sign +1 on posting, -1 on reversal).
_CACHE_FIELD = {
    TransactionKind.DISBURSEMENT: "disbursed_total",
    TransactionKind.PRINCIPAL_REPAYMENT: "principal_repaid_total",
    TransactionKind.WRITE_OFF: "written_off_total",
    TransactionKind.INTEREST_PAYMENT: "interest_paid_total",
    TransactionKind.INTEREST_WRITE_OFF: "interest_written_off_total",
}
_OUTSTANDING_SIGN = {
    TransactionKind.DISBURSEMENT: 1,
    TransactionKind.PRINCIPAL_REPAYMENT: -1,
    TransactionKind.WRITE_OFF: -1,
}


def _apply_to_cache(loan: Loan, kind: str, amount: int, *, status: str | None = None) -> None:
    """Move the cached balances by one journal entry (amount negative for a reversal)."""
    updates: dict[str, Any] = {_CACHE_FIELD[kind]: F(_CACHE_FIELD[kind]) + amount}
    if kind in _OUTSTANDING_SIGN:
        updates["outstanding_principal"] = (
            F("outstanding_principal") + _OUTSTANDING_SIGN[kind] * amount
        )
    if status is not None:
        updates["status"] = status
    Loan.objects.filter(pk=loan.pk).update(**updates)
    loan.refresh_from_db()


def _check_value_date(loan: Loan, on: date) -> None:
    if on > today():
        raise LoanError(_("Ngày giá trị không được sau ngày hôm nay."), field="value_date")
    if loan.first_disbursed_on and on < loan.first_disbursed_on:
        raise LoanError(
            _("Ngày giá trị không được trước ngày giải ngân đầu tiên (%(d)s).")
            % {"d": f"{loan.first_disbursed_on:%d/%m/%Y}"},
            field="value_date",
        )


def _check_open_for_postings(loan: Loan) -> None:
    messages = {
        LoanStatus.APPROVED: _("Khoản vay chưa giải ngân."),
        LoanStatus.FROZEN: _("Khoản vay đang được khoanh nợ, không được ghi giao dịch."),
        LoanStatus.CLOSED: _("Khoản vay đã tất toán, không được ghi giao dịch."),
        LoanStatus.WRITTEN_OFF: _("Khoản vay đã được xóa nợ, không được ghi giao dịch."),
    }
    if loan.status in messages:
        raise LoanError(messages[loan.status], code="loan_state")


def _positive(amount: int | None, field: str) -> int:
    if amount is None or isinstance(amount, bool) or not isinstance(amount, int):
        raise LoanError(_("Số tiền phải là số nguyên đồng."), field=field)
    if amount <= 0:
        raise LoanError(_("Số tiền phải lớn hơn 0."), field=field)
    return amount


def _write_schedule(
    loan: Loan, rows: list[tuple[date, int]], *, effective_from: date, reason: str, by, note=""
) -> ScheduleVersion:
    last = loan.schedule_versions.order_by("-number").first()
    version = ScheduleVersion.objects.create(
        loan=loan,
        number=(last.number + 1) if last else 1,
        effective_from=effective_from,
        reason=reason,
        note=note,
        created_by=by,
    )
    Instalment.objects.bulk_create(
        Instalment(version=version, loan=loan, seq=i, due_date=due, principal=amount)
        for i, (due, amount) in enumerate(sorted(rows), start=1)
    )
    return version


def _current_rows(loan: Loan) -> list[tuple[date, int]]:
    version = loan.schedule_versions.order_by("-number").first()
    if version is None:
        return []
    return list(version.instalments.order_by("seq").values_list("due_date", "principal"))


# --- loans -----------------------------------------------------------------------------------


@transaction.atomic
def create_loan(
    *,
    borrower: Borrower,
    programme: Programme,
    amount: int,
    term_months: int,
    approved_on: date,
    by,
    grace_months: int | None = None,
    principal_frequency_months: int = 6,
    due_day: int | None = None,
    purpose: LoanPurpose | None = None,
    approved_list_ref: str = "",
    approved_list_date: date | None = None,
    contract_number: str | None = None,
) -> Loan:
    """Approve a loan (thông báo 04/TD) after the programme's eligibility rules (DOMAIN.md §2)."""
    Borrower.objects.select_for_update().get(pk=borrower.pk)  # serialise a household's approvals
    amount = _positive(amount, "amount")
    grace = programme.grace_months if grace_months is None else grace_months
    _check_eligibility(
        borrower=borrower,
        programme=programme,
        purpose=purpose,
        amount=amount,
        term_months=term_months,
        grace_months=grace,
        frequency=principal_frequency_months,
        approved_on=approved_on,
        approved_list_ref=approved_list_ref,
    )
    if due_day is not None and not 1 <= due_day <= 31:
        raise LoanError(_("Ngày trả nợ phải từ 1 đến 31."), field="due_day")
    point = borrower.transaction_point
    loan = Loan.objects.create(
        contract_number=contract_number or _next_contract_number(borrower),
        borrower=borrower,
        programme=programme,
        purpose=purpose,
        savings_group=borrower.savings_group,
        transaction_point=point,
        office_id=borrower.office_id,
        approved_amount=amount,
        term_months=term_months,
        grace_months=grace,
        principal_frequency_months=principal_frequency_months,
        due_day=due_day or point.session_day,
        approved_on=approved_on,
        approved_list_ref=approved_list_ref,
        approved_list_date=approved_list_date,
        created_by=by,
    )
    return loan


def _next_contract_number(borrower: Borrower) -> str:
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"{borrower.office.code}-{borrower.pk}-{stamp}"


def _check_eligibility(
    *,
    borrower: Borrower,
    programme: Programme,
    purpose: LoanPurpose | None,
    amount: int,
    term_months: int,
    grace_months: int,
    frequency: int,
    approved_on: date,
    approved_list_ref: str,
) -> None:
    if not programme.is_active:
        raise LoanError(_("Chương trình này không còn áp dụng."), field="programme")
    if purpose is not None and purpose.programme_id != programme.pk:
        raise LoanError(_("Dòng vay không thuộc chương trình đã chọn."), field="purpose")
    if approved_on > today():
        raise LoanError(_("Ngày phê duyệt không được sau ngày hôm nay."), field="approved_on")
    categories = programme.borrower_categories or []
    if categories and borrower.household_category not in categories:
        raise LoanError(
            _("Hộ thuộc loại “%(cat)s” không thuộc đối tượng của chương trình %(code)s.")
            % {"cat": borrower.get_household_category_display(), "code": programme.code},
            field="borrower",
        )
    if not 1 <= term_months <= programme.max_term_months:
        raise LoanError(
            _("Thời hạn vay tối đa của chương trình là %(n)s tháng.")
            % {"n": programme.max_term_months},
            field="term_months",
        )
    if grace_months > programme.max_grace_months or grace_months >= term_months:
        raise LoanError(
            _("Thời gian ân hạn tối đa là %(n)s tháng và phải ngắn hơn thời hạn vay.")
            % {"n": programme.max_grace_months},
            field="grace_months",
        )
    if frequency not in (1, 3, 6, 12):
        raise LoanError(
            _("Kỳ hạn trả gốc phải là 1, 3, 6 hoặc 12 tháng."), field="principal_frequency_months"
        )
    if programme.channel == "entrusted" and borrower.savings_group_id is None:
        raise LoanError(
            _("Chương trình cho vay ủy thác: hộ vay phải là thành viên một tổ TK&VV."),
            field="borrower",
        )
    if programme.requires_approved_list and not approved_list_ref.strip():
        raise LoanError(
            _("Phải ghi số quyết định phê duyệt danh sách hộ được vay (Nghị định 28/2022)."),
            field="approved_list_ref",
        )
    _check_caps(borrower=borrower, programme=programme, purpose=purpose, amount=amount)
    if programme.exclusive_group:
        taken = Loan.objects.filter(
            borrower=borrower, programme__exclusive_group=programme.exclusive_group
        ).exists()
        if taken:
            raise LoanError(
                _(
                    "Hộ đã vay một dòng vay của nhóm %(group)s; mỗi hộ chỉ được vay một trong "
                    "đất sản xuất hoặc chuyển đổi nghề (Nghị định 28/2022)."
                )
                % {"group": programme.exclusive_group},
                field="programme",
            )


def _check_caps(
    *, borrower: Borrower, programme: Programme, purpose: LoanPurpose | None, amount: int
) -> None:
    caps = [c for c in (programme.max_amount, purpose.max_amount if purpose else None) if c]
    if not caps:
        return
    cap = min(caps)
    if amount > cap:
        raise LoanError(
            _("Số tiền vượt mức cho vay tối đa %(cap)s đồng của chương trình.")
            % {"cap": group_digits(cap)},
            field="amount",
        )
    # The cap is per household: the approved amounts of its open loans in the programme count.
    open_loans = Loan.objects.filter(borrower=borrower, programme=programme).exclude(
        status__in=[LoanStatus.CLOSED, LoanStatus.WRITTEN_OFF]
    )
    held = sum(open_loans.values_list("approved_amount", flat=True))
    if held + amount > cap:
        raise LoanError(
            _(
                "Tổng mức vay của hộ trong chương trình (%(held)s đồng đang vay) vượt mức tối đa "
                "%(cap)s đồng."
            )
            % {"held": group_digits(held), "cap": group_digits(cap)},
            field="amount",
        )


# --- disbursement ----------------------------------------------------------------------------


@idempotent("disbursement")
def disburse(
    loan: Loan, *, amount: int, on: date, by, request=None, receipt_number: str = ""
) -> LoanTransaction:
    """Disburse a tranche (giải ngân) at or below the approved amount; the first one fixes the
    contract rate (the programme's rate in force that day) and the schedule (DOMAIN.md §4)."""
    amount = _positive(amount, "amount")
    if loan.status not in (LoanStatus.APPROVED, LoanStatus.ACTIVE):
        _check_open_for_postings(loan)
    if on > today():
        raise LoanError(_("Ngày giải ngân không được sau ngày hôm nay."), field="value_date")
    if on < loan.approved_on:
        raise LoanError(_("Ngày giải ngân không được trước ngày phê duyệt."), field="value_date")
    if loan.disbursed_total + amount > loan.approved_amount:
        remaining = loan.approved_amount - loan.disbursed_total
        raise LoanError(
            _("Số tiền giải ngân vượt số còn được giải ngân (%(left)s đồng).")
            % {"left": group_digits(remaining)},
            field="amount",
        )
    if loan.first_disbursed_on is None:
        _first_disbursement(loan, amount=amount, on=on, by=by)
    else:
        if on < loan.first_disbursed_on:
            raise LoanError(_("Đợt giải ngân sau không được trước đợt đầu."), field="value_date")
        try:
            rows = engine.spread_tranche(schedule=_current_rows(loan), amount=amount, on=on)
        except ValueError as exc:
            raise LoanError(
                _("Không còn kỳ trả gốc nào sau ngày giải ngân; không thể giải ngân thêm."),
                field="value_date",
            ) from exc
        _write_schedule(loan, rows, effective_from=on, reason="disbursement", by=by)
    entry = _post(
        loan,
        kind=TransactionKind.DISBURSEMENT,
        amount=amount,
        on=on,
        by=by,
        request=request,
        receipt_number=receipt_number,
    )
    _apply_to_cache(loan, TransactionKind.DISBURSEMENT, amount, status=LoanStatus.ACTIVE)
    return entry


def _first_disbursement(loan: Loan, *, amount: int, on: date, by) -> None:
    rate = loan.programme.rate_on(on, loan.borrower.household_category)
    if rate is None:
        raise LoanError(
            _("Chương trình chưa có lãi suất hiệu lực vào ngày giải ngân."), field="value_date"
        )
    loan.contract_rate = rate.annual_rate
    loan.first_disbursed_on = on
    loan.save(update_fields=["contract_rate", "first_disbursed_on"])
    rows = engine.build_schedule(
        principal=amount,
        first_disbursed_on=on,
        term_months=loan.term_months,
        grace_months=loan.grace_months,
        frequency_months=loan.principal_frequency_months,
        due_day=loan.due_day,
    )
    _write_schedule(loan, rows, effective_from=on, reason="disbursement", by=by)


# --- repayment -------------------------------------------------------------------------------


def _amounts_owed(loan: Loan, on: date) -> dict[str, int]:
    """What the borrower owes on `on`: principal outstanding, interest in arrears (due, unpaid),
    and interest owed including the open period's accrual."""
    position = position_of(loan, as_of=on)
    settled = loan.interest_paid_total + loan.interest_written_off_total
    return {
        "principal": min(position["outstanding_principal"], loan.outstanding_principal),
        "interest_arrears": max(0, position["interest_due"] - settled),
        "interest": max(
            0, position["interest_due"] + position["interest_accrued_not_due"] - settled
        ),
    }


@idempotent("repayment", many=True)
def record_repayment(
    loan: Loan,
    *,
    on: date,
    by,
    principal: int | None = None,
    interest: int | None = None,
    amount: int | None = None,
    request=None,
    receipt_number: str = "",
) -> list[LoanTransaction]:
    """Record a repayment (thu nợ) as on the receipt: principal and interest separately, or a
    total allocated to interest due first, then principal oldest instalment first (DOMAIN.md §4).
    Paying all principal and all interest owed closes the loan (tất toán)."""
    _check_open_for_postings(loan)
    _check_value_date(loan, on)
    owed = _amounts_owed(loan, on)
    if amount is not None:
        principal, interest = _split_total(amount, owed, separate=(principal, interest))
    else:
        principal, interest = _checked_parts(principal, interest, owed)
    entries = []
    posting = {"on": on, "by": by, "request": request, "receipt_number": receipt_number}
    if principal:
        entries.append(_post_money(loan, TransactionKind.PRINCIPAL_REPAYMENT, principal, **posting))
        if interest or loan.outstanding_principal == 0:
            # Principal repaid on `on` earns nothing that day (the balance at the end of a day
            # earns its interest, DOMAIN.md §4), so interest is owed as of after the repayment.
            owed = _amounts_owed(loan, on)
    if interest > owed["interest"]:
        raise LoanError(
            _("Số lãi trả lớn hơn số lãi phải trả đến ngày (%(owed)s đồng).")
            % {"owed": group_digits(owed["interest"])},
            field="interest",
        )
    if interest:
        entries.append(_post_money(loan, TransactionKind.INTEREST_PAYMENT, interest, **posting))
    if loan.outstanding_principal == 0 and interest >= owed["interest"]:
        Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.CLOSED)
        loan.status = LoanStatus.CLOSED
    return entries


def _post_money(loan: Loan, kind: str, amount: int, **posting: Any) -> LoanTransaction:
    """Append one money entry and move the cached balances with it."""
    entry = _post(loan, kind=kind, amount=amount, **posting)
    _apply_to_cache(loan, kind, amount)
    return entry


def _split_total(amount: int, owed: dict[str, int], *, separate: tuple) -> tuple[int, int]:
    """(principal, interest) of a total: interest in arrears first, the rest to principal."""
    if any(part is not None for part in separate):
        raise LoanError(
            _("Nhập tổng số tiền hoặc tách gốc và lãi, không nhập cả hai."), field="amount"
        )
    amount = _positive(amount, "amount")
    interest = min(amount, owed["interest_arrears"])
    if amount - interest > owed["principal"]:
        raise LoanError(
            _("Số tiền trả (%(paid)s đồng) lớn hơn số nợ phải trả (%(owed)s đồng).")
            % {
                "paid": group_digits(amount),
                "owed": group_digits(owed["interest_arrears"] + owed["principal"]),
            },
            field="amount",
        )
    return amount - interest, interest


def _checked_parts(
    principal: int | None, interest: int | None, owed: dict[str, int]
) -> tuple[int, int]:
    """(principal, interest) entered separately: whole đồng, not both zero, principal owed.
    Interest is checked by the caller, after the principal part is applied."""
    principal, interest = principal or 0, interest or 0
    for value, field in ((principal, "principal"), (interest, "interest")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise LoanError(_("Số tiền phải là số nguyên đồng không âm."), field=field)
    if principal == 0 and interest == 0:
        raise LoanError(_("Số tiền phải lớn hơn 0."), field="principal")
    if principal > owed["principal"]:
        raise LoanError(
            _("Số gốc trả lớn hơn dư nợ (%(owed)s đồng).")
            % {"owed": group_digits(owed["principal"])},
            field="principal",
        )
    return principal, interest


# --- reversal --------------------------------------------------------------------------------

REVERSIBLE = set(_CACHE_FIELD)


def reverse(entry: LoanTransaction, *, reason: str, by, key: str | None = None) -> LoanTransaction:
    """Reverse a mistaken entry (hủy bút toán) with a reason; an entry is reversed at most once.
    The reversal carries the original's value date, so positions as of any date exclude both."""
    return _reverse(entry.loan, entry_id=entry.pk, reason=reason, by=by, key=key)


@idempotent("reversal")
def _reverse(loan: Loan, *, entry_id: int, reason: str, by, request=None) -> LoanTransaction:
    entry = LoanTransaction.objects.filter(pk=entry_id, loan=loan).first()
    if entry is None:
        raise LoanError(_("Không tìm thấy bút toán của khoản vay này."), field="transaction")
    if not (reason or "").strip():
        raise LoanError(_("Phải ghi lý do hủy bút toán."), field="reason")
    if entry.kind not in REVERSIBLE:
        raise LoanError(_("Bút toán loại này không hủy được."), field="transaction")
    if LoanTransaction.objects.filter(reverses=entry).exists():
        raise LoanError(
            _("Bút toán này đã được hủy trước đó."), field="transaction", code="loan_state"
        )
    status = None
    if entry.kind == TransactionKind.DISBURSEMENT:
        status = _undo_disbursement(loan, entry, by=by)
    elif entry.kind in (TransactionKind.WRITE_OFF, TransactionKind.INTEREST_WRITE_OFF) or (
        loan.status == LoanStatus.CLOSED  # a reversed repayment reopens a settled loan
    ):
        status = LoanStatus.ACTIVE
    reversal = _post(
        loan,
        kind=TransactionKind.REVERSAL,
        amount=entry.amount,
        on=entry.value_date,
        by=by,
        request=request,
        note=reason.strip(),
        reverses=entry,
    )
    _apply_to_cache(loan, entry.kind, -entry.amount, status=status)
    return reversal


def _undo_disbursement(loan: Loan, entry: LoanTransaction, *, by) -> str:
    """Rebuild the schedule from the disbursements that remain after reversing `entry`."""
    if loan.outstanding_principal < entry.amount:
        raise LoanError(
            _("Không hủy được: số gốc đã thu/xóa lớn hơn số còn lại sau khi hủy giải ngân."),
            field="transaction",
        )
    if loan.schedule_versions.exclude(reason__in=["disbursement", "reversal"]).exists():
        raise LoanError(
            _("Không hủy được giải ngân của khoản vay đã gia hạn hoặc điều chỉnh kỳ hạn."),
            field="transaction",
        )
    remaining = list(
        LoanTransaction.objects.filter(loan=loan, kind=TransactionKind.DISBURSEMENT)
        .exclude(pk=entry.pk)
        .exclude(reversed_by__isnull=False)
        .order_by("value_date", "id")
        .values_list("value_date", "amount")
    )
    if not remaining:
        if loan.interest_paid_total or loan.interest_written_off_total:
            raise LoanError(
                _("Không hủy được: khoản vay còn bút toán thu lãi/xóa lãi; hãy hủy chúng trước."),
                field="transaction",
            )
        _write_schedule(loan, [], effective_from=entry.value_date, reason="reversal", by=by)
        loan.first_disbursed_on = None
        loan.contract_rate = None
        loan.save(update_fields=["first_disbursed_on", "contract_rate"])
        return LoanStatus.APPROVED
    first_on, first_amount = remaining[0]
    rows = engine.build_schedule(
        principal=first_amount,
        first_disbursed_on=first_on,
        term_months=loan.term_months,
        grace_months=loan.grace_months,
        frequency_months=loan.principal_frequency_months,
        due_day=loan.due_day,
    )
    for on, amount in remaining[1:]:
        rows = engine.spread_tranche(schedule=rows, amount=amount, on=on)
    _write_schedule(
        loan, rows, effective_from=min(first_on, entry.value_date), reason="reversal", by=by
    )
    if first_on != loan.first_disbursed_on:
        rate = loan.programme.rate_on(first_on, loan.borrower.household_category)
        loan.first_disbursed_on = first_on
        loan.contract_rate = rate.annual_rate if rate else loan.contract_rate
        loan.save(update_fields=["first_disbursed_on", "contract_rate"])
    return LoanStatus.ACTIVE if loan.status == LoanStatus.CLOSED else loan.status


# --- schedule changes ------------------------------------------------------------------------


@transaction.atomic
def extend_due_date(
    loan: Loan, *, due_date: date, new_due_date: date, on: date, by, reason: str
) -> ScheduleVersion:
    """Extend an instalment (gia hạn nợ): its due date moves beyond the original. A new schedule
    version in force from the decision date `on` keeps the old one for earlier positions."""
    loan = _lock(loan)
    _check_open_for_postings(loan)
    if not (reason or "").strip():
        raise LoanError(_("Phải ghi lý do gia hạn."), field="reason")
    if on > today():
        raise LoanError(_("Ngày quyết định không được sau ngày hôm nay."), field="on")
    rows = _current_rows(loan)
    if due_date not in {due for due, _amount in rows}:
        raise LoanError(_("Không có kỳ trả gốc vào ngày này."), field="due_date")
    if new_due_date <= due_date:
        raise LoanError(_("Ngày đến hạn mới phải sau ngày đến hạn cũ."), field="new_due_date")
    moved = [(new_due_date if due == due_date else due, amount) for due, amount in rows]
    return _write_schedule(loan, moved, effective_from=on, reason="extension", by=by, note=reason)


@transaction.atomic
def adjust_schedule(
    loan: Loan, *, rows: list[tuple[date, int]], on: date, by, reason: str
) -> ScheduleVersion:
    """Adjust the schedule (điều chỉnh kỳ hạn): instalments moved within the term, same total."""
    loan = _lock(loan)
    _check_open_for_postings(loan)
    current = _current_rows(loan)
    if not (reason or "").strip():
        raise LoanError(_("Phải ghi lý do điều chỉnh."), field="reason")
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
    return _write_schedule(loan, rows, effective_from=on, reason="adjustment", by=by, note=reason)


# --- freezing and write-off ------------------------------------------------------------------


@transaction.atomic
def freeze(loan: Loan, *, start: date, end: date | None, decision_ref: str, by) -> LoanFreeze:
    """Freeze the debt (khoanh nợ) for up to 3 years: no interest accrues while frozen
    (Decision 50/2010/QĐ-TTg as amended by Decision 08/2021/QĐ-TTg)."""
    loan = _lock(loan)
    _check_open_for_postings(loan)
    if not (decision_ref or "").strip():
        raise LoanError(_("Phải ghi số quyết định khoanh nợ."), field="decision_ref")
    _check_value_date(loan, start)
    last_day = end or start + timedelta(days=MAX_FREEZE_DAYS)
    if last_day < start or (last_day - start).days > MAX_FREEZE_DAYS:
        raise LoanError(_("Thời gian khoanh nợ tối đa là 3 năm."), field="end")
    record = LoanFreeze.objects.create(
        loan=loan, start=start, end=end, decision_ref=decision_ref.strip(), created_by=by
    )
    if end is None or end >= today():
        Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.FROZEN)
        loan.status = LoanStatus.FROZEN
    return record


@transaction.atomic
def unfreeze(loan: Loan, *, on: date, by) -> LoanFreeze:
    """End the open freeze on `on` (the last frozen day); accrual resumes the day after."""
    loan = _lock(loan)
    record = (
        loan.freezes.filter(end__isnull=True).first()
        or loan.freezes.filter(end__gte=today()).first()
    )
    if record is None or loan.status != LoanStatus.FROZEN:
        raise LoanError(_("Khoản vay không đang khoanh nợ."), code="loan_state")
    if on < record.start or on > today():
        raise LoanError(_("Ngày kết thúc khoanh nợ không hợp lệ."), field="on")
    record.end = on
    record.save(update_fields=["end"])
    Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.ACTIVE)
    loan.status = LoanStatus.ACTIVE
    return record


@idempotent("write_off", many=True)
def write_off(loan: Loan, *, on: date, by, reason: str, request=None) -> list[LoanTransaction]:
    """Write off (xóa nợ) the outstanding principal and the interest owed through `on`."""
    if loan.status not in (LoanStatus.ACTIVE, LoanStatus.FROZEN):
        _check_open_for_postings(loan)
    if not (reason or "").strip():
        raise LoanError(_("Phải ghi căn cứ xóa nợ."), field="reason")
    _check_value_date(loan, on)
    owed = _amounts_owed(loan, on)
    entries = []
    posting = {"on": on, "by": by, "request": request, "note": reason}
    if owed["principal"]:
        entries.append(_post_money(loan, TransactionKind.WRITE_OFF, owed["principal"], **posting))
        # Principal written off on `on` earns nothing that day (DOMAIN.md §4).
        owed = _amounts_owed(loan, on)
    if owed["interest"]:
        entries.append(
            _post_money(loan, TransactionKind.INTEREST_WRITE_OFF, owed["interest"], **posting)
        )
    if not entries:
        raise LoanError(_("Khoản vay không còn dư nợ để xóa."), code="loan_state")
    Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.WRITTEN_OFF)
    loan.status = LoanStatus.WRITTEN_OFF
    return entries
