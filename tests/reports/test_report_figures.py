"""Each report's rows and totals equal sums over the loans' own positions (the engine, one loan
at a time) and over the journal, computed independently in the test; snapshot and engine give
the same numbers; a report of a past day does not move when later postings arrive."""

from datetime import date

import pytest

from loans import services
from loans.reports.builders import build_report
from loans.reports.params import ReportFilters, ReportRequest
from loans.reports.source import snapshot_is_current
from tasks.jobs import run_arrears

from . import expected
from .conftest import AS_OF, PERIOD

ALL_GROUPINGS = [
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
    ("office", "programme", "ethnicity"),
]
FIGURES = ["loans", "borrowers", "outstanding_principal", "overdue_principal"]
FIGURES += ["frozen_principal", "interest_arrears"]


def report(kind, user, *, source="auto", group_by=(), **dates_and_filters):
    filters = {k: dates_and_filters.pop(k) for k in list(dates_and_filters) if k not in DATE_KEYS}
    request = ReportRequest(
        filters=ReportFilters.for_user(user, **filters),
        group_by=tuple(group_by),
        source=source,
        **dates_and_filters,
    )
    return build_report(kind, request)


DATE_KEYS = {"as_of", "start", "end"}


def by_key(rows, *keys):
    return {tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]: row for row in rows}


def assert_figures(row, figures):
    for name in FIGURES:
        assert row[name] == figures.get(name, 0), name
    ratio = expected.ratio_of(figures.get("overdue_principal", 0), figures["outstanding_principal"])
    assert float(row["overdue_ratio"]) == pytest.approx(ratio, abs=1e-6)


# --- portfolio ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["engine", "snapshot"])
def test_portfolio_rows_and_totals_are_sums_of_the_loans_positions(book, cast, source):
    if source == "snapshot":
        run_arrears(as_of=AS_OF)
    result = report("portfolio", cast.carol, as_of=AS_OF, group_by=["office"], source=source)
    assert result.source == source

    want = expected.portfolio(book, AS_OF, key=lambda loan: loan.office_id)
    assert set(by_key(result.rows, "office")) == set(want)
    for office_id, row in by_key(result.rows, "office").items():
        assert_figures(row, want[office_id])
    everything = expected.portfolio(book, AS_OF, key=lambda loan: "all")["all"]
    assert_figures(result.totals, everything)
    # By hand: Văn Quan holds the overdue HN loan and the ND28 housing loan; the HCN loan was
    # settled in June. 8,333,000 / 90,000,000 = 0.0925888… -> 0.092589.
    van_quan = by_key(result.rows, "office")[cast.van_quan.pk]
    assert van_quan["office_name"] == "PGD NHCSXH huyện Văn Quan"
    assert (van_quan["loans"], van_quan["borrowers"]) == (2, 2)
    assert van_quan["outstanding_principal"] == 90_000_000
    assert van_quan["overdue_principal"] == 8_333_000
    assert str(van_quan["overdue_ratio"]) == "0.092589"
    # Bắc Sơn: one household with two loans; the HCN loan is frozen with 10,000,000 overdue.
    bac_son = by_key(result.rows, "office")[cast.bac_son.pk]
    assert (bac_son["loans"], bac_son["borrowers"]) == (3, 2)
    assert bac_son["frozen_principal"] == 60_000_000
    assert result.totals["borrowers"] == 4


def test_worked_example_b_in_the_portfolio(book, cast):
    # DOMAIN.md example B as of 20 Jul 2025: overdue 8,333,000, interest arrears 1,103,507.
    result = report(
        "portfolio",
        cast.carol,
        as_of=date(2025, 7, 20),
        group_by=["programme", "office"],
        programme=book.loans["overdue"].programme,
        office=cast.van_quan,
    )
    (row,) = result.rows
    assert (row["programme"], row["office"]) == ("HN", cast.van_quan.pk)
    assert row["overdue_principal"] == 8_333_000
    assert row["interest_arrears"] == 1_103_507


