"""Appending to the journal and keeping the loan's cached balances and schedule with it.

Every posting service writes through these helpers, inside its own transaction and after
locking the loan row, so the journal, the cached totals and the schedule never disagree
(DESIGN.md "Ledger").
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F

from ..models import Instalment, Loan, LoanTransaction, PostingRequest, ScheduleVersion
from ..models import TransactionKind as Kind

# Which cached total each money kind moves (sign +1 on posting, -1 on reversal).
CACHE_FIELD: dict[str, str] = {
    Kind.DISBURSEMENT: "disbursed_total",
    Kind.PRINCIPAL_REPAYMENT: "principal_repaid_total",
    Kind.WRITE_OFF: "written_off_total",
    Kind.INTEREST_PAYMENT: "interest_paid_total",
    Kind.INTEREST_WRITE_OFF: "interest_written_off_total",
}
OUTSTANDING_SIGN: dict[str, int] = {
    Kind.DISBURSEMENT: 1,
    Kind.PRINCIPAL_REPAYMENT: -1,
    Kind.WRITE_OFF: -1,
}
# The kinds a reversal may undo: the money kinds (an overdue transfer is not money).
REVERSIBLE = set(CACHE_FIELD)


def post_entry(
    loan: Loan,
    *,
    kind: str,
    amount: int,
    on: date,
    by: User,
    request: PostingRequest | None,
    receipt_number: str = "",
    note: str = "",
    reverses: LoanTransaction | None = None,
) -> LoanTransaction:
    """Append one entry to the journal, at the loan's office and transaction point."""
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


def apply_to_cache(loan: Loan, kind: str, amount: int) -> None:
    """Move the cached balances by one journal entry (amount negative for a reversal)."""
    updates: dict[str, Any] = {CACHE_FIELD[kind]: F(CACHE_FIELD[kind]) + amount}
    if kind in OUTSTANDING_SIGN:
        updates["outstanding_principal"] = (
            F("outstanding_principal") + OUTSTANDING_SIGN[kind] * amount
        )
    Loan.objects.filter(pk=loan.pk).update(**updates)
    loan.refresh_from_db()


def post_money(loan: Loan, kind: str, amount: int, **posting: Any) -> LoanTransaction:
    """Append one money entry and move the cached balances with it."""
    entry = post_entry(loan, kind=kind, amount=amount, **posting)
    apply_to_cache(loan, kind, amount)
    return entry


def write_schedule(
    loan: Loan,
    rows: list[tuple[date, int]],
    *,
    effective_from: date,
    reason: str,
    by: User,
    note: str = "",
) -> ScheduleVersion:
    """A new version of the principal schedule, in force from `effective_from`."""
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


def current_rows(loan: Loan) -> list[tuple[date, int]]:
    """(due date, principal) of the latest schedule version, in instalment order."""
    version = loan.schedule_versions.order_by("-number").first()
    if version is None:
        return []
    return list(version.instalments.order_by("seq").values_list("due_date", "principal"))
