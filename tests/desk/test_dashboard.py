"""The dashboard (the admin's index): its figures are the portfolio report's for the same
offices and date, each user sees only their offices, every panel, and every link."""

from datetime import date

import pytest
from django.utils import timezone

from desk import figures
from desk.sessions import meeting_day, sessions_of_week
from loans import services
from loans.reconciliation.models import Discrepancy, Reconciliation
from tasks.models import JobRun
from tests.reports import expected

from .conftest import AS_OF, browser, token_client

API = "/api/v1/reports/portfolio/"


def panels(client) -> dict:
    response = client.get("/admin/")
    assert response.status_code == 200
    return {item["panel"].key: item for item in response.context["dashboard_panels"]}


def report_totals(user, as_of: date) -> dict:
    response = token_client(user).get(API, {"as_of": as_of.isoformat(), "group_by": ""})
    assert response.status_code == 200
    return response.json()["totals"]


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_its_figures_equal_the_portfolio_report_for_the_same_offices_and_date(night, cast, who):
    user = getattr(cast, who)
    shown = panels(browser(user))["portfolio"]["portfolio"]
    totals = report_totals(user, AS_OF)
    assert shown.as_of == AS_OF  # the last night the job completed
    assert shown.source == "aggregate"  # the night's sums, as the report reads them
    assert shown.loans == totals["loans"]
    assert shown.borrowers == totals["borrowers"]
    assert shown.outstanding == totals["outstanding_principal"]
    assert shown.overdue == totals["overdue_principal"]
    assert float(shown.overdue_ratio) == pytest.approx(totals["overdue_ratio"], abs=1e-6)


def test_an_officer_sees_only_their_office(night, cast):
    # Văn Quan at 31 Oct 2025 (tests/reports/conftest.py): the HN loan, 50,000,000 with its
    # first 8,333,000 instalment (10 Jul 2025) unpaid, and the housing loan, 40,000,000 in grace;
    # the HCN loan was settled in June. Outstanding 50,000,000 + 40,000,000 = 90,000,000; overdue
    # 8,333,000; ratio 8,333,000 / 90,000,000 = 0.092589 (9,26 %); two loans, two households.
    alice = panels(browser(cast.alice))["portfolio"]["portfolio"]
    assert (alice.loans, alice.borrowers) == (2, 2)
    assert alice.outstanding == 90_000_000
    assert alice.overdue == 8_333_000
    assert str(alice.overdue_ratio) == "0.092589"
    # Bắc Sơn's figures are the engine's, loan by loan, for bob's three loans (two households).
    bac_son = expected.portfolio(
        night, AS_OF, key=lambda loan: loan.office_id, names={"land", "land_hn", "frozen"}
    )[cast.bac_son.pk]
    bob = panels(browser(cast.bob))["portfolio"]["portfolio"]
    assert (bob.loans, bob.borrowers) == (3, 2)
    assert bob.outstanding == bac_son["outstanding_principal"]
    carol = panels(browser(cast.carol))["portfolio"]["portfolio"]
    assert carol.outstanding == alice.outstanding + bob.outstanding


def test_the_page_shows_the_figures_in_vietnamese_format(night, alice_browser):
    page = alice_browser.get("/admin/").content.decode()
    assert "90.000.000 ₫" in page
    assert "8.333.000 ₫" in page
    assert "9,26 %" in page
    assert "31/10/2025" in page


def test_the_trend_has_the_overdue_ratio_of_each_month_end_the_job_completed(night, cast):
    # 30 Sep 2025, Văn Quan: the HN loan's 8,333,000 overdue on 50,000,000 + 40,000,000
    # = 0.092589 as at 31 Oct (nothing was paid between); the settled loan is out of both.
    trend = panels(browser(cast.alice))["portfolio"]["trend"]
    assert [day for day, _ratio in trend] == [date(2025, 9, 30), date(2025, 10, 31)]
    assert [str(value) for _day, value in trend] == ["0.092589", "0.092589"]


def test_the_month_ends_of_the_trend():
    assert figures.month_ends(date(2025, 10, 31), 3) == [
        date(2025, 8, 31),
        date(2025, 9, 30),
        date(2025, 10, 31),
    ]
    assert figures.month_ends(date(2025, 11, 5), 2) == [date(2025, 9, 30), date(2025, 10, 31)]


