"""Every change of a member's savings goes through here (DOMAIN.md §7): each operation in a
transaction, locking the account rows, checking the rule and appending to the journal, with
the cached balance moved alongside. Used by the sessions, the take-on and the interest job.

- deposit, withdraw, pay_principal_from_savings, reverse_savings: one posting each;
- post_many: a batch of deposits and withdrawals of one value date (one lock, one bulk insert);
- open_with_balance: the take-on's opening entry; lock_accounts: the rows, created if missing;
- credit_half_year: the half-year interest of every account, once.
"""

from collections import defaultdict
from datetime import date
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import group_digits
from loans import services as loan_services

from .crediting import credit_accounts
from .errors import SavingsError
from .interest import check_period_end
from .models import SIGN, SavingsAccount, SavingsKind, SavingsTransaction

MIN_DEPOSIT = 5_000
Kind = SavingsKind


class SavingsLine(NamedTuple):
    """One line of a batch: a deposit or a withdrawal for one household."""

    borrower_id: int
    kind: str
    amount: int
    receipt_number: str = ""
    note: str = ""


def lock_accounts(borrower_ids) -> dict[int, SavingsAccount]:
    """The households' accounts locked until the end of the transaction (select_for_update),
    the missing ones created first; keyed by borrower id, locked in borrower order."""
    ids = sorted(set(borrower_ids))
    with transaction.atomic():
        have = set(
            SavingsAccount.objects.filter(borrower_id__in=ids).values_list("borrower_id", flat=True)
        )
        missing = [SavingsAccount(borrower_id=b) for b in ids if b not in have]
        SavingsAccount.objects.bulk_create(missing, ignore_conflicts=True)
        locked = SavingsAccount.objects.select_for_update().filter(borrower_id__in=ids)
        return {account.borrower_id: account for account in locked.order_by("borrower_id")}


def _check_amount(amount, *, field: str = "amount", kind: str = Kind.DEPOSIT) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise SavingsError(_("Số tiền phải là số nguyên dương (đồng)."), field=field)
    if kind == Kind.DEPOSIT and amount < MIN_DEPOSIT:
        raise SavingsError(
            _("Mỗi lần gửi tiết kiệm ít nhất %(min)s đồng.") % {"min": group_digits(MIN_DEPOSIT)},
            field=field,
        )


def _check_value_date(on: date) -> None:
    if on > timezone.localdate():
        raise SavingsError(_("Ngày giá trị không được sau ngày hôm nay."), field="value_date")


def _lowest_from(accounts: list[SavingsAccount], on: date) -> dict[int, tuple[int, bool]]:
    """Per account (id) the lowest end-of-day balance on `on` or later as the journal stands,
    and whether interest was already credited on or after `on` (one query for all)."""
    rows = (
        SavingsTransaction.objects.filter(account__in=accounts, value_date__gt=on)
        .values("account_id", "value_date")
        .annotate(delta=Sum("delta"))
        .order_by("account_id", "value_date")
        .values_list("account_id", "value_date", "delta")
    )
    later: dict[int, list[int]] = defaultdict(list)
    for account_id, _day, delta in rows:
        later[account_id].append(int(delta))
    credited = set(
        SavingsTransaction.objects.filter(
            account__in=accounts, kind=Kind.INTEREST_CREDIT, value_date__gte=on
        ).values_list("account_id", flat=True)
    )
    result = {}
    for account in accounts:
        running = account.balance - sum(later[account.pk])  # the balance at the end of `on`
        lowest = running
        for delta in later[account.pk]:
            running += delta
            lowest = min(lowest, running)
        result[account.pk] = (lowest, account.pk in credited)
    return result


def _check_moves(moves: dict[int, int], accounts: list[SavingsAccount], on: date) -> dict:
    """The messages (by account id) of the moves that would take a balance below 0 on `on`
    or any later day, or post into a half-year whose interest is credited."""
    errors = {}
    for account_id, (lowest, credited) in _lowest_from(accounts, on).items():
        if credited:
            errors[account_id] = _(
                "Lãi tiền gửi đã được nhập đến sau ngày này; sửa bằng bút toán ngày sau."
            )
        elif lowest + moves.get(account_id, 0) < 0:
            errors[account_id] = _("Số dư tiền gửi không đủ: chỉ rút được tối đa %(max)s đồng.") % {
                "max": group_digits(max(lowest, 0))
            }
    return errors


