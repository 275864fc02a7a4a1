"""What the flows and Decree 28 reports count per loan, kept by the night beside the flow sums
(`flow_aggregates.roll_up_flows`, same transaction, same mark per office): the disbursements
not reversed (`DisbursementEntry`, for the households reached) and the days a loan's
outstanding principal reached 0 (`LoanClosing`, for the loans closed in a period).

Why they stay exact: both are functions of a loan's journal entries alone. Each night
recomputes them for the loans with an entry entered since the office's previous mark (every
loan on the first night), from all their entries. A report reads them for the
loans with nothing after the mark, and computes the others (the few with an entry since, read
from the journal) as the raw report does; groupings and filters are read on the loan as it is
now (a join), so every grouping is covered.

Closed in [s, e] (the raw definition, `builders.closed_loan_ids`): a repayment or write-off
in the period and nothing outstanding at the end of e. With O(d) the outstanding at the end of
day d, a closing day is a day with a repayment or write-off and O = 0; each closing day keeps
the first later day that is a closing day or has O > 0 (`reopened_on`). Outstanding only falls
through a repayment or write-off, so a loan is closed in [s, e] exactly when one closing day c
has s <= c <= e < reopened_on (or no reopening): one row per loan at most, so counts add up.

Cost: an ordinary night recomputes the few loans with a posting; the first roll-up of an
office (and the first night after the migration that added these states, which starts every
office's roll-up again) reads the office's whole journal once.
"""

import pandas as pd
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q

from programmes.models import Programme

from ..models import Loan, LoanTransaction
from .models import DisbursementEntry, LoanClosing
from .params import ReportRequest

RAISING = ("disbursement", "opening_balance")
REDUCING = ("principal_repayment", "write_off")


def roll_up_states(*, office_id: int, since: int, upto: int) -> None:
    """Recompute the kept disbursements and closing days of the office's loans with an entry
    after `since` (the previous mark) up to `upto` (all its loans on the first roll-up), from
    their whole journal; call it in the night's transaction."""
    if upto <= since:
        return
    entry = LoanTransaction._meta.db_table
    if since == 0:
        touched, scope = f"SELECT id FROM {Loan._meta.db_table} WHERE office_id = %s", [office_id]
    else:
        touched = f"SELECT DISTINCT loan_id FROM {entry} WHERE office_id = %s AND id > %s"
        touched += " AND id <= %s"
        scope = [office_id, since, upto]
    with connection.cursor() as cursor:
        for model in (DisbursementEntry, LoanClosing):
            table = model._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE loan_id IN ({touched})", scope)
        cursor.execute(_disbursements_sql(touched), scope)
        cursor.execute(_closings_sql(touched), scope)


def _moves_sql(touched: str) -> str:
    """Per loan of `touched` and value date, net of reversals (a reversal carries its
    original's value date and undoes its kind): the principal moved, the repayments and
    write-offs, the disbursed amount and the disbursements. Read from the journal's covering
    (loan, value date) index; only a reversal visits the entry it reverses."""
    entry = LoanTransaction._meta.db_table
    raising = ", ".join(f"'{kind}'" for kind in RAISING)
    reducing = ", ".join(f"'{kind}'" for kind in REDUCING)
    kinds = f"{raising}, {reducing}"

    def signed(kind_list: str, value: str) -> str:
        return (
            f"CASE WHEN t.kind IN ({kind_list}) THEN {value}"
            f" WHEN t.kind = 'reversal' AND o.kind IN ({kind_list}) THEN -{value} ELSE 0 END"
        )

    return f"""
        moves AS (
            SELECT t.loan_id, t.value_date AS day,
                SUM({signed(raising, "t.amount")})
                    - SUM({signed(reducing, "t.amount")}) AS net,
                SUM({signed(reducing, "1")}) AS reducing,
                SUM({signed("'disbursement'", "t.amount")}) AS disbursed,
                SUM({signed("'disbursement'", "1")}) AS disbursements
            FROM {entry} t LEFT JOIN {entry} o ON o.id = t.reverses_id
            WHERE t.loan_id IN ({touched}) AND (t.kind IN ({kinds}) OR t.kind = 'reversal')
            GROUP BY t.loan_id, t.value_date
        )"""