def test_without_a_night_the_portfolio_is_computed_as_of_yesterday(book, cast):
    # No SnapshotDay: the report's default (yesterday), from the engine; still the report's.
    shown = panels(browser(cast.alice))["portfolio"]["portfolio"]
    assert shown.source == "engine"
    assert shown.outstanding == report_totals(cast.alice, shown.as_of)["outstanding_principal"]


def test_todays_postings_are_live_from_the_journal(book, cast):
    # 250,000 of interest on the HN loan on 3 Nov 2025: Văn Quan's day shows it, Bắc Sơn's not.
    day = date(2025, 11, 3)
    services.record_repayment(book.loans["overdue"], interest=250_000, on=day, by=cast.alice)
    alice = figures.postings_on(cast.alice, day=day)
    assert alice["interest_payment"] == {"amount": 250_000, "entries": 1}
    assert alice["principal_repayment"] == {"amount": 0, "entries": 0}
    assert figures.postings_on(cast.bob, day=day)["interest_payment"]["amount"] == 0


def test_a_reversed_posting_drops_out_of_the_day(book, cast):
    day = date(2025, 11, 3)
    entry = services.record_repayment(
        book.loans["overdue"], interest=250_000, on=day, by=cast.alice
    )
    entry = entry[0] if isinstance(entry, list | tuple) else entry
    services.reverse(entry, reason="Nhập nhầm", by=cast.alice)
    assert figures.postings_on(cast.alice, day=day)["interest_payment"]["amount"] == 0


def test_loans_falling_due_this_week(book, cast):
    # Bắc Sơn's HN loan, 20,000,000 from 5 May 2025 over 12 months every 3 months, falls due
    # 5,000,000 (20,000,000 / 4) on 5 Aug, 5 Nov 2025, 5 Feb and 5 May 2026. The week of
    # Wednesday 5 Nov 2025 (Monday 3 to Sunday 9 Nov) has its 5 Nov instalment and no other.
    due = figures.due_this_week(cast.bob, today=date(2025, 11, 5))
    assert (due["start"], due["end"]) == (date(2025, 11, 3), date(2025, 11, 9))
    assert (due["loans"], due["principal"]) == (1, 5_000_000)
    assert figures.due_this_week(cast.alice, today=date(2025, 11, 5))["loans"] == 0


def test_the_weeks_sessions_by_point(book, cast):
    # Vũ Lễ (Bắc Sơn) meets on the 5th: Wednesday 5 Nov 2025; Văn Quan's points (10th, 21st)
    # do not meet in the week of 3-9 Nov.
    rows = sessions_of_week(cast.bob, start=date(2025, 11, 3), end=date(2025, 11, 9))
    assert [(row["day"], row["point"]) for row in rows] == [
        (date(2025, 11, 5), book.points["vu_le"])
    ]
    assert rows[0]["session"] is None  # no session opened (or no sessions app yet)
    assert sessions_of_week(cast.alice, start=date(2025, 11, 3), end=date(2025, 11, 9)) == []


def test_a_point_meeting_on_the_31st_meets_on_a_shorter_months_last_day():
    assert meeting_day(31, date(2025, 11, 24), date(2025, 11, 30)) == date(2025, 11, 30)
    assert meeting_day(31, date(2025, 11, 17), date(2025, 11, 23)) is None


def test_the_jobs_panel_shows_the_last_runs_and_those_needing_attention(night, cast):
    JobRun.objects.create(kind=JobRun.Kind.ARREARS, period="2025-11-01", status="failed")
    jobs = panels(browser(cast.alice))["jobs"]
    assert jobs["attention"] == 1
    assert [run.period for run, _url in jobs["runs"]] == ["2025-11-01", "2025-10-31", "2025-09-30"]


def test_the_discrepancies_of_the_last_reconciliation_in_the_users_offices(book, cast):
    month = Reconciliation.objects.create(month=date(2025, 10, 1), finished_at=timezone.now())
    Discrepancy.objects.create(
        reconciliation=month,
        loan=book.loans["land"],
        office=cast.bac_son,
        kind=Discrepancy.Kind.CACHE,
        field="outstanding_principal",
        expected=50_000_000,
        actual=49_000_000,
    )
    assert figures.discrepancies_of_last_reconciliation(cast.bob)["count"] == 1
    assert figures.discrepancies_of_last_reconciliation(cast.alice)["count"] == 0
    panel = panels(browser(cast.bob))["reconciliation"]
    assert f"reconciliation__id__exact={month.pk}" in panel["link"]


