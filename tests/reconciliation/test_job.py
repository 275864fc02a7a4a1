"""The monthly reconciliation job: exact figures for a month worked out by hand, discrepancies,
idempotence, and the command, Celery and beat paths.

The month is June 2025 of `tests/reconciliation/conftest.py` (read its docstring first). HN
loans earn 6.6%/yr on the principal at the end of each day, act/365, the overdue part 130% of
it (8.58%); each period's interest is rounded half-up once (DOMAIN.md §4). Fees follow the
shipped example rules (DOMAIN.md §5): leader 8% and association 4% of the interest collected in
the month, split commune 45 / district 30 / province 15 / central 10 by largest remainder, both
halved when the group's overdue principal exceeds 2% of its outstanding at month end.
"""

import hashlib
from datetime import date

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from config.celery import app as celery_app
from loans import services
from loans.reconciliation.models import (
    AMOUNT_FIELDS,
    Discrepancy,
    FeePayment,
    Reconciliation,
    ReconciliationLine,
)
from tasks.jobs import reconciliation, reconciliation_figures
from tasks.models import JobRun
from tasks.tasks import monthly_reconciliation, start_reconciliation

from .conftest import JUNE


def group_figures(group) -> dict[str, int]:
    sums = ReconciliationLine.objects.filter(savings_group=group).aggregate(
        **{field: Sum(field) for field in AMOUNT_FIELDS}
    )
    return {field: int(value) for field, value in sums.items()}


def fees_of(group) -> dict[str, tuple]:
    return {
        fee.payee: (fee.association_id, fee.base_amount, fee.reduced, fee.total, fee.amount)
        for fee in FeePayment.objects.filter(savings_group=group)
    }


def digest(month: date) -> str:
    """Everything the month stores, ids of the result rows aside."""
    recon = Reconciliation.objects.get(month=month)
    lines = recon.lines.order_by("loan_id").values_list("loan_id", *AMOUNT_FIELDS)
    fees = recon.fees.order_by("savings_group_id", "payee").values_list(
        "savings_group_id", "payee", "association_id", "base_amount", "rate", "total", "amount"
    )
    found = recon.discrepancies.order_by("loan_id", "kind", "field").values_list(
        "loan_id", "kind", "field", "expected", "actual"
    )
    payload = repr((list(lines), list(fees), list(found), recon.totals, recon.loan_count))
    return hashlib.sha256(payload.encode()).hexdigest()


