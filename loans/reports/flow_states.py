"""What the flows and Decree 28 reports count per loan, kept by the night beside the flow sums
(`flow_aggregates.roll_up_flows`, same transaction, same mark per office): the disbursements
not reversed (`DisbursementEntry`, for the households reached) and the days a loan's
outstanding principal reached 0 (`LoanClosing`, for the loans closed in a period).

Why they stay exact: both are functions of a loan's journal entries alone. Each night
recomputes them for the loans with an entry entered since the office's previous mark (every
loan on the first night), from the entries up to the new mark. A report reads them for the
loans with nothing after the mark, and computes the others (the few with an entry since, read
from the journal) as the raw report does; groupings and filters are read on the loan as it is
now (a join), so every grouping is covered.

Closed in [s, e] (the raw definition, `builders.closed_loan_ids`): a repayment or write-off
in the period and nothing outstanding at the end of e. With O(d) the outstanding at the end of
day d, a closing day is a day with a repayment or write-off and O = 0; each closing day keeps
the first later day that is a closing day or has O > 0 (`reopened_on`). Outstanding only falls
through a repayment or write-off, so a loan is closed in [s, e] exactly when one closing day c
has s <= c <= e < reopened_on (or no reopening): one row per loan at most, so counts add up.
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
    """Bring the office's kept disbursements and closing days up to the entries with ids up to
    `upto` (from `since`, the previous mark); call it in the night's transaction."""
    if upto <= since:
        return
    entry = LoanTransaction._meta.db_table
    # The loans with an entry in the window: on the first roll-up every loan of the office
    # (read from the loans, so the journal is read loan by loan through its covering index).
    if since == 0:
        touched, scope = f"SELECT id FROM {Loan._meta.db_table} WHERE office_id = %s", [office_id]
    else:
        touched = f"SELECT DISTINCT loan_id FROM {entry} WHERE office_id = %s AND id > %s"
        touched += " AND id <= %s"
        scope = [office_id, since, upto]
    window = [*scope, since, upto]
    with connection.cursor() as cursor:
        # Disbursements entered in the window, and those a reversal in the window undid.
        cursor.execute(
            f"""
            INSERT INTO {DisbursementEntry._meta.db_table}
                (id, loan_id, office_id, programme_id, value_date, amount)
            SELECT t.id, t.loan_id, t.office_id, l.programme_id, t.value_date, t.amount
            FROM {entry} t JOIN {Loan._meta.db_table} l ON l.id = t.loan_id
            WHERE t.loan_id IN ({touched}) AND t.id > %s AND t.id <= %s
                AND t.kind = 'disbursement'
            """,
            window,
        )
        cursor.execute(
            f"""
            DELETE FROM {DisbursementEntry._meta.db_table} WHERE id IN (
                SELECT r.reverses_id FROM {entry} r
                WHERE r.loan_id IN ({touched}) AND r.id > %s AND r.id <= %s
                    AND r.kind = 'reversal')
            """,
            window,
        )
        cursor.execute(
            f"DELETE FROM {LoanClosing._meta.db_table} WHERE loan_id IN ({touched})", scope
        )
        cursor.execute(_closings_sql(touched), [*scope, upto, upto])


def _closings_sql(touched: str) -> str:
    """INSERT the closing days of the loans of `touched` from their entries up to a mark."""
    entry = LoanTransaction._meta.db_table
    raising = ", ".join(f"'{kind}'" for kind in RAISING)
    reducing = ", ".join(f"'{kind}'" for kind in REDUCING)
    return f"""
        WITH moves AS (
            SELECT t.loan_id, t.value_date AS day,
                SUM(CASE WHEN t.kind IN ({raising}) THEN t.amount ELSE -t.amount END) AS net,
                MAX(CASE WHEN t.kind IN ({reducing}) THEN 1 ELSE 0 END) AS reducing
            FROM {entry} t
            WHERE t.loan_id IN ({touched}) AND t.id <= %s
                AND t.kind IN ({raising}, {reducing})
                AND NOT EXISTS (
                    SELECT 1 FROM {entry} r WHERE r.reverses_id = t.id AND r.id <= %s)
            GROUP BY t.loan_id, t.value_date
        ),
        running AS (
            SELECT loan_id, day, reducing,
                SUM(net) OVER (PARTITION BY loan_id ORDER BY day) AS owed
            FROM moves
        ),
        marked AS (
            SELECT loan_id, day,
                CASE WHEN reducing = 1 AND owed = 0 THEN 1 ELSE 0 END AS closing,
                LEAD(day) OVER (PARTITION BY loan_id ORDER BY day) AS next_day
            FROM running
            WHERE (reducing = 1 AND owed = 0) OR owed > 0
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
    """The request's disbursements not reversed, value-dated in its period: the kept ones
    (less those a reversal after the mark undid) and those entered after the mark; one row
    each with `exprs`, the household (`borrower_id`), its ethnicity and the amount."""
    after = after_marks(marks)
    period = {"value_date__gte": request.start, "value_date__lte": request.end}
    in_scope = request.filters.q("loan__", own_office=True)
    undone = LoanTransaction.objects.filter(after, kind="reversal").values("reverses_id")
    kept = DisbursementEntry.objects.filter(in_scope, **period).exclude(id__in=undone)
    if request.filters.decree_28_only:  # the kept row's own programme, read before any join
        lines = Programme.objects.filter(is_decree_28=True).values_list("pk", flat=True)
        kept = kept.filter(programme_id__in=list(lines))
    recent = LoanTransaction.objects.filter(after, in_scope, kind="disbursement", **period).filter(
        ~Exists(LoanTransaction.objects.filter(reverses=OuterRef("pk")))
    )
    columns = {
        **exprs,
        "c_borrower": F("loan__borrower_id"),
        "c_ethnicity": F("loan__borrower__ethnicity"),
        "c_amount": F("amount"),
    }
    records = [row for rows in (kept, recent) for row in rows.order_by().values(**columns)]
    return pd.DataFrame.from_records(records, columns=list(columns))
