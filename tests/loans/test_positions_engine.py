"""The set-based position engine (loans.positions) against DOMAIN.md §4.

Hand-computed figures carry their arithmetic in comments; everything else is checked against the
naive day-by-day reference calculator, for one loan and for large batches in one engine call.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.money import round_half_up_div
from loans.positions import (
    POSITION_COLUMNS,
    add_months,
    build_schedule,
    compute_positions,
    interest_due_dates,
    spread_tranche,
)
from tasks.synthetic.reference import reference_position

D = dt.date
HN_RATE = 66_000  # 6.6 %/yr in 1e-4 %
ND28_RATE = 30_000  # 3 %/yr


# ------------------------------------------------------------------------------------ helpers


def make_loan(
    loan_id: int = 1,
    *,
    first: dt.date | None,
    due_day: int,
    schedule: list[tuple[dt.date, int]],
    transactions: list[tuple[dt.date, str, int]],
    rates: list[tuple[dt.date, int]],
    freezes: Sequence[tuple[dt.date, dt.date | None]] = (),
    day_count: str = "act365",
) -> dict:
    return {
        "loan_id": loan_id,
        "first_disbursed_on": first,
        "due_day": due_day,
        "day_count": day_count,
        "instalments": list(schedule),
        "transactions": list(transactions),
        "rates": list(rates),
        "freezes": list(freezes),
    }


def frames(cases: list[dict]) -> dict[str, pd.DataFrame]:
    """The engine's input tables for a batch of loans."""
    loans = pd.DataFrame(
        [
            {k: c[k] for k in ("loan_id", "first_disbursed_on", "due_day", "day_count")}
            for c in cases
        ]
    )

    def rows(key: str, columns: tuple[str, ...]) -> pd.DataFrame:
        data = [(c["loan_id"], *row) for c in cases for row in c[key]]
        return pd.DataFrame(data, columns=["loan_id", *columns])

    return {
        "loans": loans,
        "instalments": rows("instalments", ("due_date", "principal")),
        "transactions": rows("transactions", ("value_date", "kind", "amount")),
        "rates": rows("rates", ("effective_from", "rate_micro")),
        "freezes": rows("freezes", ("start", "end")),
    }


def engine(as_of: dt.date, cases: list[dict], **options) -> dict[int, dict]:
    result = compute_positions(as_of=as_of, **frames(cases), **options)
    assert list(result.columns) == list(POSITION_COLUMNS)
    assert len(result) == len(cases)
    amounts = result.drop(columns=["loan_id", "bucket", "status"])
    assert set(amounts.dtypes) == {np.dtype(np.int64)}  # whole đồng, never float
    return {row["loan_id"]: row for row in result.to_dict("records")}


def reference(as_of: dt.date, case: dict, **options) -> dict:
    return reference_position(
        as_of=as_of,
        loan=case,
        instalments=case["instalments"],
        transactions=case["transactions"],
        rates=case["rates"],
        freezes=case["freezes"],
        **options,
    )


def assert_figures(got: dict, **expected) -> None:
    assert {name: got[name] for name in expected} == expected


def position(as_of: dt.date, case: dict, **options) -> dict:
    """The engine's position of one loan, after checking it equals the reference's."""
    got = engine(as_of, [case], **options)[case["loan_id"]]
    assert got == reference(as_of, case, **options)
    return got


def example_a(**changes) -> dict:
    """Worked example A: Decree 28 housing, 40,000,000 on 15 Mar 2024, 3 %/yr, due day 21."""
    first = D(2024, 3, 15)
    schedule = build_schedule(
        principal=40_000_000,
        first_disbursed_on=first,
        term_months=180,
        grace_months=60,
        frequency_months=6,
        due_day=21,
    )
    parts = {
        "first": first,
        "due_day": 21,
        "schedule": schedule,
        "transactions": [(first, "disbursement", 40_000_000)],
        "rates": [(D(2022, 4, 26), ND28_RATE)],
    }
    return make_loan(**(parts | changes))


B_INTEREST_PAID = [(D(2025, 2, 10), "interest_payment", 279_781)]
B_INTEREST_PAID += [(D(2025, 3, 10), "interest_payment", 253_151)]