@pytest.mark.parametrize("group_by", ALL_GROUPINGS, ids=lambda g: ",".join(g) or "none")
def test_every_grouping_sums_to_the_totals_and_snapshot_equals_engine(book, cast, group_by):
    engine = report("portfolio", cast.carol, as_of=AS_OF, group_by=group_by, source="engine")
    run_arrears(as_of=AS_OF)
    snapshot = report("portfolio", cast.carol, as_of=AS_OF, group_by=group_by)
    assert snapshot.source in ("aggregate", "snapshot")  # the night's sums, else its rows
    assert snapshot.rows == engine.rows
    assert snapshot.totals == engine.totals
    for name in FIGURES:
        if name != "borrowers":  # a household is counted once in the total
            assert sum(row[name] for row in engine.rows) == engine.totals[name]
    for row in engine.rows:
        for key in group_by:
            assert row[key] is not None


def test_groupings_follow_the_commune_merger(book, cast):
    current = report("portfolio", cast.carol, as_of=AS_OF, group_by=["commune"])
    former = report("portfolio", cast.carol, as_of=AS_OF, group_by=["former_commune"])
    merged, tri_le, huu_le = (book.communes[k] for k in ("merged", "tri_le", "huu_le"))
    # Tri Lễ and Hữu Lễ merged: one current commune, two former ones.
    assert by_key(current.rows, "commune")[merged.pk]["loans"] == 2
    assert by_key(current.rows, "commune")[merged.pk]["commune_name"] == "Xã Tri Lễ (mới)"
    assert by_key(former.rows, "former_commune")[tri_le.pk]["loans"] == 1
    assert by_key(former.rows, "former_commune")[huu_le.pk]["former_commune_name"] == "Xã Hữu Lễ"
    # The Bắc Sơn commune was not merged: it is its own current commune.
    vu_le = book.communes["bac_son"].pk
    assert by_key(current.rows, "commune")[vu_le]["loans"] == 3


def test_loan_line_ethnicity_and_category_keys_carry_readable_names(book, cast):
    result = report(
        "portfolio",
        cast.carol,
        as_of=AS_OF,
        group_by=["loan_line", "ethnicity", "household_category"],
    )
    rows = by_key(result.rows, "loan_line", "ethnicity", "household_category")
    assert rows["ND28-NHA", "Kinh", "poor"]["loan_line_name"] == "Nghị định 28: hỗ trợ nhà ở"
    assert rows["HCN", "Nùng", "near_poor"]["household_category_name"] == "Hộ cận nghèo"
    assert rows["HN", "Tày", "poor"]["loans"] == 2  # two Tày households' HN loans


# --- filters and scope -------------------------------------------------------------------


def test_an_officer_sees_only_her_office(book, cast):
    result = report("portfolio", cast.alice, as_of=AS_OF, group_by=["office"])
    assert [row["office"] for row in result.rows] == [cast.van_quan.pk]
    van_quan = {"overdue", "housing", "settled"}
    want = expected.portfolio(book, AS_OF, key=lambda loan: "all", names=van_quan)["all"]
    assert_figures(result.totals, want)


@pytest.mark.parametrize(
    ("filter_name", "value", "names"),
    [
        ("programme", "HCN", {"frozen", "settled"}),
        ("association", "district", {"overdue", "settled"}),
        ("association", "veterans", {"land", "land_hn", "frozen"}),
        ("commune", "merged", {"overdue", "housing", "settled"}),
        ("commune", "huu_le", {"housing"}),
        ("savings_group", "vu_le", {"land", "land_hn", "frozen"}),
        ("transaction_point", "tri_le", {"overdue", "settled"}),
    ],
)
def test_filters_narrow_the_loans(book, cast, filter_name, value, names):
    from programmes.models import Programme

    lookup = {
        "programme": lambda v: Programme.objects.get(code=v),
        "association": book.associations.get,
        "commune": book.communes.get,
        "savings_group": book.groups.get,
        "transaction_point": book.points.get,
    }
    result = report(
        "portfolio", cast.carol, as_of=AS_OF, **{filter_name: lookup[filter_name](value)}
    )
    want = expected.portfolio(book, AS_OF, key=lambda loan: "all", names=names)["all"]
    assert_figures(result.totals, want)


# --- arrears ageing ----------------------------------------------------------------------


