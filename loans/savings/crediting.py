"""Crediting a half-year's interest to many accounts at once (DOMAIN.md §7), set-based.

On PostgreSQL one statement does it all for an office (or every account): the accounts not
yet credited on the period's end, their journal grouped per account and day (an interest
credit counting from its next day), the balance held over each interval between two changes
(window functions: a running SUM and LEAD), each interval × the cumulated daily rate over its
days, summed per account, rounded half-up once, inserted as the credits and added to the
cached balances (data-modifying CTEs, no row travels to Python). Elsewhere (SQLite) the numpy
computation of `interest.interest_between` and a bulk insert give the same figures.

An account credited already is left out, so a re-run credits nothing twice and costs little.
"""

from datetime import date

import numpy as np
from django.db import connection
from django.db.models import F, Max, OuterRef, Subquery

from .interest import DENOMINATOR, daily_rates, interest_between
from .models import SavingsAccount, SavingsKind, SavingsTransaction

Kind = SavingsKind

# {scope} is a fixed condition on the household `b` (its office, or every household). The
# scope's accounts are read once, each with whether it was credited already (the re-run's
# count, and the accounts left out); their entries are read through the (account, value_date)
# covering index.
_CREDIT_SQL = """
WITH scoped AS MATERIALIZED (
    SELECT a.id, EXISTS (
        SELECT 1 FROM savings_savingstransaction c
        WHERE c.account_id = a.id AND c.kind = 'interest_credit' AND c.value_date = %(end)s
    ) AS done
    FROM savings_savingsaccount a
    JOIN borrowers_borrower b ON b.id = a.borrower_id
    WHERE {scope}
),
moves AS (
    SELECT t.account_id,
           GREATEST(0, (t.value_date - %(start)s::date)
                       + CASE WHEN t.kind = 'interest_credit' THEN 1 ELSE 0 END) AS day,
           SUM(t.delta) AS delta
    FROM scoped s
    JOIN savings_savingstransaction t ON t.account_id = s.id AND t.value_date <= %(end)s
    WHERE NOT s.done
    GROUP BY 1, 2
),
intervals AS (
    SELECT account_id, day,
           SUM(delta) OVER (PARTITION BY account_id ORDER BY day) AS balance,
           COALESCE(LEAD(day) OVER (PARTITION BY account_id ORDER BY day), %(days)s) AS until
    FROM moves WHERE day < %(days)s
),
earned AS (
    SELECT account_id,
           FLOOR((2 * SUM(balance::numeric * ((%(cumulated)s::bigint[])[until + 1]
                                          - (%(cumulated)s::bigint[])[day + 1]))
                  + %(denominator)s) / (2 * %(denominator)s))::bigint AS amount
    FROM intervals GROUP BY account_id
),
credited AS (
    INSERT INTO savings_savingstransaction
        (account_id, kind, value_date, amount, delta, receipt_number, note, posted_at,
         posted_by_id)
    SELECT account_id, 'interest_credit', %(end)s, amount, amount, '', %(note)s, now(),
           %(user)s
    FROM earned WHERE amount > 0
    RETURNING account_id, amount
),
cached AS (
    UPDATE savings_savingsaccount a SET balance = a.balance + c.amount
    FROM credited c WHERE a.id = c.account_id
    RETURNING c.amount
)
SELECT (SELECT COUNT(*) FROM cached), (SELECT COALESCE(SUM(amount), 0) FROM cached),
       (SELECT COUNT(*) FROM scoped WHERE done)
"""


def credit_accounts(
    start: date, end: date, *, office_id: int | None, user, note: str
) -> dict[str, int]:
    """Credit the half-year [start, end] to the accounts (of one office's households, or all)
    not credited on `end` yet: {"accounts", "already_credited", "total"}. Runs inside the
    caller's transaction."""
    if connection.vendor == "postgresql":
        return _credit_in_sql(start, end, office_id=office_id, user=user, note=note)
    return _credit_in_python(start, end, office_id=office_id, user=user, note=note)


def _credit_in_sql(start, end, *, office_id, user, note) -> dict[str, int]:
    rates = daily_rates(start, end)
    cumulated = np.concatenate([[0], np.cumsum(rates)]).astype(np.int64)
    params = {
        "office": office_id,
        "start": start,
        "end": end,
        "days": len(rates),
        "cumulated": [int(value) for value in cumulated],
        "denominator": DENOMINATOR,
        "note": note,
        "user": getattr(user, "pk", None),
    }
    scope = "TRUE" if office_id is None else "b.office_id = %(office)s"
    with connection.cursor() as cursor:
        cursor.execute(_CREDIT_SQL.format(scope=scope), params)
        accounts, total, done = cursor.fetchone()
    return {"accounts": int(accounts), "already_credited": int(done), "total": int(total)}


def _credit_in_python(start, end, *, office_id, user, note) -> dict[str, int]:
    accounts = SavingsAccount.objects.all()
    if office_id is not None:
        accounts = accounts.filter(borrower__office_id=office_id)
    credited = SavingsTransaction.objects.filter(
        kind=Kind.INTEREST_CREDIT, value_date=end, account__in=accounts.values("id")
    )
    done = set(credited.values_list("account_id", flat=True))
    amounts = interest_between(start, end, accounts.exclude(pk__in=done).values("id"))
    last_id = SavingsTransaction.objects.aggregate(m=Max("id"))["m"] or 0
    entries = [
        SavingsTransaction(
            account_id=account_id,
            kind=Kind.INTEREST_CREDIT,
            amount=amount,
            delta=amount,
            value_date=end,
            posted_by=user,
            note=note,
        )
        for account_id, amount in amounts.items()
    ]
    SavingsTransaction.objects.bulk_create(entries, batch_size=5000)
    _add_new_credits(accounts, end, last_id)
    total = sum(entry.amount for entry in entries)
    return {"accounts": len(entries), "already_credited": len(done), "total": total}


def _add_new_credits(accounts, end: date, last_id: int) -> None:
    """Move the cached balances by the credits just inserted (ids above `last_id`), one UPDATE."""
    new = SavingsTransaction.objects.filter(
        kind=Kind.INTEREST_CREDIT, value_date=end, id__gt=last_id
    )
    accounts.filter(pk__in=new.values("account_id")).update(
        balance=F("balance") + Subquery(new.filter(account=OuterRef("pk")).values("delta")[:1])
    )