def test_every_figure_links_to_a_list_the_user_can_open(night, cast):
    client = browser(cast.alice)
    shown = panels(client)
    links = [
        *shown["portfolio"]["links"].values(),
        *(row["link"] for row in shown["today"]["rows"]),
        shown["due"]["link"],
        shown["jobs"]["link"],
        shown["jobs"]["attention_link"],
    ]
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert "?e=1" not in response.get("Location", "")  # an admin list refusing a filter


def test_the_overdue_link_lists_the_overdue_loans_only(night, cast):
    client = browser(cast.alice)
    page = client.get(panels(client)["portfolio"]["links"]["overdue"])
    assert list(page.context["cl"].result_list) == [night.loans["overdue"]]


def test_a_user_without_an_office_sees_no_panels(db, cast):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody", is_staff=True)
    response = browser(nobody).get("/admin/")
    assert response.status_code == 200
    assert response.context["dashboard_panels"] == []


def test_in_english_the_dashboard_is_english_with_english_numbers(night, cast):
    # The same Văn Quan figures: 90,000,000 đồng (amounts keep 1.234.567 in both languages,
    # core.money) and 9.26% written the English way.
    client = browser(cast.alice)
    page = client.get("/admin/", headers={"Accept-Language": "en"}).content.decode()
    assert "<th>Outstanding</th>" in page
    assert "Overdue ratio" in page
    assert "9.26%" in page
    assert "90.000.000 ₫" in page
    assert "Dư nợ" not in page.split('id="dashboard"')[1].split("</section>")[0]


def test_a_panel_whose_app_is_not_installed_is_left_out(night, cast, monkeypatch):
    from desk import panels as registry

    shown = panels(browser(cast.alice))
    assert {"portfolio", "today", "due", "sessions", "jobs", "reconciliation"} <= set(shown)
    assert "approvals" in shown  # loans.approvals is installed: its panel lights up
    # The registry leaves out a panel whose app is missing, and shows one whose app is there.
    missing = registry.Panel(
        "missing", "Missing", "desk/panels/due.html", lambda r, t: {}, requires="loans.nothing"
    )
    extra = registry.Panel(
        "extra",
        "Extra",
        "desk/panels/due.html",
        lambda r, t: {"due": {"loans": 0, "principal": 0}},
        requires="loans",
    )
    monkeypatch.setattr(registry, "PANELS", [*registry.PANELS, missing, extra])
    shown = panels(browser(cast.alice))
    assert "extra" in shown and "missing" not in shown


def test_the_weeks_due_kept_by_the_night_equal_the_schedules_until_a_loan_changes(
    book, cast, settings
):
    # The night of Tuesday 4 Nov 2025 keeps the week of the 5th (Monday 3 to Sunday 9 Nov):
    # Bắc Sơn's HN loan, 5,000,000 due on the 5th, as the schedules in force give it.
    from datetime import timedelta

    from loans.reports.aggregate_source import due_in_week
    from tasks.jobs import run_arrears

    settings.REPORT_SNAPSHOT_MARGIN = timedelta(0)
    night, week = date(2025, 11, 4), date(2025, 11, 3)
    run_arrears(as_of=night)
    kept = due_in_week(as_of=night, week_start=week, office_ids=[cast.bac_son.pk])
    assert kept == {"loans": 1, "principal": 5_000_000}
    due = figures.due_this_week(cast.bob, today=date(2025, 11, 5))
    assert (due["loans"], due["principal"]) == (1, 5_000_000)
    assert due_in_week(as_of=night, week_start=week, office_ids=[cast.van_quan.pk])["loans"] == 0
    # The loan settled after the night (principal and interest: it closes): no longer being
    # repaid, so the kept week does not hold any more and the dashboard sums the schedules.
    from tests.reports.conftest import _settle

    _settle(book.loans["land_hn"], date(2025, 11, 5), cast.bob)
    book.loans["land_hn"].refresh_from_db()
    assert book.loans["land_hn"].status == "closed"
    assert due_in_week(as_of=night, week_start=week, office_ids=[cast.bac_son.pk]) is None
    assert figures.due_this_week(cast.bob, today=date(2025, 11, 5))["loans"] == 0