@pytest.mark.parametrize("source", ["engine", "snapshot"])
def test_ageing_buckets_sum_the_loans_by_days_past_due(book, cast, source):
    if source == "snapshot":
        run_arrears(as_of=AS_OF)
    result = report("arrears_ageing", cast.carol, as_of=AS_OF, group_by=["office"], source=source)
    assert result.source == source
    positions = expected.open_positions(book, AS_OF)
    for bucket, slug in [("current", "current"), ("1-30", "1_30"), ("91-180", "91_180")]:
        chosen = [p for p in positions.values() if p["bucket"] == bucket]
        assert result.totals[f"loans_{slug}"] == len(chosen)
        assert result.totals[f"overdue_principal_{slug}"] == sum(
            p["overdue_principal"] for p in chosen
        )
        assert result.totals[f"outstanding_principal_{slug}"] == sum(
            p["outstanding_principal"] for p in chosen
        )
    # By hand: the frozen HCN loan missed its 10,000,000 instalment of 5 Oct 2025 (27 days);
    # the HN loan its 8,333,000 of 10 Jul 2025 (114 days).
    bac_son = by_key(result.rows, "office")[cast.bac_son.pk]
    assert (bac_son["loans_1_30"], bac_son["overdue_principal_1_30"]) == (1, 10_000_000)
    van_quan = by_key(result.rows, "office")[cast.van_quan.pk]
    assert (van_quan["loans_91_180"], van_quan["overdue_principal_91_180"]) == (1, 8_333_000)
    assert result.totals["loans_over_360"] == 0
    assert result.totals["loans"] == len(positions)
    assert result.totals["overdue_principal"] == sum(
        p["overdue_principal"] for p in positions.values()
    )
    for name in ("loans", "outstanding_principal", "overdue_principal"):
        assert sum(row[name] for row in result.rows) == result.totals[name]


# --- flows -------------------------------------------------------------------------------


def test_flows_sum_the_journal_of_the_period(book, cast):
    start, end = PERIOD
    result = report("flows", cast.carol, start=start, end=end, group_by=["office"])
    kinds = {
        "disbursed": "disbursement",
        "principal_collected": "principal_repayment",
        "interest_collected": "interest_payment",
        "written_off": "write_off",
    }
    for name, kind in kinds.items():
        assert result.totals[name] == expected.journal_sum(book, kind, start, end), name
    # By hand: 50 + 30 + 50 + 20 + 60 million disbursed in 2025 (the housing loan in 2024);
    # 30,000,000 repaid to settle the HCN loan and 5,000,000 on the Bắc Sơn HN loan.
    assert result.totals["disbursed"] == 210_000_000
    assert result.totals["principal_collected"] == 35_000_000
    assert result.totals["new_loans"] == 5
    assert result.totals["closed_loans"] == 1
    van_quan = by_key(result.rows, "office")[cast.van_quan.pk]
    assert van_quan["closed_loans"] == 1
    assert van_quan["disbursed"] == 80_000_000
    van_quan_loans = {"overdue", "housing", "settled"}
    assert van_quan["interest_collected"] == expected.journal_sum(
        book, "interest_payment", start, end, names=van_quan_loans
    )


def test_a_reversed_entry_drops_out_of_the_flows(book, cast):
    loan = book.loans["land_hn"]
    entry = loan.transactions.get(kind="principal_repayment")
    services.reverse(entry, reason="Nhập nhầm", by=cast.bob)
    result = report("flows", cast.carol, start=PERIOD[0], end=PERIOD[1])
    assert result.totals["principal_collected"] == 30_000_000


def test_closed_loans_counts_only_loans_repaid_to_zero_in_the_period(book, cast):
    june = report("flows", cast.carol, start=date(2025, 6, 1), end=date(2025, 6, 30))
    july = report("flows", cast.carol, start=date(2025, 7, 1), end=date(2025, 7, 31))
    assert (june.totals["closed_loans"], july.totals["closed_loans"]) == (1, 0)
    assert june.totals["new_loans"] == 0