def example_b(extra: Sequence[tuple[dt.date, str, int]] = (), **changes) -> dict:
    """Worked example B: poor household, 50,000,000 on 10 Jan 2025, 6.6 %/yr, due day 10."""
    first = D(2025, 1, 10)
    schedule = build_schedule(
        principal=50_000_000,
        first_disbursed_on=first,
        term_months=36,
        grace_months=0,
        frequency_months=6,
        due_day=10,
    )
    parts = {
        "first": first,
        "due_day": 10,
        "schedule": schedule,
        "transactions": [(first, "disbursement", 50_000_000), *B_INTEREST_PAID, *extra],
        "rates": [(D(2020, 1, 1), HN_RATE)],
    }
    return make_loan(**(parts | changes))


# ---------------------------------------------------------------------------- worked examples


def test_example_a_schedule_is_twenty_half_yearly_instalments_after_the_grace():
    schedule = example_a()["instalments"]
    # Months 66, 72, ..., 174 after March 2024 and always one at month 180: 20 instalments.
    assert len(schedule) == 20
    assert schedule[0] == (D(2029, 9, 21), 2_000_000)
    assert schedule[-1] == (D(2039, 3, 21), 2_000_000)
    assert [d for d, _ in schedule] == [
        add_months(D(2024, 3, 15), m, 21) for m in range(66, 181, 6)
    ]
    # 40,000,000 / 20 = 2,000,000 exactly.
    assert {amount for _, amount in schedule} == {2_000_000}


def test_example_a_position_on_31_may_2024():
    got = position(D(2024, 5, 31), example_a())
    # Due 21 Apr: 15 Mar..20 Apr = 37 days × 40,000,000 × 3% / 365 = 121,643.8 → 121,644.
    # Due 21 May: 21 Apr..20 May = 30 days × 1,200,000 / 365 = 98,630.1 → 98,630.
    assert got["interest_due"] == 121_644 + 98_630 == 220_274
    assert got["interest_arrears"] == 220_274
    # Open period 21..31 May: 11 days × 1,200,000 / 365 = 36,164.4 → 36,164.
    assert got["interest_accrued_not_due"] == 36_164
    assert got["overdue_principal"] == 0
    assert got["days_past_due"] == 0
    assert got["overdue_rate_interest"] == 0
    assert got["outstanding_principal"] == 40_000_000
    assert (got["bucket"], got["status"]) == ("current", "current")


def test_example_b_schedule_is_five_equal_instalments_and_a_last_one_with_the_remainder():
    schedule = example_b()["instalments"]
    # 50,000,000 / 6 = 8,333,333.3 → down to the thousand: 8,333,000;
    # the last takes 50,000,000 − 5 × 8,333,000 = 8,335,000.
    assert [a for _, a in schedule] == [8_333_000] * 5 + [8_335_000]
    assert [d for d, _ in schedule] == [
        D(2025, 7, 10),
        D(2026, 1, 10),
        D(2026, 7, 10),
        D(2027, 1, 10),
        D(2027, 7, 10),
        D(2028, 1, 10),
    ]


def test_example_b_position_on_20_july_2025():
    got = position(D(2025, 7, 20), example_b())
    assert got["principal_due"] == got["overdue_principal"] == 8_333_000
    # The instalment of 10 Jul is unpaid: 20 Jul − 10 Jul + 1 = 11 days.
    assert got["days_past_due"] == 11
    assert got["bucket"] == "1-30"
    assert got["status"] == "overdue"
    # Six periods of 31, 28, 31, 30, 31, 30 days × 3,300,000 / 365:
    # 280,274 + 253,151 + 280,274 + 271,233 + 280,274 + 271,233 = 1,636,439.
    assert got["interest_due"] == 1_636_439
    assert got["interest_paid"] == 279_781 + 253_151
    assert got["interest_arrears"] == 1_636_439 - 532_932 == 1_103_507
    # 10 Jul: 50,000,000 × 6.6% / 365 = 9,041.10; 11..20 Jul: 10 × (8,333,000 × 8.58% + 41,667,000
    # × 6.6%) / 365 = 19,588.26 + 75,343.07; total 103,972.4 → 103,972.
    assert got["interest_accrued_not_due"] == 103_972
    # 10 days × 8,333,000 × 8.58% / 365 = 19,588.26 → 19,588.
    assert got["overdue_rate_interest"] == 19_588


# ---------------------------------------------------------------------------- scalar helpers