def test_a_hand_worked_month_reconciles_exactly(june):
    run = reconciliation.run_reconciliation(month="2025-06")

    assert run.status == JobRun.Status.DONE and run.progress == 100
    assert (run.kind, run.period, run.parts_total) == ("reconciliation", "2025-06", 2)

    # Group A. Opening (end of 31 May): A1 36,500,000; A2 not yet disbursed.
    # Disbursed: A2 18,250,000 on 10 Jun. Repaid: A1 5,000,000 on 10 Jun, plus 1,000,000 on
    # 15 Jun reversed (carrying its value date) = 5,000,000. Closing: 36,500,000 + 18,250,000
    # − 5,000,000 = 49,750,000.
    # Interest due in June: A1's period 10 May–9 Jun, 31 days × 6,600 = 204,600; A2's first
    # period falls due on 10 Jul. Collected: 204,600 (10 Jun). Arrears at 30 Jun: A1 paid its
    # three periods (204,600 + 198,000 + 204,600), so 0. Overdue: no instalment due yet.
    # Leader: 8% × 204,600 = 16,368. Association: 4% × 204,600 = 8,184, split
    # 45/30/15/10% = 3,682.8 / 2,455.2 / 1,227.6 / 818.4 → floors 3,682 + 2,455 + 1,227 + 818
    # = 8,182; the 2 đồng left go to the largest remainders (.8 commune, .6 province).
    assert group_figures(june.group_a) == {
        "opening_outstanding": 36_500_000,
        "disbursed": 18_250_000,
        "principal_repaid": 5_000_000,
        "written_off": 0,
        "closing_outstanding": 49_750_000,
        "interest_due": 204_600,
        "interest_collected": 204_600,
        "interest_arrears": 0,
        "overdue_principal": 0,
        "leader_commission": 16_368,
        "fee_commune": 3_683,
        "fee_district": 2_455,
        "fee_province": 1_228,
        "fee_central": 818,
    }

    # Group B. Opening: B1 20,000,000 − 2 × 2,500,000 = 15,000,000; B2 30,000,000; B3
    # 10,000,000 → 55,000,000. Written off: B3's 10,000,000 (21 Jun). Closing 45,000,000.
    # Interest due in June (periods 21 May–20 Jun, 31 days):
    #   B1: 12,500,000 × 6.6% + 2,500,000 overdue × 8.58% = 1,039,500 a year
    #       × 31 / 365 = 88,286.30 → 88,286
    #   B2: 30,000,000 × 6.6% × 31 / 365 = 168,164.38 → 168,164
    #   B3: 10,000,000 × 6.6% × 31 / 365 = 56,054.79 → 56,055
    #   → 312,505.
    # Collected: B1 400,011 + B2 168,164 (its duplicate reversed) = 568,175.
    # Overdue at 30 Jun: B1's 21 Apr instalment, 2,500,000 = 5.6% of 45,000,000 > 2%: halved.
    # Leader: 4% × 568,175 = 22,727.00 → 22,727. Association: 2% × 568,175 = 11,363.5 →
    # 11,364 (half-up), split 5,113.8 / 3,409.2 / 1,704.6 / 1,136.4 → 5,113 + 3,409 + 1,704 +
    # 1,136 = 11,362, 2 đồng to .8 (commune) and .6 (province).
    figures_b = group_figures(june.group_b)
    interest_arrears_b = figures_b.pop("interest_arrears")  # B1's and B2's long history
    assert figures_b == {
        "opening_outstanding": 55_000_000,
        "disbursed": 0,
        "principal_repaid": 0,
        "written_off": 10_000_000,
        "closing_outstanding": 45_000_000,
        "interest_due": 312_505,
        "interest_collected": 568_175,
        "overdue_principal": 2_500_000,
        "leader_commission": 22_727,
        "fee_commune": 5_114,
        "fee_district": 3_409,
        "fee_province": 1_705,
        "fee_central": 1_136,
    }
    # Arrears at 30 Jun. B2: periods due 21 Feb–21 Jun on 30,000,000 (1,980,000 a year):
    # 31 d 168,164 + 28 d 151,890 + 31 d 168,164 + 30 d 162,740 + 31 d 168,164 = 819,122,
    # minus 168,164 paid = 650,958.
    # B1: periods due 21 Aug 2024–21 Jun 2025, rounded each:
    #   on 20,000,000 (1,320,000 a year): 31 d 112,110 + 31 d 112,110 + 30 d 108,493
    #   on 17,500,000 (1,155,000): 31 d 98,096 + 30 d 94,932 + 31 d 98,096
    #   on 15,000,000 (990,000): 31 d 84,082 + 28 d 75,945 + 31 d 84,082
    #   21 Apr–20 May: 1 day at 990,000 + 29 days at 1,039,500 (overdue from 22 Apr)
    #     = 31,135,500 / 365 = 85,302.74 → 85,303; 21 May–20 Jun: 88,286
    #   = 1,041,535, minus 400,011 paid = 641,524. B3's interest was written off with it.
    assert interest_arrears_b == 650_958 + 641_524

    a, b = june.assoc_a, june.assoc_b
    assert fees_of(june.group_a) == {
        "group_leader": (None, 204_600, False, 16_368, 16_368),
        "commune": (a["commune"].pk, 204_600, False, 8_184, 3_683),
        "district": (a["district"].pk, 204_600, False, 8_184, 2_455),
        "province": (a["province"].pk, 204_600, False, 8_184, 1_228),
        "central": (a["central"].pk, 204_600, False, 8_184, 818),
    }
    assert fees_of(june.group_b) == {
        "group_leader": (None, 568_175, True, 22_727, 22_727),
        "commune": (b["commune"].pk, 568_175, True, 11_364, 5_114),
        "district": (b["district"].pk, 568_175, True, 11_364, 3_409),
        "province": (b["province"].pk, 568_175, True, 11_364, 1_705),
        "central": (b["central"].pk, 568_175, True, 11_364, 1_136),
    }
    # A clean month: the journal, the cached balances and the roll-forward all agree.
    assert not Discrepancy.objects.exists()
    recon = Reconciliation.objects.get(month=JUNE)
    assert recon.discrepancy_count == 0 and recon.loan_count == 5
    assert run.counts["leader_commission"] == 16_368 + 22_727
    assert run.counts["association_fee"] == 8_184 + 11_364