# --- Decree 28 ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["engine", "snapshot"])
def test_decree_28_lists_every_line_with_households_by_ethnicity(book, cast, source):
    start, end = date(2024, 1, 1), AS_OF
    if source == "snapshot":
        run_arrears(as_of=end)
    result = report(
        "decree_28", cast.carol, start=start, end=end, group_by=["programme"], source=source
    )
    rows = by_key(result.rows, "programme")
    assert set(rows) == {"ND28-DAT", "ND28-NHA", "ND28-SX", "ND28-CGT"}
    # The Kinh household's housing loan (2024) and the Tày household's land loan (2025).
    assert rows["ND28-NHA"]["households_reached"] == 1
    assert rows["ND28-NHA"]["households_reached_kinh"] == 1
    assert rows["ND28-DAT"]["households_reached_minority"] == 1
    assert rows["ND28-DAT"]["disbursed"] == 50_000_000
    assert rows["ND28-SX"]["loans"] == 0
    positions = expected.portfolio(
        book, end, key=lambda loan: loan.programme.code, names={"housing", "land"}
    )
    for code in ("ND28-NHA", "ND28-DAT"):
        for name in ("loans", "borrowers", "outstanding_principal", "overdue_principal"):
            assert rows[code][name] == positions[code][name]
    totals = result.totals
    assert (totals["households_reached"], totals["households_reached_kinh"]) == (2, 1)
    assert totals["disbursed"] == expected.journal_sum(
        book, "disbursement", start, end, names={"housing", "land"}
    )
    assert totals["outstanding_principal"] == 90_000_000


def test_decree_28_in_a_period_reaches_only_households_disbursed_then(book, cast):
    result = report(
        "decree_28", cast.carol, start=PERIOD[0], end=PERIOD[1], group_by=["office", "ethnicity"]
    )
    rows = by_key(result.rows, "programme", "office", "ethnicity")
    assert rows["ND28-DAT", cast.bac_son.pk, "Tày"]["households_reached"] == 1
    # The housing loan was disbursed in 2024: outstanding now, not reached in 2025.
    housing = rows["ND28-NHA", cast.van_quan.pk, "Kinh"]
    assert (housing["households_reached"], housing["outstanding_principal"]) == (0, 40_000_000)
    assert result.totals["households_reached"] == 1


# --- value dates -------------------------------------------------------------------------


@pytest.mark.parametrize("with_snapshot", [False, True])
def test_a_past_report_does_not_move_after_later_postings(book, cast, with_snapshot):
    if with_snapshot:
        run_arrears(as_of=AS_OF)
    kinds = {
        "portfolio": {"as_of": AS_OF},
        "arrears_ageing": {"as_of": AS_OF},
        "flows": {"start": PERIOD[0], "end": PERIOD[1]},
        "decree_28": {"start": PERIOD[0], "end": PERIOD[1]},
    }
    before = {k: report(k, cast.carol, group_by=["office"], **d) for k, d in kinds.items()}
    loan = book.loans["overdue"]
    services.record_repayment(loan, principal=8_333_000, on=date(2025, 11, 10), by=cast.alice)
    services.record_repayment(
        book.loans["land"], interest=100_000, on=date(2025, 11, 12), by=cast.bob
    )
    after = {k: report(k, cast.carol, group_by=["office"], **d) for k, d in kinds.items()}
    for kind in kinds:
        assert after[kind].rows == before[kind].rows, kind
        assert after[kind].totals == before[kind].totals, kind
        if with_snapshot and kind != "flows":
            assert after[kind].source in ("aggregate", "snapshot")


def test_a_back_dated_posting_makes_the_snapshot_stale(book, cast):
    run_arrears(as_of=AS_OF)
    filters = ReportFilters.for_user(cast.carol)
    assert snapshot_is_current(as_of=AS_OF, filters=filters)
    before = report("portfolio", cast.carol, as_of=AS_OF)
    # Entered today, value-dated before D: the snapshot of D no longer holds for Văn Quan.
    services.record_repayment(
        book.loans["overdue"], principal=8_333_000, on=date(2025, 10, 20), by=cast.alice
    )
    assert not snapshot_is_current(as_of=AS_OF, filters=filters)
    bac_son_only = ReportFilters.for_user(cast.bob)
    assert snapshot_is_current(as_of=AS_OF, filters=bac_son_only)
    after = report("portfolio", cast.carol, as_of=AS_OF)
    assert after.source == "engine"
    assert after.totals["overdue_principal"] == before.totals["overdue_principal"] - 8_333_000
    assert_figures(after.totals, expected.portfolio(book, AS_OF, key=lambda loan: "all")["all"])
    forced = report("portfolio", cast.carol, as_of=AS_OF, source="snapshot")
    assert forced.totals == before.totals  # the snapshot is what it was