def test_round_half_up_div_rounds_halves_up():
    assert round_half_up_div(1, 2) == 1
    assert round_half_up_div(3, 2) == 2
    assert round_half_up_div(49, 100) == 0
    assert round_half_up_div(0, 7) == 0
    assert round_half_up_div(44_400_000, 365) == 121_644  # 121,643.8
    with pytest.raises(ValueError):
        round_half_up_div(1, 0)


def test_due_day_31_is_clamped_to_the_end_of_short_months():
    assert add_months(D(2024, 1, 31), 1, 31) == D(2024, 2, 29)
    assert add_months(D(2023, 1, 31), 1, 31) == D(2023, 2, 28)
    assert add_months(D(2024, 11, 5), 3, 30) == D(2025, 2, 28)
    assert interest_due_dates(D(2024, 1, 31), 31, D(2024, 4, 30)) == [
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]


def test_interest_falls_due_from_the_month_after_disbursement_even_before_the_due_day():
    # Disbursed on the 5th with due day 20: the first due date is 20 Feb, not 20 Jan.
    assert interest_due_dates(D(2024, 1, 5), 20, D(2024, 3, 1)) == [D(2024, 2, 20)]


def test_schedule_with_grace_longer_than_term_has_one_instalment_at_the_term():
    schedule = build_schedule(
        principal=10_000_500,
        first_disbursed_on=D(2024, 1, 10),
        term_months=12,
        grace_months=12,
        frequency_months=6,
        due_day=10,
    )
    assert schedule == [(D(2025, 1, 10), 10_000_500)]


def test_a_later_tranche_is_spread_over_the_instalments_after_its_date_only():
    schedule = [(D(2024, 4, 5), 5_000_000), (D(2024, 7, 5), 5_000_000), (D(2024, 10, 5), 5_000_000)]
    spread = spread_tranche(schedule=schedule, amount=1_000_000, on=D(2024, 4, 5))
    # Two instalments after 5 Apr: 1,000,000 / 2 = 500,000 each.
    assert spread == [
        (D(2024, 4, 5), 5_000_000),
        (D(2024, 7, 5), 5_500_000),
        (D(2024, 10, 5), 5_500_000),
    ]
    # 1,000,001 / 3 = 333,333.7 → 333,000, the last takes 1,000,001 − 666,000 = 334,001.
    spread = spread_tranche(schedule=schedule, amount=1_000_001, on=D(2024, 1, 20))
    assert [a for _, a in spread] == [5_333_000, 5_333_000, 5_334_001]
    with pytest.raises(ValueError):
        spread_tranche(schedule=schedule, amount=1_000_000, on=D(2024, 10, 5))


# ------------------------------------------------------------------------------- scenarios


def tranche_loan() -> dict:
    """20,000,000 on 5 Jan 2024 and 10,000,000 more on 20 Mar 2024; 12 months, quarterly."""
    first = D(2024, 1, 5)
    schedule = build_schedule(
        principal=20_000_000,
        first_disbursed_on=first,
        term_months=12,
        grace_months=0,
        frequency_months=3,
        due_day=5,
    )
    schedule = spread_tranche(schedule=schedule, amount=10_000_000, on=D(2024, 3, 20))
    transactions = [
        (first, "disbursement", 20_000_000),
        (D(2024, 3, 20), "disbursement", 10_000_000),
    ]
    return make_loan(
        first=first,
        due_day=5,
        schedule=schedule,
        transactions=transactions,
        rates=[(first, HN_RATE)],
    )


def test_two_tranches_raise_the_instalments_and_the_interest_from_the_second_date():
    loan = tranche_loan()
    # 5,000,000 + 2,500,000 on each of 5 Apr, 5 Jul, 5 Oct 2024 and 5 Jan 2025.
    assert [a for _, a in loan["instalments"]] == [7_500_000] * 4
    got = position(D(2024, 4, 30), loan)
    # 5 Jan..4 Feb: 31 × 20,000,000 × 6.6% / 365 = 112,109.6 → 112,110;
    # 5 Feb..4 Mar: 29 days (leap year) = 104,876.7 → 104,877;
    # 5 Mar..4 Apr: 15 days on 20,000,000 + 16 days on 30,000,000 = 141,041.1 → 141,041.
    assert got["interest_due"] == 112_110 + 104_877 + 141_041
    # 5 Apr: 30,000,000 at 6.6%; 6..30 Apr (25 days): 7,500,000 at 8.58% + 22,500,000 at 6.6%
    # = 5,424.66 + 44,075.34 + 101,712.33 = 151,212.3 → 151,212.
    assert got["interest_accrued_not_due"] == 151_212
    assert got["overdue_rate_interest"] == 44_075
    assert got["overdue_principal"] == 7_500_000
    assert got["days_past_due"] == 26  # 30 Apr − 5 Apr + 1