def _entry(account, kind, amount, on, by, **extra) -> SavingsTransaction:
    delta = -extra["reverses"].delta if kind == Kind.REVERSAL else SIGN[kind] * amount
    return SavingsTransaction(
        account=account,
        kind=kind,
        amount=amount,
        delta=delta,
        value_date=on,
        posted_by=by,
        **extra,
    )


def _replay(key: str | None, account, kind: str, amount: int, on: date):
    """The entry first posted with `key`, or None; the key sent with other data is refused."""
    if key is None:
        return None
    existing = SavingsTransaction.objects.filter(request_key=key).first()
    if existing is None:
        return None
    if (existing.account_id, existing.kind, existing.amount, existing.value_date) != (
        account.pk,
        kind,
        amount,
        on,
    ):
        raise SavingsError(
            _("Khóa chống trùng này đã được dùng cho một yêu cầu khác."),
            code="idempotency_conflict",
        )
    return existing


def _post_one(borrower, kind, amount, on, by, *, idempotency_key=None, **extra):
    _check_amount(amount, kind=kind)
    _check_value_date(on)
    with transaction.atomic():
        account = lock_accounts([borrower.pk])[borrower.pk]
        replay = _replay(idempotency_key, account, kind, amount, on)
        if replay is not None:
            return replay
        entry = _entry(account, kind, amount, on, by, request_key=idempotency_key, **extra)
        errors = _check_moves({account.pk: entry.delta}, [account], on)
        if errors:
            raise SavingsError(errors[account.pk], field="amount")
        entry.save()
        SavingsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + entry.delta)
        return entry


def deposit(
    borrower,
    amount: int,
    value_date: date,
    user,
    *,
    idempotency_key=None,
    receipt_number: str = "",
    note: str = "",
) -> SavingsTransaction:
    """A deposit (gửi tiền) of at least 5,000 đồng."""
    return _post_one(
        borrower,
        Kind.DEPOSIT,
        amount,
        value_date,
        user,
        idempotency_key=idempotency_key,
        receipt_number=receipt_number,
        note=note,
    )


def withdraw(
    borrower,
    amount: int,
    value_date: date,
    user,
    *,
    idempotency_key=None,
    receipt_number: str = "",
    note: str = "",
    loan=None,
) -> SavingsTransaction:
    """A withdrawal (rút tiền), never taking the balance below 0 on its date or any later."""
    return _post_one(
        borrower,
        Kind.WITHDRAWAL,
        amount,
        value_date,
        user,
        idempotency_key=idempotency_key,
        receipt_number=receipt_number,
        note=note,
        loan=loan,
    )


def pay_principal_from_savings(
    loan, amount: int, value_date: date, user, *, receipt_number: str = ""
):
    """Principal paid from savings (trả gốc từ tiền gửi), one atomic step, no cash: a
    withdrawal and a principal repayment of the same amount; either both or neither."""
    with transaction.atomic():
        entry = withdraw(
            loan.borrower,
            amount,
            value_date,
            user,
            loan=loan,
            receipt_number=receipt_number,
            note=_("Trả nợ gốc khế ước %(number)s từ tiền gửi") % {"number": loan.contract_number},
        )
        repaid = loan_services.record_repayment(
            loan,
            on=value_date,
            by=user,
            principal=amount,
            interest=0,
            receipt_number=receipt_number,
        )
        return entry, repaid


def _reversal_of(txn: SavingsTransaction, user, value_date: date, reason: str):
    """The reversal entry of `txn` with every rule checked, its account locked; not saved."""
    if not (reason or "").strip():
        raise SavingsError(_("Phải ghi lý do hủy bút toán."), field="reason")
    if txn.kind == Kind.REVERSAL:
        raise SavingsError(_("Không hủy một bút toán hủy."), code="savings_state")
    if value_date < txn.value_date:
        raise SavingsError(
            _("Ngày hủy không được trước ngày giá trị của bút toán."), field="value_date"
        )
    _check_value_date(value_date)
    account = lock_accounts([txn.account.borrower_id])[txn.account.borrower_id]
    if SavingsTransaction.objects.filter(reverses=txn).exists():
        raise SavingsError(_("Bút toán này đã được hủy."), code="savings_state")
    entry = _entry(
        account, Kind.REVERSAL, txn.amount, value_date, user, reverses=txn, note=reason.strip()
    )
    errors = _check_moves({account.pk: entry.delta}, [account], value_date)
    if errors:
        raise SavingsError(errors[account.pk], field="value_date")
    return account, entry


