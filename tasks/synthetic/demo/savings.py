"""Every demo household's savings history (DOMAIN.md §7), set-based: a deposit a month in
2026 through November, a withdrawal in September for three households in ten, then the
first half-year's interest credited by the job's own function. Deterministic (numpy's
generator seeded with the demo seed); households that already have an account are left alone.
The benchmark uses the same block for its generated portfolio (tasks/synthetic/bench).
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

from borrowers.models import Borrower
from loans.savings import services
from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction

YEAR, LAST_MONTH = 2026, 11  # January to November 2026, before the demo's HISTORY_END
CREDITED_HALF_YEAR = date(2026, 6, 30)


@dataclass
class SavingsPlan:
    """Per household (row): the deposit of each month, its day, the withdrawal (0: none)."""

    ids: np.ndarray
    deposits: np.ndarray  # (households, months)
    days: np.ndarray
    withdrawals: np.ndarray
    year: int
    withdrawal_day: date


def plan_savings(ids: np.ndarray, *, seed: int, year: int, last_month: int) -> SavingsPlan:
    """Deposits of 20,000–200,000 đồng each month from January through `last_month`; for
    three households in ten a withdrawal of 3/10 of the earlier months' deposits on the 15th,
    two months before the last (in tens of thousands of đồng, so never above the balance)."""
    rng = np.random.default_rng(seed)
    deposits = rng.integers(2, 21, size=(len(ids), last_month)) * 10_000
    withdrawal_month = max(1, last_month - 2)
    taken = deposits[:, : withdrawal_month - 1].sum(axis=1) * 3 // 10 // 10_000 * 10_000
    withdraws = rng.random(len(ids)) < 0.3
    return SavingsPlan(
        ids=ids,
        deposits=deposits,
        days=5 + ids % 20,  # each household pays on its own day of the month
        withdrawals=np.where(withdraws, taken, 0),
        year=year,
        withdrawal_day=date(year, withdrawal_month, 15),
    )


def seed_savings(
    *, seed: int, by, year: int = YEAR, last_month: int = LAST_MONTH, credit: bool = True
) -> dict[str, int]:
    """Accounts and journal for the households without an account; with `credit`, the first
    half-year's interest through the job's function. The counts."""
    ids = np.fromiter(
        Borrower.objects.filter(savings_account__isnull=True)
        .order_by("id")
        .values_list("id", flat=True),
        dtype=np.int64,
    )
    if not len(ids):
        return {"accounts": 0, "entries": 0, "interest": 0}
    plan = plan_savings(ids, seed=seed, year=year, last_month=last_month)
    balances = plan.deposits.sum(axis=1) - plan.withdrawals
    SavingsAccount.objects.bulk_create(
        (
            SavingsAccount(borrower_id=int(b), balance=int(v))
            for b, v in zip(ids, balances, strict=True)
        ),
        batch_size=5000,
    )
    accounts = dict(
        SavingsAccount.objects.filter(borrower_id__in=ids.tolist()).values_list("borrower_id", "id")
    )
    entries = list(_entries(plan, accounts, by))
    SavingsTransaction.objects.bulk_create(entries, batch_size=5000)
    credited = services.credit_half_year(CREDITED_HALF_YEAR, by) if credit else {"total": 0}
    return {"accounts": len(ids), "entries": len(entries), "interest": credited["total"]}


def _entries(plan: SavingsPlan, accounts: dict[int, int], by):
    for row, borrower_id in enumerate(plan.ids.tolist()):
        account = accounts[borrower_id]
        day = int(plan.days[row])
        for col, amount in enumerate(plan.deposits[row].tolist()):
            on = date(plan.year, col + 1, day)
            yield _entry(account, SavingsKind.DEPOSIT, amount, on, by)
        if plan.withdrawals[row]:
            amount = int(plan.withdrawals[row])
            yield _entry(account, SavingsKind.WITHDRAWAL, amount, plan.withdrawal_day, by)


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
