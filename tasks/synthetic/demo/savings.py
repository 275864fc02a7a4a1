"""Every demo household's savings history (DOMAIN.md §7), set-based: a deposit a month in
2026 through November, a withdrawal in September for three households in ten, then the
first half-year's interest credited by the job's own function. Deterministic (numpy's
generator seeded with the demo seed); households that already have an account are left alone.
"""

from datetime import date

import numpy as np

from borrowers.models import Borrower
from loans.savings import services
from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction

MONTHS = range(1, 12)  # January to November 2026, before the demo's HISTORY_END
WITHDRAWAL_DAY = date(2026, 9, 15)
CREDITED_HALF_YEAR = date(2026, 6, 30)


def seed_savings(*, seed: int, by) -> dict[str, int]:
    """Accounts and journal for the households without an account; the counts."""
    ids = np.fromiter(
        Borrower.objects.filter(savings_account__isnull=True)
        .order_by("id")
        .values_list("id", flat=True),
        dtype=np.int64,
    )
    if not len(ids):
        return {"accounts": 0, "entries": 0}
    rng = np.random.default_rng(seed)
    deposits = rng.integers(2, 21, size=(len(ids), len(MONTHS))) * 10_000  # 20,000–200,000
    days = 5 + ids % 20  # each household pays on its own day of the month
    withdraws = rng.random(len(ids)) < 0.3
    # Three tenths of the deposits made before September, in tens of thousands of đồng.
    taken = deposits[:, :8].sum(axis=1) * 3 // 10 // 10_000 * 10_000
    accounts = SavingsAccount.objects.bulk_create(
        SavingsAccount(borrower_id=int(pk), balance=0) for pk in ids
    )
    by_borrower = {a.borrower_id: a.pk for a in accounts}
    if any(a.pk is None for a in accounts):  # a backend that returns no ids
        by_borrower = dict(
            SavingsAccount.objects.filter(borrower_id__in=ids.tolist()).values_list(
                "borrower_id", "id"
            )
        )
    entries, balances = [], {}
    for row, pk in enumerate(ids.tolist()):
        account = by_borrower[pk]
        for col, month in enumerate(MONTHS):
            amount = int(deposits[row, col])
            entries.append(
                _entry(account, SavingsKind.DEPOSIT, amount, date(2026, month, int(days[row])), by)
            )
        balance = int(deposits[row].sum())
        if withdraws[row]:
            entries.append(
                _entry(account, SavingsKind.WITHDRAWAL, int(taken[row]), WITHDRAWAL_DAY, by)
            )
            balance -= int(taken[row])
        balances[account] = balance
    SavingsTransaction.objects.bulk_create(entries, batch_size=5000)
    changed = [SavingsAccount(pk=pk, balance=value) for pk, value in balances.items()]
    SavingsAccount.objects.bulk_update(changed, ["balance"], batch_size=2000)
    credited = services.credit_half_year(CREDITED_HALF_YEAR, by)
    return {"accounts": len(ids), "entries": len(entries), "interest": credited["total"]}


def _entry(account_id: int, kind: str, amount: int, on: date, by) -> SavingsTransaction:
    delta = -amount if kind == SavingsKind.WITHDRAWAL else amount
    return SavingsTransaction(
        account_id=account_id,
        kind=kind,
        amount=amount,
        delta=delta,
        value_date=on,
        posted_by=by,
        note="Dữ liệu mẫu",
    )
