"""Posting a group's collection sheet 13/TD at a session: all or nothing (DOMAIN.md §7).

The session row is locked first: two officers posting the same group's sheet are serialised,
and the second one finds the first one's sheet (409) or, under the same key, its answer.
Every line goes through the loan and savings services, each in its own savepoint so that every
bad line is reported; any error rolls the whole sheet back.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import group_digits

from ... import services as loan_services
from ...models import Loan
from ..models import CollectionSheet, Receipt, Session, SheetEntry
from . import savings_bridge
from .errors import SHEET_POSTED, SessionError, SheetRejected
from .receipts import take_numbers
from .sessions import lock_open

LOAN_AMOUNTS = ("interest", "principal", "principal_from_savings")
SAVINGS_AMOUNTS = ("deposit", "withdrawal")


@dataclass
class Posted:
    """What a sheet posted, and its answer."""

    sheet: CollectionSheet
    transactions: list = field(default_factory=list)
    savings_transactions: list = field(default_factory=list)
    replay: dict | None = None


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def post_sheet(session: Session, data: dict, *, by, key: str | None = None) -> Posted:
    """Post a sheet: `data` has savings_group, cash_counted, supplement, lines
    [{loan (id), interest, principal, principal_from_savings}] and savings
    [{borrower (id), deposit, withdrawal}]. A replay under `key` returns the stored answer."""
    with transaction.atomic():
        session = lock_open(session)
        print_ = fingerprint({**data, "savings_group": data["savings_group"].pk})
        if key is not None:
            existing = CollectionSheet.objects.filter(idempotency_key=key).first()
            if existing is not None:
                return _replay(existing, session, print_)
        group = data["savings_group"]
        if (
            not data.get("supplement")
            and session.sheets.filter(savings_group=group, supplement=False).exists()
        ):
            raise SessionError(
                _(
                    "Bảng kê của tổ %(group)s đã được ghi sổ tại phiên này; gửi bổ sung nếu có "
                    "tổ viên nộp muộn."
                )
                % {"group": group},
                code=SHEET_POSTED,
            )
        _check_cash(data)
        sheet = CollectionSheet.objects.create(
            session=session,
            savings_group=group,
            supplement=bool(data.get("supplement")),
            cash_counted=data["cash_counted"],
            idempotency_key=key,
            fingerprint=print_,
            posted_by=by,
        )
        posted = _post_lines(sheet, data, by=by)
        sheet.totals = sheet_totals(data)
        sheet.save(update_fields=["totals"])
        return posted


def _replay(existing: CollectionSheet, session: Session, print_: str) -> Posted:
    if existing.session_id != session.pk or existing.fingerprint != print_:
        raise loan_services.IdempotencyConflict(
            _("Khóa chống trùng này đã được dùng cho một yêu cầu khác.")
        )
    return Posted(sheet=existing, replay=existing.response_body)


def sheet_totals(data: dict) -> dict[str, int]:
    """Σ of each column, and the net cash the leader hands over (principal paid from savings
    moves no cash): interest + principal + deposits − withdrawals."""
    totals = {
        name: sum(line.get(name) or 0 for line in data.get("lines", [])) for name in LOAN_AMOUNTS
    }
    totals["savings_deposit"] = sum(s.get("deposit") or 0 for s in data.get("savings", []))
    totals["savings_withdrawal"] = sum(s.get("withdrawal") or 0 for s in data.get("savings", []))
    totals["cash"] = (
        totals["interest"]
        + totals["principal"]
        + totals["savings_deposit"]
        - totals["savings_withdrawal"]
    )
    return totals


def _check_cash(data: dict) -> None:
    expected = sheet_totals(data)["cash"]
    difference = data["cash_counted"] - expected
    if difference:
        raise SessionError(
            _(
                "Tiền mặt nộp (%(counted)s đồng) khác số phải nộp theo bảng kê (%(expected)s "
                "đồng): chênh lệch %(diff)s đồng."
            )
            % {
                "counted": group_digits(data["cash_counted"]),
                "expected": group_digits(expected),
                "diff": ("+" if difference > 0 else "−") + group_digits(abs(difference)),
            },
            field="cash_counted",
        )


def _post_lines(sheet: CollectionSheet, data: dict, *, by) -> Posted:
    """Deposits first (a member may withdraw or repay from what she deposits that day), then
    the loans' lines, then withdrawals; errors gathered per line, then all rolled back."""
    posted, errors = Posted(sheet=sheet), defaultdict(list)
    loans = _group_loans(sheet, data, errors)
    borrowers = _members(sheet, data, errors)
    savings_bridge.lock_accounts(
        {b.pk for b in borrowers.values()}
        | {
            loan.borrower_id
            for i, loan in loans.items()
            if data["lines"][i].get("principal_from_savings")
        }
    )
    receipts = _receipts(sheet, data, loans, borrowers)
    savings = _savings_lines(data.get("savings", []), borrowers, receipts)
    _post_savings(errors, posted, savings, "deposit", by=by)
    _post_repayments(posted, errors, data.get("lines", []), loans, receipts, by=by)
    for index, line in enumerate(data.get("lines", [])):
        if index in loans and line.get("principal_from_savings"):
            receipt = receipts.get(loans[index].borrower_id, "")
            _post_from_savings(posted, errors, index, line, loans[index], receipt, by=by)
    _post_savings(errors, posted, savings, "withdrawal", by=by)
    if errors:
        raise SheetRejected(dict(errors))
    SheetEntry.objects.bulk_create(
        SheetEntry(sheet=sheet, transaction=t) for t in posted.transactions
    )
    savings_bridge.link(sheet, posted.savings_transactions)
    return posted


