"""The reconciliation's totals per level, kept by the job beside the lines, answer the report
exactly as summing the lines does; they are replaced on a re-run, and a filter they do not cover
reads the lines (the answer's `source` says which)."""

import pytest

from loans.reconciliation.models import Reconciliation, ReconciliationTotal
from loans.reconciliation.selectors import Filters
from loans.reports import reconciliation as report
from tasks.jobs import reconciliation

LEVELS = ("savings_group", "association", "transaction_point", "office", "programme")


@pytest.fixture
def reconciled(june):
    reconciliation.run_reconciliation(month="2025-06")
    return Reconciliation.objects.get(month="2025-06-01")


def _from_lines(recon, user, level, filters):
    lines = report.lines_for(recon, user, filters)
    return report.rows(lines, level), report.totals(lines)


def test_every_level_from_the_totals_equals_the_lines(reconciled, cast):
    # June's five loans in two offices (conftest): same rows, same order, same totals, for
    # every level, for the branch (carol), one office (alice) and an office filter.
    office = reconciled.lines.order_by("id").first().office
    for user, filters in [
        (cast.carol, Filters()),
        (cast.alice, Filters()),
        (cast.carol, Filters(office=office)),
    ]:
        for level in LEVELS:
            body = report.reconciliation_report(reconciled, user, level=level, filters=filters)
            assert body["source"] == "aggregate"
            assert (body["rows"], body["totals"]) == _from_lines(reconciled, user, level, filters)
    branch = report.reconciliation_report(reconciled, cast.carol, level="office", filters=Filters())
    assert branch["totals"]["loans"] == 5  # A1, A2, B1, B2, B3


def test_a_rerun_replaces_the_totals(reconciled):
    before = sorted(
        ReconciliationTotal.objects.values_list("level", "office", "loans", "closing_outstanding")
    )
    reconciliation.run_reconciliation(month="2025-06")
    after = sorted(
        ReconciliationTotal.objects.values_list("level", "office", "loans", "closing_outstanding")
    )
    assert after == before and after


def test_the_loan_level_and_a_group_filter_read_the_lines(reconciled, cast):
    group = reconciled.lines.exclude(savings_group=None).first().savings_group
    loan_level = report.reconciliation_report(
        reconciled, cast.carol, level="loan", filters=Filters()
    )
    by_group = report.reconciliation_report(
        reconciled, cast.carol, level="office", filters=Filters(savings_group=group)
    )
    assert (loan_level["source"], by_group["source"]) == ("lines", "lines")
    assert by_group["totals"]["loans"] == sum(
        1 for _ in reconciled.lines.filter(savings_group=group)
    )
