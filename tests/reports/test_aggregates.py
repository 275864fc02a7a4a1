"""The nightly aggregates answer every position report exactly as the snapshot rows do.

A generated portfolio (tasks.synthetic, 200 loans, with its own reversals), a night, then
back-dated repayments and a reversal entered after it, and the night run again: every report
read from the aggregates ("aggregate") equals, row for row and total for total, the same report
read from the snapshot rows ("snapshot"), for every grouping and the covered filters. The
aggregates are replaced on a re-run, and a report they cannot answer says where it read.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from loans import services
from loans.models import Loan, LoanTransaction
from loans.reports.builders import build_report
from loans.reports.models import AggregateDay, PositionAggregate
from loans.reports.params import ReportFilters, ReportRequest
from programmes.models import Programme
from tasks.jobs import run_arrears
from tasks.synthetic import generator

AS_OF = date(2026, 3, 31)
GROUPINGS = [
    (),
    ("programme",),
    ("loan_line",),
    ("office",),
    ("transaction_point",),
    ("commune",),
    ("former_commune",),
    ("association",),
    ("savings_group",),
    ("ethnicity",),
    ("household_category",),
    ("office", "programme"),
    ("office", "programme", "ethnicity"),
    ("office", "savings_group"),
]
POSITION_REPORTS = ["portfolio", "arrears_ageing", "decree_28"]


@pytest.fixture(autouse=True)
def no_margin(settings):
    settings.REPORT_SNAPSHOT_MARGIN = timedelta(0)


@pytest.fixture
def generated(db):
    generator.generate_portfolio(loans=200, seed=17, until=AS_OF, batch_size=200)
    run_arrears(as_of=AS_OF)
    admin = get_user_model().objects.create_superuser("agg-admin", password="x-Agg-12345")
    _post_after_the_night(admin)
    run_arrears(as_of=AS_OF)  # the night again, over the postings entered since
    return admin


def _post_after_the_night(admin) -> None:
    """Two back-dated repayments and the reversal of an earlier one, entered after the night."""
    owing = Loan.objects.filter(outstanding_principal__gt=100_000).order_by("id")[:2]
    for loan in owing:
        services.record_repayment(loan, principal=100_000, on=AS_OF - timedelta(days=3), by=admin)
    earlier = (
        LoanTransaction.objects.filter(kind="principal_repayment", value_date__lt=AS_OF)
        .filter(reversed_by__isnull=True)
        .exclude(kind="reversal")
        .order_by("id")
        .first()
    )
    services.reverse(earlier, reason="nhập nhầm", by=admin)


def _report(kind: str, source: str, group_by=(), **filters):
    dates = {"as_of": AS_OF} if kind != "decree_28" else {"start": date(2026, 3, 1), "end": AS_OF}
    request = ReportRequest(
        filters=ReportFilters(**filters), group_by=tuple(group_by), source=source, **dates
    )
    return build_report(kind, request).as_json()


def _figures(body: dict) -> tuple:
    return body["rows"], body["totals"]


@pytest.mark.parametrize("kind", POSITION_REPORTS)
def test_every_report_from_the_aggregates_equals_the_snapshot_rows(generated, kind):
    # Both read the same night; the aggregates must give the same rows (order included) and
    # totals, `borrowers` counted once per row and once overall, for every grouping.
    for group_by in GROUPINGS:
        aggregated = _report(kind, "auto", group_by)
        raw = _report(kind, "snapshot", group_by)
        assert aggregated["source"] == "aggregate", group_by
        assert raw["source"] == "snapshot"
        assert _figures(aggregated) == _figures(raw), (kind, group_by)
        assert raw["rows"], group_by


def test_the_covered_filters_equal_the_snapshot_rows(generated):
    office = Loan.objects.order_by("id").first().office
    programme = Programme.objects.filter(loans__isnull=False).order_by("id").first()
    for filters in ({"office": office}, {"programme": programme}, {"office_ids": [office.pk]}):
        for kind in POSITION_REPORTS:
            for group_by in [(), ("transaction_point",), ("programme", "ethnicity")]:
                aggregated = _report(kind, "auto", group_by, **filters)
                assert aggregated["source"] == "aggregate"
                raw = _report(kind, "snapshot", group_by, **filters)
                assert _figures(aggregated) == _figures(raw), (kind, group_by, filters)


def test_a_rerun_replaces_the_aggregates(generated):
    before = list(PositionAggregate.objects.order_by("id").values_list(*_COLUMNS))
    days = AggregateDay.objects.filter(as_of=AS_OF).count()
    run_arrears(as_of=AS_OF)
    after = list(PositionAggregate.objects.order_by("id").values_list(*_COLUMNS))
    assert sorted(after, key=repr) == sorted(before, key=repr)
    assert AggregateDay.objects.filter(as_of=AS_OF).count() == days
    # The day's aggregates count each snapshot row once.
    assert sum(AggregateDay.objects.filter(as_of=AS_OF).values_list("loans", flat=True)) == (
        _snapshot_rows()
    )


_COLUMNS = ["office_id", "span", "programme_id", "dim", "key_id", "key_code", "bucket"]
_COLUMNS += ["loans", "borrowers", "outstanding_principal", "overdue_principal"]


def _snapshot_rows() -> int:
    from loans.models import PositionSnapshot

    return PositionSnapshot.objects.filter(as_of=AS_OF).count()


def test_a_grouping_or_filter_the_aggregates_lack_reads_the_rows(generated):
    # Two groupings besides office and programme, or a point filter: the snapshot rows.
    assert _report("portfolio", "auto", ("commune", "ethnicity"))["source"] == "snapshot"
    point = Loan.objects.order_by("id").first().transaction_point
    assert _report("portfolio", "auto", transaction_point=point)["source"] == "snapshot"


def test_a_posting_after_the_night_falls_back_to_the_engine(generated):
    # A back-dated repayment entered after the (second) night: neither the aggregates nor the
    # rows hold; the report computes and says so, with the same figures as the engine.
    loan = Loan.objects.filter(outstanding_principal__gt=100_000).order_by("-id").first()
    services.record_repayment(loan, principal=100_000, on=AS_OF - timedelta(days=1), by=generated)
    body = _report("portfolio", "aggregate", ("programme",))
    assert body["source"] == "engine"
    assert _figures(body) == _figures(_report("portfolio", "engine", ("programme",)))


def test_an_edited_loan_group_makes_the_report_read_the_rows(generated):
    # Moving a loan to another savings group after the night: the aggregates hold the old
    # group, the rows join the new one, so the report reads the rows.
    loan = Loan.objects.filter(savings_group__isnull=False).order_by("id").first()
    other = (
        type(loan.savings_group)
        .objects.filter(transaction_point=loan.transaction_point)
        .exclude(pk=loan.savings_group_id)
        .first()
    )
    if other is None:
        pytest.skip("no second group at the point")
    loan.savings_group = other
    loan.save()
    body = _report("portfolio", "auto", ("savings_group",))
    assert body["source"] == "snapshot"


FLOW_GROUPINGS = [(), ("programme",), ("office",), ("office", "programme")]


def _flows(source: str, group_by=(), **filters):
    request = ReportRequest(
        filters=ReportFilters(**filters),
        group_by=tuple(group_by),
        source=source,
        start=date(2025, 1, 1),
        end=AS_OF,
    )
    return build_report("flows", request).as_json()


def test_flows_from_the_roll_ups_equal_the_journal_after_later_postings(generated):
    # Rolled up by the second night (the first night's roll-up plus the increments of the
    # postings entered in between), then more back-dated postings and a reversal entered after
    # it: the roll-ups plus the journal after each office's mark equal the journal alone.
    _post_after_the_night(generated)
    programme = Programme.objects.filter(loans__isnull=False).order_by("id").first()
    for group_by in FLOW_GROUPINGS:
        for filters in ({}, {"programme": programme}):
            rolled = _flows("auto", group_by, **filters)
            journal = _flows("snapshot", group_by, **filters)
            assert (rolled["source"], journal["source"]) == ("aggregate", "journal")
            assert _figures(rolled) == _figures(journal), (group_by, filters)
            assert journal["totals"]["principal_collected"] > 0
    assert _flows("auto", ("ethnicity",))["source"] == "journal"


# --- the states the night keeps per loan: closing days and disbursements ------------------


def _reverse_a_disbursement(admin) -> LoanTransaction | None:
    """The reversal of a disbursement of March whose loan has nothing else posted (None if the
    generated book has none)."""
    for entry in LoanTransaction.objects.filter(
        kind="disbursement", value_date__gte=date(2026, 3, 1), reversed_by__isnull=True
    ).order_by("id"):
        if not entry.loan.transactions.exclude(pk=entry.pk).exists():
            return services.reverse(entry, reason="giải ngân nhầm", by=admin)
    return None


def test_closed_and_new_loans_from_the_states_equal_the_journal_for_every_grouping(generated):
    # The states of the second night, then back-dated repayments and a reversal entered after
    # it (their loans are read from the journal): every grouping and period, the same counts.
    # The aggregates hold the sums only by office and programme; the other groupings read
    # the journal's sums (source "journal") but still count closed loans from the states.
    _post_after_the_night(generated)
    periods = [(date(2025, 1, 1), AS_OF), (date(2026, 3, 1), AS_OF), (date(2025, 6, 1), None)]
    closed = 0
    for start, end in periods:
        for group_by in GROUPINGS:
            request = {"start": start, "end": end or date(2025, 6, 30)}
            both = [
                build_report(
                    "flows",
                    ReportRequest(filters=ReportFilters(), group_by=group_by, source=s, **request),
                ).as_json()
                for s in ("auto", "snapshot")
            ]
            assert _figures(both[0]) == _figures(both[1]), (group_by, start)
            closed = max(closed, both[1]["totals"]["closed_loans"])
    assert closed > 0  # the generated book closes loans in these periods


def test_decree_28_from_the_kept_disbursements_equals_the_journal(generated):
    # Households reached and disbursed from the kept disbursements, with a disbursement
    # reversed after the night (it drops out at once), then after the next night.
    reversal = _reverse_a_disbursement(generated)
    for _night in range(2):
        for group_by in GROUPINGS:
            aggregated = _report("decree_28", "auto", group_by)
            raw = _report("decree_28", "snapshot", group_by)
            assert _figures(aggregated) == _figures(raw), group_by
        assert raw["totals"]["households_reached"] > 0
        run_arrears(as_of=AS_OF)
    if reversal is not None:  # its loan has no disbursement left to keep
        from loans.reports.models import DisbursementEntry

        assert not DisbursementEntry.objects.filter(loan_id=reversal.loan_id).exists()


def test_the_states_of_a_rerun_from_nothing_equal_the_nights(generated):
    # The states built by two nights (the second from the first's mark) equal those built
    # from the journal's first entry in one roll-up.
    from loans.reports.flow_states import roll_up_states
    from loans.reports.models import DisbursementEntry, FlowRollup, LoanClosing

    def states():
        closings = LoanClosing.objects.values_list("loan_id", "closed_on", "reopened_on")
        kept = DisbursementEntry.objects.values_list("loan_id", "value_date", "amount")
        return sorted(closings), sorted(kept)

    nights = states()
    assert nights[0] and nights[1]
    LoanClosing.objects.all().delete()
    DisbursementEntry.objects.all().delete()
    for mark in FlowRollup.objects.all():
        roll_up_states(office_id=mark.office_id, since=0, upto=mark.last_id)
    assert states() == nights