def _savings_lines(savings: list[dict], borrowers: dict, receipts: dict) -> dict[str, list]:
    """The deposits and the withdrawals of the sheet: [(index on the sheet, (borrower id,
    kind, amount, receipt number))] of each kind, amounts above zero only."""
    lines: dict[str, list] = {"deposit": [], "withdrawal": []}
    for index, line in enumerate(savings):
        if index not in borrowers:
            continue
        for kind in lines:
            if line.get(kind):
                borrower = borrowers[index].pk
                lines[kind].append(
                    (index, (borrower, kind, line[kind], receipts.get(borrower, "")))
                )
    return lines


def _post_savings(errors, posted: Posted, savings: dict[str, list], kind: str, *, by) -> None:
    """One kind of the sheet's savings lines in one batch (savings.post_many: one lock, one
    insert); a refused line's message goes on its own row (`savings[2].withdrawal`)."""
    batch = savings[kind]
    if not batch:
        return
    try:
        with transaction.atomic():
            posted.savings_transactions.extend(
                savings_bridge.post_many(
                    [line for _index, line in batch], posted.sheet.session.session_date, by
                )
            )
    except savings_bridge.SavingsError as exc:
        for position, message in (exc.lines or {0: exc.message}).items():
            errors[f"savings[{batch[position][0]}].{kind}"].append(message)


def _post_repayments(posted, errors, lines, loans: dict[int, Loan], receipts, *, by) -> None:
    """The lines' interest and principal in one batch (loan services.record_repayments: one
    lock, one engine call, one insert per kind); a refused line's messages go on its row."""
    batch = [
        (index, (loan.pk, lines[index].get("principal") or 0, lines[index].get("interest") or 0))
        for index, loan in loans.items()
        if lines[index].get("interest") or lines[index].get("principal")
    ]
    if not batch:
        return
    repayments = [
        loan_services.Repayment(*line, receipt_number=receipts.get(loans[i].borrower_id, ""))
        for i, line in batch
    ]
    try:
        with transaction.atomic():
            posted.transactions.extend(
                loan_services.record_repayments(
                    repayments, on=posted.sheet.session.session_date, by=by
                )
            )
    except loan_services.RepaymentsRefused as exc:
        for position, error in exc.errors.items():
            name = _LINE_FIELDS.get(error.field, "loan")
            errors[f"lines[{batch[position][0]}].{name}"].append(error.message)


