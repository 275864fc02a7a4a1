"""Reversing a mistaken entry (hủy bút toán): a new entry that undoes the old one."""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from .. import positions as engine
from ..models import Loan, LoanStatus, LoanTransaction, PostingRequest, TransactionKind
from .checks import check_given
from .errors import LoanError
from .idempotency import idempotent
from .journal import REVERSIBLE, apply_to_cache, post_entry, write_schedule
from .status import change_status

WRITE_OFF_KINDS = (TransactionKind.WRITE_OFF, TransactionKind.INTEREST_WRITE_OFF)


def reverse(
    entry: LoanTransaction, *, reason: str, by: User, key: str | None = None
) -> LoanTransaction:
    """Reverse a mistaken entry (hủy bút toán) with a reason; an entry is reversed at most once.
    The reversal carries the original's value date, so positions as of any date exclude both."""
    reversal: LoanTransaction = _reverse(
        entry.loan, entry_id=entry.pk, reason=reason, by=by, key=key
    )
    return reversal


@idempotent("reversal")
def _reverse(
    loan: Loan,
    *,
    entry_id: int,
    reason: str,
    by: User,
    request: PostingRequest | None = None,
) -> LoanTransaction:
    entry = LoanTransaction.objects.filter(pk=entry_id, loan=loan).first()
    if entry is None:
        raise LoanError(_("Không tìm thấy bút toán của khoản vay này."), field="transaction")
    reason = check_given(reason, field="reason", message=_("Phải ghi lý do hủy bút toán."))
    if entry.kind not in REVERSIBLE:
        raise LoanError(_("Bút toán loại này không hủy được."), field="transaction")
    if LoanTransaction.objects.filter(reverses=entry).exists():
        raise LoanError(
            _("Bút toán này đã được hủy trước đó."), field="transaction", code="loan_state"
        )
    after = _status_after(loan, entry, by=by)
    reversal = post_entry(
        loan,
        kind=TransactionKind.REVERSAL,
        amount=entry.amount,
        on=entry.value_date,
        by=by,
        request=request,
        note=reason,
        reverses=entry,
    )
    apply_to_cache(loan, entry.kind, -entry.amount)
    change_status(loan, after, reason="Hủy bút toán", by=by)
    return reversal


def _status_after(loan: Loan, entry: LoanTransaction, *, by: User) -> str:
    """The loan's status once `entry` is reversed: undoing the only disbursement makes it
    approved again, undoing a write-off or the closing repayment makes it active again."""
    if entry.kind == TransactionKind.DISBURSEMENT:
        return _undo_disbursement(loan, entry, by=by)
    if entry.kind in WRITE_OFF_KINDS and loan.status == LoanStatus.WRITTEN_OFF:
        return LoanStatus.ACTIVE  # a part written off of an open loan leaves it as it is
    if loan.status == LoanStatus.CLOSED:
        return LoanStatus.ACTIVE  # a reversed repayment reopens a settled loan
    return loan.status


def _undo_disbursement(loan: Loan, entry: LoanTransaction, *, by: User) -> str:
    """Rebuild the schedule from the disbursements that remain after reversing `entry`."""
    _check_undo(loan, entry)
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
        write_schedule(loan, [], effective_from=entry.value_date, reason="reversal", by=by)
        loan.first_disbursed_on = None
        loan.contract_rate = None
        loan.save(update_fields=["first_disbursed_on", "contract_rate"])
        return LoanStatus.APPROVED
    _rebuild_schedule(loan, remaining, reversed_on=entry.value_date, by=by)
    return LoanStatus.ACTIVE if loan.status == LoanStatus.CLOSED else loan.status


def _check_undo(loan: Loan, entry: LoanTransaction) -> None:
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


def _rebuild_schedule(loan: Loan, remaining: list[Any], *, reversed_on: date, by: User) -> None:
    """The schedule of the remaining tranches, as if the reversed one had never been; the
    contract rate follows the first remaining tranche's date."""
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
    write_schedule(loan, rows, effective_from=min(first_on, reversed_on), reason="reversal", by=by)
    if first_on != loan.first_disbursed_on:
        rate = loan.programme.rate_on(first_on, loan.borrower.household_category)
        loan.first_disbursed_on = first_on
        loan.contract_rate = rate.annual_rate if rate else loan.contract_rate
        loan.save(update_fields=["first_disbursed_on", "contract_rate"])
