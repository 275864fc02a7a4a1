"""The dashboard's figures for a user's offices: a handful of set-based queries, each a GROUP
BY or an aggregate in the database, never one query per loan.

The portfolio figures are the portfolio report's own (`loans.reports.source.position_totals`
over the user's offices, no grouping), as of the last day the nightly job completed: so the
dashboard and /api/v1/reports/portfolio/?as_of=that day always agree.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Sum

from borrowers.selectors import User, office_ids_for, scope
from core.money import ratio
from loans.models import LoanTransaction, PositionSnapshot, SnapshotDay
from loans.reports.aggregate_source import due_in_week
from loans.reports.builders import default_as_of, report_session
from loans.reports.models import AggregateDay, PositionAggregate
from loans.reports.params import ReportFilters
from loans.reports.source import position_totals
from loans.selectors import instalments_due_between, last_snapshot_day

TREND_MONTHS = 12
# Today's postings shown live, by journal kind (a reversed entry and its reversal drop out).
TODAY_KINDS = ("disbursement", "principal_repayment", "interest_payment")


@dataclass(frozen=True)
class Portfolio:
    """The portfolio report's totals over the user's offices at the end of `as_of`."""

    as_of: date
    source: str
    loans: int
    borrowers: int
    outstanding: int
    overdue: int

    @property
    def overdue_ratio(self) -> Decimal:
        return ratio(self.overdue, self.outstanding)


def portfolio(user: User, *, as_of: date) -> Portfolio:
    """Loans, households, outstanding and overdue of the user's offices (the report's figures)."""
    filters = ReportFilters.for_user(user)
    with report_session():
        totals = position_totals(as_of=as_of, filters=filters, dims=[])
    row = totals.frame.iloc[0] if len(totals.frame) else None

    def figure(name: str) -> int:
        return 0 if row is None else int(row[name])

    return Portfolio(
        as_of=as_of,
        source=totals.source,
        loans=figure("loans"),
        borrowers=int(totals.borrowers),
        outstanding=figure("outstanding_principal"),
        overdue=figure("overdue_principal"),
    )


def dashboard_day(today: date) -> date:
    """The day the dashboard's portfolio is as of: the last completed night, else yesterday."""
    return last_snapshot_day(today) or default_as_of(today)


def month_ends(before: date, count: int = TREND_MONTHS) -> list[date]:
    """The last `count` month ends on or before `before`, oldest first."""
    ends, day = [], before.replace(day=1) - timedelta(days=1)
    if (before + timedelta(days=1)).day == 1:
        day = before
    for _index in range(count):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def overdue_trend(user: User, *, before: date) -> list[tuple[date, Decimal]]:
    """Overdue ratio at each of the last 12 month ends the nightly job completed (month-end
    snapshots are kept for ever): one GROUP BY over the nightly aggregates (the snapshot rows
    for a month end written before them)."""
    completed = dict(
        SnapshotDay.objects.filter(as_of__in=month_ends(before)).values_list("as_of", "loans")
    )
    days = list(completed)
    # The nightly aggregates of a day whose every office has them, else the snapshot rows.
    aggregated = [day for day, loans in aggregated_loans(days).items() if completed[day] == loans]
    from_aggregates = PositionAggregate.objects.filter(
        as_of__in=aggregated, span="all", dim="", bucket=""
    )
    from_rows = PositionSnapshot.objects.filter(as_of__in=set(days) - set(aggregated))
    found = {}
    for rows, office in ((from_aggregates, "office_id"), (from_rows, "office")):
        for row in (
            scope(rows, user, office_field=office)
            .order_by()
            .values("as_of")
            .annotate(outstanding=Sum("outstanding_principal"), overdue=Sum("overdue_principal"))
        ):
            found[row["as_of"]] = ratio(row["overdue"] or 0, row["outstanding"] or 0)
    return [(day, found.get(day, ratio(0, 0))) for day in sorted(days)]


def aggregated_loans(days: list[date]) -> dict[date, int]:
    """Per day, the loans the offices' aggregates count (all offices: compared with the day's)."""
    rows = AggregateDay.objects.filter(as_of__in=days).order_by().values("as_of")
    return {row["as_of"]: row["n"] for row in rows.annotate(n=Sum("loans"))}


def postings_on(user: User, *, day: date) -> dict[str, dict[str, int]]:
    """Today's postings (live, from the journal): amount and count per kind."""
    reversed_q = LoanTransaction.objects.filter(reverses=OuterRef("pk"))
    rows = (
        scope(LoanTransaction.objects.filter(value_date=day, kind__in=TODAY_KINDS), user)
        .filter(~Exists(reversed_q))
        .order_by()
        .values("kind")
        .annotate(amount=Sum("amount"), entries=Count("id"))
    )
    found = {row["kind"]: row for row in rows}
    return {
        kind: {
            "amount": int(found.get(kind, {}).get("amount") or 0),
            "entries": int(found.get(kind, {}).get("entries") or 0),
        }
        for kind in TODAY_KINDS
    }


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week of `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def due_this_week(user: User, *, today: date) -> dict:
    """Loans with a principal instalment due this week (Monday to Sunday) and its sum."""
    start, end = week_of(today)
    # As the last night kept them when they still hold (every schedule and standing as then),
    # else summed from the schedules in force.
    kept = due_in_week(
        as_of=dashboard_day(today), week_start=start, office_ids=office_ids_for(user)
    )
    if kept is not None:
        return {"start": start, "end": end, **kept}
    due = scope(instalments_due_between(start, end), user, office_field="loan__office")
    sums = due.order_by().aggregate(loans=Count("loan", distinct=True), principal=Sum("principal"))
    return {
        "start": start,
        "end": end,
        "loans": int(sums["loans"] or 0),
        "principal": int(sums["principal"] or 0),
    }


def discrepancies_of_last_reconciliation(user: User) -> dict | None:
    """The last finished month's reconciliation and its discrepancies in the user's offices."""
    from loans.reconciliation.models import Discrepancy, Reconciliation

    last = Reconciliation.objects.filter(finished_at__isnull=False).order_by("-month").first()
    if last is None:
        return None
    mine = scope(Discrepancy.objects.filter(reconciliation=last), user)
    by_kind = list(mine.order_by().values("kind").annotate(n=Count("id")).order_by("kind"))
    return {"reconciliation": last, "count": sum(row["n"] for row in by_kind), "by_kind": by_kind}


def sees_anything(user: User) -> bool:
    """A user without an office (and not branch level) sees no figures at all."""
    return office_ids_for(user) != []