def test_a_prepayment_covers_the_due_instalment_and_the_next_ones():
    loan = example_b([(D(2025, 7, 10), "principal_repayment", 10_000_000)])
    got = position(D(2025, 7, 20), loan)
    assert_figures(got, overdue_principal=0, days_past_due=0)
    assert got["outstanding_principal"] == 40_000_000
    # 10..20 Jul: 11 days × 40,000,000 × 6.6% / 365 = 79,561.6 → 79,562 (the repayment counts
    # from the end of its own day).
    assert got["interest_accrued_not_due"] == 79_562
    later = position(D(2026, 1, 10), loan)
    # Due by 10 Jan 2026: 16,666,000; repaid 10,000,000 → 6,666,000 overdue since today.
    assert_figures(later, overdue_principal=6_666_000, days_past_due=1)


def test_a_reversed_repayment_leaves_the_position_as_if_it_never_happened():
    mistaken = [(D(2025, 7, 10), "principal_repayment", 8_333_000)]
    reversal = [(D(2025, 7, 10), "principal_repayment", -8_333_000)]
    got = position(D(2025, 7, 20), example_b(mistaken + reversal))
    plain = position(D(2025, 7, 20), example_b())
    assert got == plain
    assert got["principal_repaid"] == 0


def test_a_reversal_value_dated_later_restores_the_balance_from_its_date():
    mistaken = [(D(2025, 7, 10), "principal_repayment", 8_333_000)]
    reversal = [(D(2025, 7, 15), "principal_repayment", -8_333_000)]
    got = position(D(2025, 7, 20), example_b(mistaken + reversal))
    assert got["overdue_principal"] == 8_333_000
    # Overdue only 15..20 Jul: 6 days × 8,333,000 × 8.58% / 365 = 11,752.96 → 11,753.
    assert got["overdue_rate_interest"] == 11_753


def test_a_reversed_interest_payment_comes_back_into_arrears():
    reversal = [(D(2025, 3, 10), "interest_payment", -253_151)]
    got = position(D(2025, 7, 20), example_b(reversal))
    assert got["interest_paid"] == 279_781
    assert got["interest_arrears"] == 1_103_507 + 253_151


def test_no_interest_accrues_while_frozen():
    loan = example_a(freezes=[(D(2024, 5, 1), D(2024, 5, 10))])
    got = position(D(2024, 5, 31), loan)
    # 21 Apr..20 May less 1..10 May: 20 days × 1,200,000 / 365 = 65,753.4 → 65,753.
    assert got["interest_due"] == 121_644 + 65_753
    assert got["status"] == "current"
    assert position(D(2024, 5, 10), loan)["status"] == "frozen"


def test_an_open_ended_freeze_stops_accrual_from_its_start():
    got = position(D(2024, 5, 31), example_a(freezes=[(D(2024, 5, 25), None)]))
    # 21..24 May: 4 days × 1,200,000 / 365 = 13,150.7 → 13,151.
    assert got["interest_accrued_not_due"] == 13_151
    assert got["status"] == "frozen"


def test_a_rate_change_applies_from_its_effective_date():
    rates = [(D(2020, 1, 1), 66_000), (D(2022, 4, 26), ND28_RATE), (D(2024, 5, 1), 33_000)]
    rates.append((D(2024, 6, 1), 99_000))  # after D: not in force yet
    got = position(D(2024, 5, 31), example_a(rates=rates))
    # 21..30 Apr at 3%, 1..20 May at 3.3%: (10 × 1,200,000 + 20 × 1,320,000) / 365 = 105,205.5.
    assert got["interest_due"] == 121_644 + 105_205
    # 21..31 May: 11 × 1,320,000 / 365 = 39,780.8 → 39,781.
    assert got["interest_accrued_not_due"] == 39_781


def test_month30_divides_the_annual_rate_by_360_per_day():
    got = position(D(2024, 5, 31), example_a(day_count="month30"))
    # 37 × 1,200,000 / 360 = 123,333.3 → 123,333; 30 days = 100,000 exactly.
    assert got["interest_due"] == 123_333 + 100_000
    # 11 × 1,200,000 / 360 = 36,666.7 → 36,667.
    assert got["interest_accrued_not_due"] == 36_667


