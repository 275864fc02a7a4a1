"""Recording many repayments of one value date at once (a session's sheet 13/TD): the same
rules as `record_repayment`, line by line, with a constant number of queries for the batch.

One lock of the loans (id order), one engine call for their positions, one insert of the
principal entries and one update of the caches, then (for the lines that also pay interest,
or that repay the last principal) one more engine call for what is owed after the principal,
one insert of the interest entries and one update. Every bad line is reported by its index
and nothing is written before all lines are valid for the principal; the caller's transaction
rolls back a batch with any refused line.
"""

from datetime import date
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from ..models import Loan, LoanStatus, LoanTransaction, TransactionKind
from ..selectors import positions
from .checks import amounts_owed, check_open_for_postings, check_value_date
from .errors import LoanError
from .journal import CACHE_FIELD, OUTSTANDING_SIGN
from .repayment import _checked_parts, check_interest
from .status import change_status


class Repayment(NamedTuple):
    """One line of a batch: principal and interest of a loan, as on its receipt."""

    loan_id: int
    principal: int = 0
    interest: int = 0
    receipt_number: str = ""


class RepaymentsRefused(LoanError):
    """Some lines were refused: `errors` gives each one's LoanError by its index."""

    def __init__(self, errors: dict[int, LoanError]):
        first = next(iter(errors.values()))
        super().__init__(first.message, field=first.field, code=first.code)
        self.errors = errors


def _position_rows(loan_ids: list[int], on: date) -> dict[int, dict]:
    if not loan_ids:
        return {}
    frame = positions(Loan.objects.filter(pk__in=loan_ids), as_of=on)
    return {
        row["loan_id"]: {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    }


def _checked(lines: list[Repayment], loans: dict[int, Loan], on: date) -> tuple[dict, dict]:
    """Each line's (principal, interest, what the loan owes before it) checked against the
    loan's state and what it owes at the start of the day; errors by line index."""
    at_start = _position_rows(sorted(loans), on)
    checked: dict[int, tuple[int, int, dict]] = {}
    errors: dict[int, LoanError] = {}
    seen: set[int] = set()
    for index, line in enumerate(lines):
        loan = loans.get(line.loan_id)
        try:
            if loan is None:
                raise LoanError(_("Không tìm thấy khoản vay."), field="loan")
            if line.loan_id in seen:
                raise LoanError(_("Khoản vay có hai dòng trong bảng kê."), field="loan")
            seen.add(line.loan_id)
            check_open_for_postings(loan)
            check_value_date(loan, on)
            owed = amounts_owed(loan, on, at_start[loan.pk])
            principal, interest = _checked_parts(line.principal, line.interest, owed)
            if not principal:
                check_interest(interest, owed)
            checked[index] = (principal, interest, owed)
        except LoanError as exc:
            errors[index] = exc
    return checked, errors


def _insert(
    kind: str,
    amounts: dict[int, int],
    lines: list[Repayment],
    loans: dict[int, Loan],
    on: date,
    by: User,
) -> list[LoanTransaction]:
    """One INSERT of the entries of `kind` ({line index: amount}) and one UPDATE of the caches."""
    entries = [
        LoanTransaction(
            loan=loans[lines[i].loan_id],
            kind=kind,
            amount=amount,
            value_date=on,
            office_id=loans[lines[i].loan_id].office_id,
            transaction_point_id=loans[lines[i].loan_id].transaction_point_id,
            receipt_number=lines[i].receipt_number,
            posted_by=by,
        )
        for i, amount in amounts.items()
    ]
    created = LoanTransaction.objects.bulk_create(entries)
    by_loan: dict[int, int] = {}
    for entry in created:
        by_loan[entry.loan_id] = by_loan.get(entry.loan_id, 0) + entry.amount
    if by_loan:
        _move_caches(kind, by_loan, loans)
    return created


def _move_caches(kind: str, by_loan: dict[int, int], loans: dict[int, Loan]) -> None:
    def moved(sign: int) -> Any:
        return Case(*(When(pk=pk, then=Value(sign * a)) for pk, a in by_loan.items()), default=0)

    updates: dict[str, Any] = {CACHE_FIELD[kind]: F(CACHE_FIELD[kind]) + moved(1)}
    if kind in OUTSTANDING_SIGN:
        updates["outstanding_principal"] = F("outstanding_principal") + moved(
            OUTSTANDING_SIGN[kind]
        )
    Loan.objects.filter(pk__in=list(by_loan)).update(**updates)
    for pk, amount in by_loan.items():  # the locked rows' copies follow the database
        setattr(loans[pk], CACHE_FIELD[kind], getattr(loans[pk], CACHE_FIELD[kind]) + amount)
        if kind in OUTSTANDING_SIGN:
            loans[pk].outstanding_principal += OUTSTANDING_SIGN[kind] * amount


def record_repayments(lines: list[Repayment], *, on: date, by: User) -> list[LoanTransaction]:
    """Post every line (each loan at most once) or raise RepaymentsRefused with each bad line's
    error by its index; paying all principal and interest owed closes the loan (tất toán), as
    `record_repayment` does."""
    lines = [Repayment(*line) for line in lines]
    with transaction.atomic():
        ids = sorted({line.loan_id for line in lines})
        loans = Loan.objects.select_for_update().filter(pk__in=ids).order_by("pk").in_bulk()
        checked, errors = _checked(lines, loans, on)
        if errors:
            raise RepaymentsRefused(errors)
        principal = {i: p for i, (p, _i, _o) in checked.items() if p}
        entries = _insert(TransactionKind.PRINCIPAL_REPAYMENT, principal, lines, loans, on, by)
        # Principal repaid on `on` earns nothing that day: interest is owed as of after it.
        after = _position_rows(sorted({lines[i].loan_id for i in principal}), on)
        owed = {}
        for index, (paid, interest, before) in checked.items():
            loan = loans[lines[index].loan_id]
            owed[index] = amounts_owed(loan, on, after[loan.pk]) if paid else before
            try:
                check_interest(interest, owed[index])
            except LoanError as exc:
                errors[index] = exc
        if errors:
            raise RepaymentsRefused(errors)
        paid_interest = {i: interest for i, (_p, interest, _o) in checked.items() if interest}
        entries += _insert(TransactionKind.INTEREST_PAYMENT, paid_interest, lines, loans, on, by)
        for index, (_p, interest, _o) in checked.items():
            loan = loans[lines[index].loan_id]
            if loan.outstanding_principal == 0 and interest >= owed[index]["interest"]:
                change_status(loan, LoanStatus.CLOSED, reason="Tất toán: trả hết gốc và lãi", by=by)
        return entries