def test_each_loan_line_rolls_forward_and_carries_its_share_of_the_fees(june):
    reconciliation.run_reconciliation(month="2025-06")

    lines = {line.loan_id: line for line in ReconciliationLine.objects.all()}
    for line in lines.values():
        assert (
            line.opening_outstanding + line.disbursed - line.principal_repaid - (line.written_off)
            == line.closing_outstanding
        )
    b1, b2 = lines[june.loans["b1"].pk], lines[june.loans["b2"].pk]
    # The group's commission goes to its loans in proportion to their interest collected,
    # by largest remainder: 22,727 × 400,011 / 568,175 = 16,000.46 and
    # 22,727 × 168,164 / 568,175 = 6,726.54 → 16,000 and 6,726, the đồng left to the larger
    # remainder (.54): 16,000 + 6,727 = 22,727.
    assert (b1.leader_commission, b2.leader_commission) == (16_000, 6_727)
    assert lines[june.loans["b3"].pk].leader_commission == 0  # collected nothing
    # The lines keep the group's associations at every level.
    assert b1.association_id == june.assoc_b["commune"].pk
    assert b1.central_association_id == june.assoc_b["central"].pk
    # A2 was only disbursed in June: it is active; a loan without any figure is not a line.
    assert lines[june.loans["a2"].pk].disbursed == 18_250_000


def test_the_month_is_by_value_date_not_by_posting_date(june, cast):
    # A payment posted today but value-dated in June belongs to June; July's stay in July.
    services.record_repayment(
        june.loans["a2"], interest=10_000, on=date(2025, 6, 30), by=cast.alice
    )

    reconciliation.run_reconciliation(month="2025-06")

    a2 = ReconciliationLine.objects.get(loan=june.loans["a2"])
    # 10,000 in June; the 1,000,000 principal of 10 Jul is not June's.
    assert (a2.interest_collected, a2.principal_repaid) == (10_000, 0)
    # The group's base is now 214,600: leader 8% = 17,168.
    assert group_figures(june.group_a)["leader_commission"] == 17_168


def test_a_corrupted_cache_is_reported_with_exactly_that_loan(june):
    b2 = june.loans["b2"]
    # Bend B2's cached balances by 1,000,000 while keeping the table's check constraint
    # (outstanding = disbursed − repaid − written off) satisfied, as a buggy writer could.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loan SET outstanding_principal = outstanding_principal - 1000000, "
            "disbursed_total = disbursed_total - 1000000 WHERE id = %s",
            [b2.pk],
        )

    run = reconciliation.run_reconciliation(month="2025-06")

    found = Discrepancy.objects.order_by("field")
    assert {d.loan_id for d in found} == {b2.pk}
    # The journal says 30,000,000 disbursed and outstanding; the cache says 29,000,000.
    assert [(d.kind, d.field, d.expected, d.actual, d.difference) for d in found] == [
        ("cache", "disbursed_total", 30_000_000, 29_000_000, -1_000_000),
        ("cache", "outstanding_principal", 30_000_000, 29_000_000, -1_000_000),
    ]
    assert run.counts["discrepancies"] == 2 and run.counts["discrepant_loans"] == 1
    # The month's figures come from the journal, so they are unchanged.
    assert group_figures(june.group_b)["closing_outstanding"] == 45_000_000


def test_a_roll_forward_that_does_not_close_is_a_discrepancy(june, monkeypatch):
    # Simulate a journal sum that disagrees with the engine (e.g. a kind one side misses).
    real = reconciliation_figures.journal_sums

    def one_repayment_lost(entries):
        frame = real(entries)
        a1 = frame["loan_id"] == june.loans["a1"].pk
        frame.loc[a1, "month_repaid"] -= 5_000_000
        return frame

    monkeypatch.setattr(reconciliation_figures, "journal_sums", one_repayment_lost)
    reconciliation.run_reconciliation(month="2025-06")

    (found,) = Discrepancy.objects.all()
    # 36,500,000 + 0 − 0 − 0 = 36,500,000 expected, but the engine's closing is 31,500,000.
    assert (found.loan_id, found.kind, found.field) == (
        june.loans["a1"].pk,
        "roll_forward",
        "closing_outstanding",
    )
    assert (found.expected, found.actual) == (36_500_000, 31_500_000)