def test_a_written_off_loan_stops_accruing_and_shows_no_arrears_of_principal():
    write_off = [(D(2025, 7, 15), "write_off", 50_000_000)]
    write_off.append((D(2025, 7, 15), "interest_write_off", 1_103_507))
    got = position(D(2025, 7, 20), example_b(write_off))
    assert got["status"] == "written_off"
    assert_figures(got, outstanding_principal=0, overdue_principal=0, days_past_due=0)
    assert got["interest_arrears"] == 0
    # 10 Jul on 50,000,000 at 6.6% (9,041.10) + 11..14 Jul (4 days) on 8,333,000 at 8.58% and
    # 41,667,000 at 6.6% (4 × 9,493.13): 47,013.6 → 47,014; nothing from 15 Jul (balance 0).
    assert got["interest_accrued_not_due"] == 47_014
    assert got["overdue_rate_interest"] == 7_835  # 4 × 714,971.4 / 365 = 7,835.3


def test_a_partial_write_off_covers_the_oldest_instalment_like_a_repayment():
    got = position(D(2025, 7, 20), example_b([(D(2025, 7, 12), "write_off", 8_333_000)]))
    assert_figures(got, overdue_principal=0, days_past_due=0, status="current")
    assert got["outstanding_principal"] == 41_667_000


def test_a_loan_repaid_on_clamped_due_dates_closes():
    first = D(2024, 1, 31)
    schedule = build_schedule(
        principal=12_000_000,
        first_disbursed_on=first,
        term_months=3,
        grace_months=0,
        frequency_months=1,
        due_day=31,
    )
    assert schedule == [
        (D(2024, 2, 29), 4_000_000),
        (D(2024, 3, 31), 4_000_000),
        (D(2024, 4, 30), 4_000_000),
    ]
    repaid = [(due, "principal_repayment", amount) for due, amount in schedule]
    loan = make_loan(
        first=first,
        due_day=31,
        schedule=schedule,
        transactions=[(first, "disbursement", 12_000_000), *repaid],
        rates=[(first, HN_RATE)],
    )
    got = position(D(2024, 4, 30), loan)
    # 31 Jan..28 Feb: 29 × 12,000,000 × 6.6% / 365 = 62,926.0 → 62,926;
    # 29 Feb..30 Mar: 31 × 8,000,000 × 6.6% / 365 = 44,843.8 → 44,844;
    # 31 Mar..29 Apr: 30 × 4,000,000 × 6.6% / 365 = 21,698.6 → 21,699.
    assert got["interest_due"] == 62_926 + 44_844 + 21_699 == 129_469
    assert got["interest_accrued_not_due"] == 0  # 30 Apr ends with nothing outstanding
    assert got["status"] == "current"  # interest still in arrears
    interest = (D(2024, 4, 30), "interest_payment", 129_469)
    paid = loan | {"transactions": [*loan["transactions"], interest]}
    assert position(D(2024, 4, 30), paid)["status"] == "closed"


def test_before_the_first_disbursement_everything_is_zero():
    got = position(D(2024, 3, 14), example_a())
    assert got["status"] == "not_disbursed"
    assert got["bucket"] == "current"
    numbers = {k: v for k, v in got.items() if k not in ("loan_id", "bucket", "status")}
    assert set(numbers.values()) == {0}


def test_a_loan_never_disbursed_has_a_row_of_zeros():
    rates = [(D(2024, 1, 1), HN_RATE)]
    loan = make_loan(first=None, due_day=10, schedule=[], transactions=[], rates=rates)
    got = position(D(2024, 6, 1), loan)
    assert_figures(got, status="not_disbursed", outstanding_principal=0, interest_due=0)


def test_on_a_due_date_the_period_just_ended_is_due_and_the_new_one_has_one_day():
    got = position(D(2024, 5, 21), example_a())
    assert got["interest_due"] == 220_274
    assert got["interest_accrued_not_due"] == 3_288  # 1 × 1,200,000 / 365 = 3,287.7
    on_instalment = position(D(2025, 7, 10), example_b())
    # Overdue (and one day past due) at the end of its due date; the overdue rate starts tomorrow.
    assert_figures(on_instalment, overdue_principal=8_333_000, days_past_due=1)
    assert on_instalment["overdue_rate_interest"] == 0