def _disbursements_sql(touched: str) -> str:
    return f"""
        WITH {_moves_sql(touched)}
        INSERT INTO {DisbursementEntry._meta.db_table}
            (loan_id, office_id, programme_id, value_date, amount)
        SELECT m.loan_id, l.office_id, l.programme_id, m.day, m.disbursed
        FROM moves m JOIN {Loan._meta.db_table} l ON l.id = m.loan_id
        WHERE m.disbursements > 0
    """


def _closings_sql(touched: str) -> str:
    """INSERT the closing days of the loans of `touched`."""
    return f"""
        WITH {_moves_sql(touched)},
        running AS (
            SELECT loan_id, day, reducing,
                SUM(net) OVER (PARTITION BY loan_id ORDER BY day) AS owed
            FROM moves
        ),
        marked AS (
            SELECT loan_id, day,
                CASE WHEN reducing > 0 AND owed = 0 THEN 1 ELSE 0 END AS closing,
                LEAD(day) OVER (PARTITION BY loan_id ORDER BY day) AS next_day
            FROM running
            WHERE (reducing > 0 AND owed = 0) OR owed > 0
        )
        INSERT INTO {LoanClosing._meta.db_table}
            (loan_id, office_id, programme_id, closed_on, reopened_on)
        SELECT m.loan_id, l.office_id, l.programme_id, m.day, m.next_day
        FROM marked m JOIN {Loan._meta.db_table} l ON l.id = m.loan_id
        WHERE m.closing = 1
    """


# --- the reports' reads ------------------------------------------------------------------


def kept_closings(request: ReportRequest, marks: dict[int, int]):
    """The kept closing rows that count a loan as closed in the request's period, of the loans
    in its filters with no entry after their office's mark."""
    end = request.end
    return (
        LoanClosing.objects.filter(
            request.filters.q("loan__", own_office=True),
            closed_on__gte=request.start,
            closed_on__lte=end,
        )
        .filter(Q(reopened_on__isnull=True) | Q(reopened_on__gt=end))
        .exclude(loan_id__in=touched_loans(marks))
    )


def after_marks(marks: dict[int, int]) -> Q:
    """The journal entries after each office's mark (not in its roll-ups yet)."""
    after = Q(pk__in=[])
    for office_id, last_id in marks.items():
        after |= Q(office_id=office_id, id__gt=last_id)
    return after & Q(id__gt=min(marks.values()))  # the primary key's range, for the planner


def touched_loans(marks: dict[int, int]):
    """The loans with an entry after their office's mark (their kept states may be behind)."""
    return LoanTransaction.objects.filter(after_marks(marks)).values("loan_id")


def disbursements(request: ReportRequest, marks: dict[int, int], exprs: dict) -> pd.DataFrame:
    """The request's disbursements not reversed, value-dated in its period: the kept ones (a
    row per loan and day) of the loans with nothing after the mark, the journal's of the
    others; one row each with `exprs`, the household, its ethnicity and the amount."""
    period = {"value_date__gte": request.start, "value_date__lte": request.end}
    in_scope = request.filters.q("loan__", own_office=True)
    touched = touched_loans(marks)
    kept = DisbursementEntry.objects.filter(in_scope, **period).exclude(loan_id__in=touched)
    if request.filters.decree_28_only:  # the kept row's own programme, read before any join
        lines = Programme.objects.filter(is_decree_28=True).values_list("pk", flat=True)
        kept = kept.filter(programme_id__in=list(lines))
    recent = LoanTransaction.objects.filter(
        in_scope, kind="disbursement", loan_id__in=touched, **period
    ).filter(~Exists(LoanTransaction.objects.filter(reverses=OuterRef("pk"))))
    columns = {
        **exprs,
        "c_borrower": F("loan__borrower_id"),
        "c_ethnicity": F("loan__borrower__ethnicity"),
        "c_amount": F("amount"),
    }
    records = [row for rows in (kept, recent) for row in rows.order_by().values(**columns)]
    return pd.DataFrame.from_records(records, columns=list(columns))