def _post_from_savings(posted, errors, index, line, loan, receipt, *, by) -> None:
    on = posted.sheet.session.session_date

    def from_savings():
        saving, entries = savings_bridge.pay_principal_from_savings(
            loan, line["principal_from_savings"], on, by, receipt
        )
        posted.savings_transactions.append(saving)
        return entries

    _attempt(errors, f"lines[{index}].principal_from_savings", posted.transactions, from_savings)


def _attempt(errors, key: str, into: list, post) -> None:
    """Run one posting in a savepoint; a domain error is kept under `key`. A key without a
    field (`lines[3]`) takes the service's field: `lines[3].interest`, or `lines[3].loan` for
    a rule of the loan's state."""
    try:
        with transaction.atomic():
            into.extend(post())
    except DomainError as exc:
        name = key if "." in key else f"{key}.{_LINE_FIELDS.get(exc.field, 'loan')}"
        errors[name].append(exc.message)


# A repayment's fields on a sheet's line; any other (value date, state) is about the loan.
_LINE_FIELDS = {"interest": "interest", "principal": "principal", "amount": "principal"}


def _group_loans(sheet, data, errors) -> dict[int, Loan]:
    """The lines' loans, in one query: each must be a loan of the sheet's group."""
    lines = data.get("lines", [])
    ids = {line["loan"] for line in lines}
    # Locked in one query, in id order (as every batch locks them: no deadlock between two).
    found = {
        loan.pk: loan
        for loan in Loan.objects.select_for_update()
        .filter(pk__in=ids, savings_group=sheet.savings_group)
        .order_by("pk")
    }
    loans, seen = {}, set()
    for index, line in enumerate(lines):
        loan = found.get(line["loan"])
        if loan is None:
            errors[f"lines[{index}].loan"].append(_("Khoản vay không thuộc tổ của bảng kê."))
        elif line["loan"] in seen:
            errors[f"lines[{index}].loan"].append(_("Khoản vay có hai dòng trong bảng kê."))
        elif any(line.get(name) for name in LOAN_AMOUNTS):
            loans[index] = loan
        seen.add(line["loan"])
    return loans


def _members(sheet, data, errors) -> dict:
    """The savings lines' households, in one query: members of the sheet's group."""
    from borrowers.models import Borrower

    savings = data.get("savings", [])
    ids = {line["borrower"] for line in savings}
    found = Borrower.objects.filter(pk__in=ids, savings_group=sheet.savings_group).in_bulk()
    members = {}
    for index, line in enumerate(savings):
        borrower = found.get(line["borrower"])
        if borrower is None:
            errors[f"savings[{index}].borrower"].append(_("Hộ vay không thuộc tổ của bảng kê."))
        else:
            members[index] = borrower
    return members


def _receipts(sheet, data, loans: dict[int, Loan], borrowers: dict) -> dict[int, str]:
    """One receipt 01/BL per member with interest, principal or savings on the sheet, numbered
    in the order of the sheet: {borrower id: number}."""
    amounts: dict[int, dict[str, int]] = {}
    for index, loan in loans.items():
        line = data["lines"][index]
        row = amounts.setdefault(loan.borrower_id, defaultdict(int))
        for name in LOAN_AMOUNTS:
            row[name] += line.get(name) or 0
    for index, line in enumerate(data.get("savings", [])):
        if index in borrowers and (line.get("deposit") or line.get("withdrawal")):
            row = amounts.setdefault(line["borrower"], defaultdict(int))
            row["deposit"] += line.get("deposit") or 0
            row["withdrawal"] += line.get("withdrawal") or 0
    numbers = take_numbers(sheet.session, len(amounts))
    Receipt.objects.bulk_create(
        Receipt(
            sheet=sheet,
            borrower_id=borrower_id,
            number=number,
            interest=row["interest"],
            principal=row["principal"],
            principal_from_savings=row["principal_from_savings"],
            savings_deposit=row["deposit"],
            savings_withdrawal=row["withdrawal"],
        )
        for (borrower_id, row), number in zip(amounts.items(), numbers, strict=True)
    )
    return dict(zip(amounts, numbers, strict=True))