def test_buckets_follow_days_past_due():
    bucket = {
        dpd: position(D(2025, 7, 9) + dt.timedelta(days=dpd), example_b())["bucket"]
        for dpd in (30, 31, 90, 91, 180, 181, 360, 361)
    }
    assert bucket == {
        30: "1-30",
        31: "31-90",
        90: "31-90",
        91: "91-180",
        180: "91-180",
        181: "181-360",
        360: "181-360",
        361: ">360",
    }
    custom = position(D(2025, 7, 20), example_b(), bucket_bounds=(7, 30))
    assert custom["bucket"] == "8-30"


def test_other_journal_kinds_are_ignored():
    fee = [(D(2025, 2, 10), "fee", 5_000), (D(2025, 2, 10), "savings_deposit", 50_000)]
    assert engine(D(2025, 7, 20), [example_b(fee)]) == engine(D(2025, 7, 20), [example_b()])


def test_dates_may_come_as_pandas_timestamps():
    tables = frames([example_b()])
    for name, column in [
        ("loans", "first_disbursed_on"),
        ("transactions", "value_date"),
        ("instalments", "due_date"),
        ("rates", "effective_from"),
    ]:
        tables[name][column] = pd.to_datetime(tables[name][column])
    got = compute_positions(as_of=D(2025, 7, 20), **tables).iloc[0]
    assert (got["interest_due"], got["overdue_rate_interest"]) == (1_636_439, 19_588)


def test_a_batch_with_no_postings_at_all_is_all_zeros():
    loans = pd.DataFrame({"loan_id": [7], "first_disbursed_on": [None]})
    loans = loans.assign(due_day=10, day_count="act365")
    empty = pd.DataFrame()
    got = compute_positions(
        as_of=D(2025, 1, 1),
        loans=loans,
        instalments=empty,
        transactions=empty,
        rates=empty,
        freezes=empty,
    )
    assert got.iloc[0]["status"] == "not_disbursed"
    assert got.iloc[0]["interest_due"] == 0


def test_overdue_principal_is_capped_at_the_outstanding_balance():
    # The schedule still carries a 10,000,000 tranche that was reversed on its own day.
    loan = tranche_loan()
    reversal = (D(2024, 3, 20), "disbursement", -10_000_000)
    loan["transactions"].append(reversal)
    got = position(D(2025, 2, 1), loan)
    # All 30,000,000 fell due but only 20,000,000 was lent: 20,000,000 overdue, not 30,000,000.
    assert_figures(got, principal_due=30_000_000, overdue_principal=20_000_000)
    # The oldest uncovered instalment is 5 Apr 2024: 302 days to 1 Feb 2025, + 1 = 303.
    assert got["days_past_due"] == 303


def test_overdue_rate_interest_over_decades_does_not_overflow():
    # 10 bn đồng overdue for ~30 years: the total numerator (~1e20) outgrows int64.
    big = example_b(
        schedule=[(D(2025, 7, 10), 10_000_000_000)],
        transactions=[(D(2025, 1, 10), "disbursement", 10_000_000_000)],
    )
    got = position(D(2055, 1, 10), big)
    assert got["overdue_rate_interest"] > 25_000_000_000


def test_balances_too_large_for_int64_numerators_still_compute_exactly():
    huge = example_b(
        schedule=[(D(2025, 7, 10), 10**14)], transactions=[(D(2025, 1, 10), "disbursement", 10**14)]
    )
    position(D(2026, 1, 10), huge)


# ------------------------------------------------------------------- generated loan batches

RATES = (30_000, 33_000, 39_600, 66_000, 79_200, 82_500, 90_000)


