"""Undoing a whole take-on batch (hủy đợt chuyển đổi) before anything else is posted on it:
the only way an opening entry goes away.

The journals are append-only, so nothing is deleted: every opening entry of the batch (loan
and savings) gets its reversal, value-dated C, so every position as of any date nets to zero;
the loans are closed with their cached balances at zero and their contract numbers freed
(suffixed "~H<batch>", the file's number kept in TakeOnLoan); the batch is marked undone. The
same file can then be imported again: its contracts are new, its households are found (they
stay, as people), their savings accounts get a new opening entry. Set-based: a few queries
and bulk inserts whatever the batch's size."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from core.errors import DomainError
from loans.models import Loan, LoanStatus, LoanTransaction, ScheduleVersion, TransactionKind
from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction

from .models import ImportBatch, TakeOnLoan, TakeOnSavings
from .rows import insert_rows
from .services import OPENING_ENTRIES

BATCH_SIZE = 5000
OPENING_KINDS = [str(kind) for kind in OPENING_ENTRIES]


class UndoError(DomainError):
    """The batch cannot be undone (already undone, or something was posted on it since)."""


def undo_batch(batch_id: int, *, by) -> ImportBatch:
    """Reverse every opening entry of the batch and mark it undone, or refuse (UndoError)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.undone_at is not None:
            raise UndoError(_("Đợt chuyển đổi này đã được hủy."), code="takeon_state")
        loan_ids = list(TakeOnLoan.objects.filter(batch=batch).values_list("loan_id", flat=True))
        locked = Loan.objects.select_for_update().filter(pk__in=loan_ids).order_by("pk")
        loans = list(locked)
        _refuse_if_posted_since(batch, loan_ids)
        note = _("Hủy đợt chuyển đổi dữ liệu %(id)s") % {"id": batch.pk}
        _reverse_loan_openings(batch, loan_ids, note, by)
        _close_loans(batch, loans, by)
        _reverse_savings_openings(batch, note, by)
        batch.undone_at, batch.undone_by = timezone.now(), by
        batch.save(update_fields=["undone_at", "undone_by"])
        return batch


def later_postings(batch: ImportBatch, loan_ids: list[int]) -> list[str]:
    """The contract numbers and citizen IDs with anything posted after the batch (a journal
    entry that is not one of its openings, a new schedule version, a savings entry)."""
    loans = Q(loan_id__in=loan_ids)
    posted = set(
        LoanTransaction.objects.filter(loans)
        .exclude(kind__in=OPENING_KINDS)
        .values_list("loan__contract_number", flat=True)
    )
    posted |= set(
        ScheduleVersion.objects.filter(loans, number__gt=1).values_list(
            "loan__contract_number", flat=True
        )
    )
    taken = TakeOnSavings.objects.filter(batch=batch)
    posted |= set(
        SavingsTransaction.objects.filter(account_id__in=taken.values("account_id"))
        .exclude(pk__in=taken.values("entry_id"))
        .values_list("account__borrower__national_id", flat=True)
    )
    return sorted(posted)


def _refuse_if_posted_since(batch: ImportBatch, loan_ids: list[int]) -> None:
    posted = later_postings(batch, loan_ids)
    if posted:
        shown = ", ".join(posted[:10]) + (" …" if len(posted) > 10 else "")
        raise UndoError(
            _(
                "Không hủy được đợt chuyển đổi: %(n)s khoản vay/tài khoản tiết kiệm đã có bút "
                "toán sau khi chuyển đổi (%(list)s)."
            )
            % {"n": len(posted), "list": shown},
            code="takeon_state",
        )


def _reverse_loan_openings(batch: ImportBatch, loan_ids: list[int], note: str, by) -> None:
    openings = LoanTransaction.objects.filter(loan_id__in=loan_ids, kind__in=OPENING_KINDS)
    # Read whole before the COPY starts: no other query may run on its connection meanwhile.
    rows = list(
        openings.values_list("pk", "loan_id", "amount", "office_id", "transaction_point_id")
    )
    now, by_id = timezone.now(), getattr(by, "pk", None)
    columns = ["loan_id", "kind", "value_date", "amount", "office_id", "transaction_point_id"]
    columns += ["receipt_number", "note", "posted_at", "posted_by_id", "reverses_id"]
    insert_rows(
        LoanTransaction,
        columns,
        (
            (loan, str(TransactionKind.REVERSAL), batch.as_of, amount, office, point, "", note,
             now, by_id, pk)
            for pk, loan, amount, office, point in rows
        ),
    )  # fmt: skip


def _close_loans(batch: ImportBatch, loans: list[Loan], by) -> None:
    """Closed, balances at zero, the contract number freed for a re-import. (Written here in
    bulk, as the import wrote them, not one by one through loans.services.change_status.)"""
    for loan in loans:
        suffix = f"~H{batch.pk}"
        freed = f"{loan.contract_number}{suffix}"
        loan.contract_number = freed if len(freed) <= 30 else f"{suffix}-{loan.pk}"
        loan.status = LoanStatus.CLOSED
        loan.disbursed_total = loan.outstanding_principal = 0
        loan._change_reason = _("Hủy đợt chuyển đổi dữ liệu")  # type: ignore[attr-defined]
    bulk_update_with_history(
        loans,
        Loan,
        ["contract_number", "status", "disbursed_total", "outstanding_principal"],
        batch_size=BATCH_SIZE,
        default_user=by,
        default_change_reason=_("Hủy đợt chuyển đổi dữ liệu"),
    )


def _reverse_savings_openings(batch: ImportBatch, note: str, by) -> None:
    taken = list(
        TakeOnSavings.objects.filter(batch=batch).values_list(
            "account_id", "entry_id", "entry__amount"
        )
    )
    if not taken:
        return
    SavingsTransaction.objects.bulk_create(
        (
            SavingsTransaction(
                account_id=account, kind=SavingsKind.REVERSAL, value_date=batch.as_of,
                amount=amount, delta=-amount, reverses_id=entry, note=note, posted_by=by,
            )
            for account, entry, amount in taken
        ),
        batch_size=BATCH_SIZE,
    )  # fmt: skip
    # Nothing else was posted on these accounts since (checked above): their balance is 0.
    SavingsAccount.objects.filter(pk__in=[account for account, _e, _a in taken]).update(balance=0)