def test_a_freeze_entered_after_the_run_makes_the_snapshot_stale(book, cast):
    run_arrears(as_of=AS_OF)
    services.freeze(
        book.loans["land_hn"], start=date(2025, 10, 1), end=None, decision_ref="QĐ 9", by=cast.bob
    )
    assert not snapshot_is_current(as_of=AS_OF, filters=ReportFilters.for_user(cast.carol))
    result = report("portfolio", cast.carol, as_of=AS_OF)
    assert result.totals["frozen_principal"] == 60_000_000 + 15_000_000


def test_no_snapshot_without_a_finished_run_or_after_pruning(book, cast):
    from loans.models import PositionSnapshot
    from tasks.models import JobRun

    filters = ReportFilters.for_user(cast.carol)
    assert not snapshot_is_current(as_of=AS_OF, filters=filters)
    run = run_arrears(as_of=AS_OF)
    assert snapshot_is_current(as_of=AS_OF, filters=filters)
    PositionSnapshot.objects.filter(as_of=AS_OF).delete()  # as the pruning does
    assert not snapshot_is_current(as_of=AS_OF, filters=filters)
    JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.FAILED)
    assert not snapshot_is_current(as_of=AS_OF, filters=filters)


def test_a_later_run_of_the_day_that_fails_leaves_the_completed_snapshot_in_use(
    book, cast, monkeypatch
):
    from tasks.jobs import arrears

    run_arrears(as_of=AS_OF)
    before = report("portfolio", cast.carol, as_of=AS_OF, group_by=["office"])
    real = arrears._process_chunk
    calls = {"n": 0}

    def dies_on_second_office(ids, *, as_of):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(ids, as_of=as_of)

    monkeypatch.setattr(arrears, "_process_chunk", dies_on_second_office)
    with pytest.raises(RuntimeError):
        run_arrears(as_of=AS_OF)
    # The failed run replaced its first office's rows (in one transaction, from the same
    # journal) and left the other's: the completed day still holds, the reports read it.
    assert snapshot_is_current(as_of=AS_OF, filters=ReportFilters.for_user(cast.carol))
    after = report("portfolio", cast.carol, as_of=AS_OF, group_by=["office"])
    assert after.source == "aggregate"
    assert (after.rows, after.totals) == (before.rows, before.totals)


def test_a_report_names_the_date_of_the_snapshot_it_read(book, cast):
    computed = report("portfolio", cast.carol, as_of=AS_OF)
    assert (computed.source, computed.source_date) == ("engine", None)
    run_arrears(as_of=AS_OF)
    read = report("portfolio", cast.carol, as_of=AS_OF)
    assert (read.source, read.source_date) == ("aggregate", AS_OF)
    assert read.as_json()["source_date"] == "2025-10-31"
    label = "Số liệu tổng hợp cuối ngày do tác vụ đêm ghi lại, ngày 31/10/2025"
    assert ("Nguồn số liệu", label) in (read.parameters())


def test_an_office_run_after_a_posting_elsewhere_keeps_the_reports_exact(book, cast):
    # The branch's night completes the day; then a back-dated repayment in Văn Quan; then a
    # run of Bắc Sơn only. Had that run recorded the day (its later start), the reports would
    # trust Văn Quan's rows from before the repayment. It does not: they compute instead.
    run_arrears(as_of=AS_OF)
    services.record_repayment(
        book.loans["overdue"], principal=8_333_000, on=date(2025, 10, 20), by=cast.alice
    )
    run_arrears(as_of=AS_OF, offices=[cast.bac_son.pk])

    after = report("portfolio", cast.carol, as_of=AS_OF)

    assert after.source == "engine"
    assert_figures(after.totals, expected.portfolio(book, AS_OF, key=lambda loan: "all")["all"])
    # Bắc Sơn alone had nothing new since the night began: its report still reads the snapshot.
    theirs = report("portfolio", cast.bob, as_of=AS_OF)
    assert (theirs.source, theirs.source_date) == ("aggregate", AS_OF)