def check_reversal(txn: SavingsTransaction, user, value_date: date, reason: str) -> None:
    """Raise the SavingsError reverse_savings would raise now, posting nothing (a reversal held
    for a second person is checked before it is stored, and again when it is approved)."""
    with transaction.atomic():
        _reversal_of(txn, user, value_date, reason)


def reverse_savings(txn: SavingsTransaction, user, value_date: date, reason: str):
    """Undo an entry by a reversal dated `value_date` (not before the entry); an entry is
    reversed at most once, and never below a zero balance."""
    with transaction.atomic():
        account, entry = _reversal_of(txn, user, value_date, reason)
        entry.save()
        SavingsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + entry.delta)
        return entry


def open_with_balance(borrower, balance: int, as_of: date, user) -> SavingsAccount:
    """The take-on's opening entry (số dư chuyển sang) of an account with no entry yet."""
    if not isinstance(balance, int) or isinstance(balance, bool) or balance < 0:
        raise SavingsError(_("Số dư phải là số nguyên không âm (đồng)."), field="balance")
    with transaction.atomic():
        account = lock_accounts([borrower.pk])[borrower.pk]
        if account.transactions.exists():
            raise SavingsError(
                _("Tài khoản tiền gửi đã có bút toán, không ghi số dư chuyển sang."),
                code="savings_state",
            )
        if balance:
            _entry(account, Kind.OPENING_BALANCE, balance, as_of, user).save()
            SavingsAccount.objects.filter(pk=account.pk).update(balance=balance)
        account.refresh_from_db()
        return account


def _check_lines(lines: list[SavingsLine]) -> dict[int, str]:
    errors = {}
    for index, line in enumerate(lines):
        if line.kind not in (Kind.DEPOSIT, Kind.WITHDRAWAL):
            errors[index] = _("Chỉ ghi được gửi tiền hoặc rút tiền.")
            continue
        try:
            _check_amount(line.amount, kind=line.kind)
        except SavingsError as exc:
            errors[index] = exc.message
    return errors


def post_many(lines, value_date: date, user) -> list[SavingsTransaction]:
    """A batch of deposits and withdrawals on one value date (a session's sheet), all or
    nothing: one lock of the accounts, one check, one bulk insert, one balance update. A bad
    line raises SavingsError whose `lines` gives each bad line's message by its index; a
    household's withdrawals are checked against its balance after the batch's deposits."""
    lines = [SavingsLine(*line) for line in lines]
    _check_value_date(value_date)
    errors = _check_lines(lines)
    if errors:
        raise SavingsError(next(iter(errors.values())), field="lines", lines=errors)
    with transaction.atomic():
        accounts = lock_accounts(line.borrower_id for line in lines)
        entries = [
            _entry(
                accounts[line.borrower_id],
                line.kind,
                line.amount,
                value_date,
                user,
                receipt_number=line.receipt_number,
                note=line.note,
            )
            for line in lines
        ]
        moves: dict[int, int] = defaultdict(int)
        for entry in entries:
            moves[entry.account_id] += entry.delta
        refused = _check_moves(moves, list(accounts.values()), value_date)
        errors = {
            i: refused[e.account_id] for i, e in enumerate(entries) if e.account_id in refused
        }
        if errors:
            raise SavingsError(next(iter(errors.values())), field="lines", lines=errors)
        created = SavingsTransaction.objects.bulk_create(entries)
        for account in accounts.values():
            account.balance += moves.get(account.pk, 0)
        SavingsAccount.objects.bulk_update(list(accounts.values()), ["balance"])
        return created


def credit_half_year(period_end: date, user=None, *, office_id: int | None = None) -> dict:
    """Credit every account's interest (of one office's households, or all) for the half-year
    ending on `period_end` (30 Jun or 31 Dec), with that value date, set-based (one statement
    on PostgreSQL, see crediting.py); an account already credited gets nothing again, so a
    re-run credits nothing twice."""
    start, end = check_period_end(period_end)
    _check_value_date(end)
    note = _("Lãi tiền gửi %(a)s–%(b)s") % {"a": f"{start:%d/%m/%Y}", "b": f"{end:%d/%m/%Y}"}
    with transaction.atomic():
        return credit_accounts(start, end, office_id=office_id, user=user, note=note)