def test_rerunning_a_month_gives_identical_results_and_replaces_them(june, cast):
    reconciliation.run_reconciliation(month="2025-06")
    first = digest(JUNE)
    rows = (ReconciliationLine.objects.count(), FeePayment.objects.count())

    second_run = reconciliation.run_reconciliation(month="2025-06")

    assert digest(JUNE) == first
    assert (ReconciliationLine.objects.count(), FeePayment.objects.count()) == rows
    assert Reconciliation.objects.get(month=JUNE).run_id == second_run.pk

    # A late posting value-dated in June: re-running replaces the month's figures.
    services.record_repayment(
        june.loans["a2"], interest=10_000, on=date(2025, 6, 30), by=cast.alice
    )
    reconciliation.run_reconciliation(month="2025-06")
    assert digest(JUNE) != first
    assert ReconciliationLine.objects.count() == rows[0]


def test_a_run_killed_halfway_is_repaired_by_a_rerun(june, monkeypatch):
    reconciliation.run_reconciliation(month="2025-06")
    clean = digest(JUNE)

    real = reconciliation.reconcile_office
    calls = {"n": 0}

    def dies_on_second_office(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(reconciliation, "reconcile_office", dies_on_second_office)
    with pytest.raises(RuntimeError):
        reconciliation.run_reconciliation(month="2025-06")
    failed = JobRun.objects.order_by("-pk").first()
    assert failed.status == JobRun.Status.FAILED and "worker killed" in failed.error
    # The second office kept its previous results: the month never lies half-empty.
    assert ReconciliationLine.objects.count() == 5

    monkeypatch.setattr(reconciliation, "reconcile_office", real)
    reconciliation.run_reconciliation(month="2025-06")
    assert digest(JUNE) == clean


def test_months_are_stored_separately(june):
    reconciliation.run_reconciliation(month="2025-06")
    reconciliation.run_reconciliation(month="2025-07")

    assert Reconciliation.objects.count() == 2
    july = Reconciliation.objects.get(month=date(2025, 7, 1))
    # July opens where June closed (94,750,000) and A2 repays 1,000,000 on 10 Jul.
    assert july.totals["opening_outstanding"] == 49_750_000 + 45_000_000
    assert july.totals["principal_repaid"] == 1_000_000
    assert july.totals["closing_outstanding"] == 93_750_000
    # B3 was written off in June and is no longer a line in July.
    assert not july.lines.filter(loan=june.loans["b3"]).exists()


def test_the_command_celery_and_beat_give_the_same_month(june, django_capture_on_commit_callbacks):
    reconciliation.run_reconciliation(month="2025-06")
    in_process = digest(JUNE)

    with django_capture_on_commit_callbacks(execute=True):
        run = start_reconciliation(month="2025-06")
    run.refresh_from_db()
    assert run.status == JobRun.Status.DONE and run.parts_done == run.parts_total == 2
    assert digest(JUNE) == in_process

    call_command("run_reconciliation", month="2025-06")
    assert digest(JUNE) == in_process
    assert JobRun.objects.filter(kind="reconciliation", status="done").count() == 3

    # The jobs API passes the month as its first day.
    with django_capture_on_commit_callbacks(execute=True):
        run = start_reconciliation(month=date(2025, 6, 1))
    assert run.period == "2025-06"

    entry = celery_app.conf.beat_schedule["monthly-reconciliation"]
    assert entry["task"] == "tasks.monthly_reconciliation"
    assert entry["schedule"] == crontab(day_of_month=1, hour=2, minute=0)


def test_the_beat_task_reconciles_the_month_just_ended(
    june, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2025, 7, 1))
    with django_capture_on_commit_callbacks(execute=True):
        run_id = monthly_reconciliation()

    assert JobRun.objects.get(pk=run_id).period == "2025-06"
    assert Reconciliation.objects.get(month=JUNE).finished_at is not None


def test_the_command_refuses_a_bad_month():
    with pytest.raises(Exception, match="YYYY-MM"):
        call_command("run_reconciliation", month="2025-13")