def random_loan(pick: Callable[[int, int], int], loan_id: int, as_of: dt.date) -> dict:
    """A random but plausible loan; ``pick(lo, hi)`` draws an int (from hypothesis or random)."""
    if pick(0, 19) == 0:  # approved, never disbursed
        return make_loan(
            loan_id,
            first=None,
            due_day=pick(1, 31),
            schedule=[],
            transactions=[],
            rates=[(as_of, RATES[pick(0, 6)])],
        )
    term, frequency = pick(6, 120), (1, 3, 6, 12)[pick(0, 3)]
    first = as_of - dt.timedelta(days=pick(-40, term * 31 + 400))
    horizon = term * 31 + 400  # days after the first disbursement that postings may fall on
    due_day, amount = pick(1, 31), pick(1, 100_000) * 1000 + (0, 0, 1, 500, 999)[pick(0, 4)]
    schedule = build_schedule(
        principal=amount,
        first_disbursed_on=first,
        term_months=term,
        grace_months=pick(0, term // 2),
        frequency_months=frequency,
        due_day=due_day,
    )
    transactions = [(first, "disbursement", amount)]
    for _ in range(pick(0, 2)):  # later tranches, before the last instalment
        on = first + dt.timedelta(days=pick(1, (schedule[-1][0] - first).days - 1))
        tranche = pick(1, 20_000) * 1000
        schedule = spread_tranche(schedule=schedule, amount=tranche, on=on)
        transactions.append((on, "disbursement", tranche))
        if pick(0, 5) == 0:  # reversed on its day but left in the schedule: instalments > lent
            transactions.append((on, "disbursement", -tranche))
    transactions += _random_repayments(pick, first, horizon, transactions)
    rates = [(first - dt.timedelta(days=pick(0, 400)), RATES[pick(0, 6)])]
    if pick(0, 3) == 0:  # an older rate, superseded before the disbursement
        rates.append((rates[0][0] - dt.timedelta(days=pick(1, 900)), RATES[pick(0, 6)]))
    if pick(0, 3) == 0:  # a rate change that applies to outstanding loans
        rates.append((first + dt.timedelta(days=pick(1, horizon)), RATES[pick(0, 6)]))
    freezes = []
    if pick(0, 4) == 0:
        start = first + dt.timedelta(days=pick(0, horizon))
        freezes.append(
            (start, None if pick(0, 2) == 0 else start + dt.timedelta(days=pick(0, 1100)))
        )
    return make_loan(
        loan_id,
        first=first,
        due_day=due_day,
        schedule=schedule,
        transactions=transactions,
        rates=rates,
        freezes=freezes,
        day_count=("act365", "act365", "month30")[pick(0, 2)],
    )


def _random_repayments(pick, first, horizon, disbursements) -> list[tuple]:
    """Principal and interest payments, some reversed, maybe a final write-off; never overpaid."""
    count = pick(0, 10)
    dated = sorted((first + dt.timedelta(days=pick(0, horizon)), pick(0, 3)) for _ in range(count))
    postings, outstanding = [], 0
    pending = sorted(disbursements)
    for day, what in dated:
        while pending and pending[0][0] <= day:
            outstanding += pending.pop(0)[2]
        if what == 3 and pick(0, 2) == 0:  # write off (part of) what is left, then stop
            written = outstanding if pick(0, 1) else outstanding // 2
            postings += [(day, "write_off", written), (day, "interest_write_off", pick(0, 500_000))]
            break
        kind = "interest_payment" if what == 0 else "principal_repayment"
        amount = pick(1, 3_000_000)
        if kind == "principal_repayment":
            amount = min(outstanding, pick(1, 30_000) * 1000)
        if amount <= 0:
            continue
        outstanding -= amount if kind == "principal_repayment" else 0
        postings.append((day, kind, amount))
        if pick(0, 5) == 0:  # reversed, on the same day or later
            postings.append((day + dt.timedelta(days=pick(0, 1) * pick(0, 60)), kind, -amount))
            outstanding += amount if kind == "principal_repayment" else 0
    return postings


def assert_batch_matches_reference(as_of: dt.date, cases: list[dict]) -> None:
    got = engine(as_of, cases)  # one call for the whole batch
    for case in cases:
        assert got[case["loan_id"]] == reference(as_of, case), case


HYPOTHESIS_LOANS = int(os.environ.get("HYPOTHESIS_LOANS", "300"))


@settings(
    max_examples=HYPOTHESIS_LOANS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_engine_equals_reference_on_random_batches(data):
    as_of = D(2018, 1, 1) + dt.timedelta(days=data.draw(st.integers(0, 5000), label="as_of"))

    def pick(lo: int, hi: int) -> int:
        return data.draw(st.integers(lo, hi))

    count = pick(1, 6)
    assert_batch_matches_reference(as_of, [random_loan(pick, i, as_of) for i in range(count)])


def test_a_large_batch_in_one_call_equals_the_loans_one_by_one():
    rng = random.Random(20250720)
    as_of = D(2025, 7, 20)
    cases = [random_loan(rng.randint, i, as_of) for i in range(400)]
    assert_batch_matches_reference(as_of, cases)
    # Order in the input does not matter either.
    assert engine(as_of, cases[::-1]) == engine(as_of, cases)
