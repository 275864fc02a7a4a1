"""The report endpoints: the JSON shape, office scoping, filters, 400s with field messages,
and CSV/Excel downloads that hold the same rows and totals as the JSON."""

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from loans import services
from tasks.jobs import run_arrears

from . import expected
from .conftest import API, AS_OF, PERIOD

ENDPOINTS = {
    "portfolio": {"as_of": AS_OF.isoformat()},
    "arrears-ageing": {"as_of": AS_OF.isoformat()},
    "flows": {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()},
    "decree-28": {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()},
}


def get(client, endpoint: str, **params):
    return client.get(f"{API}/{endpoint}/", {**ENDPOINTS[endpoint], **params})


def test_portfolio_json_shape(book, cast, carol_api):
    response = get(carol_api, "portfolio", group_by="office,programme")
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2025-10-31"
    assert body["group_by"] == ["office", "programme"]
    assert set(body) == {
        "as_of",
        "group_by",
        "source",
        "source_date",
        "replica_lag_seconds",
        "rows",
        "totals",
    }
    assert body["replica_lag_seconds"] is None  # no REPORTS_DATABASE_URL: read from the primary
    row = body["rows"][0]
    assert set(row) == {
        "office",
        "office_name",
        "programme",
        "programme_name",
        "loans",
        "borrowers",
        "outstanding_principal",
        "overdue_principal",
        "overdue_ratio",
        "frozen_principal",
        "interest_arrears",
    }
    assert all(isinstance(row[k], int) for k in ("loans", "outstanding_principal"))
    assert isinstance(body["totals"]["overdue_ratio"], float)
    everything = expected.portfolio(book, AS_OF, key=lambda loan: "all")["all"]
    assert body["totals"]["outstanding_principal"] == everything["outstanding_principal"]
    assert body["totals"]["overdue_ratio"] == pytest.approx(
        expected.ratio_of(everything["overdue_principal"], everything["outstanding_principal"]),
        abs=1e-6,
    )


def test_flows_and_decree_28_take_a_period(book, carol_api):
    flows = get(carol_api, "flows").json()
    assert (flows["from"], flows["to"]) == ("2025-01-01", "2025-10-31")
    assert flows["totals"]["disbursed"] == 210_000_000
    decree = get(carol_api, "decree-28", group_by="").json()
    assert decree["group_by"] == ["programme"]  # always per loan line
    assert {row["programme"] for row in decree["rows"]} >= {"ND28-DAT", "ND28-NHA"}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_alice_sees_only_van_quan_and_carol_both(book, cast, alice_api, carol_api, endpoint):
    alice = get(alice_api, endpoint, group_by="office").json()
    carol = get(carol_api, endpoint, group_by="office").json()
    assert {row["office"] for row in alice["rows"]} == {cast.van_quan.pk}
    assert {row["office"] for row in carol["rows"]} == {cast.van_quan.pk, cast.bac_son.pk}
    van_quan = next(row for row in carol["rows"] if row["office"] == cast.van_quan.pk)
    assert alice["rows"] == [van_quan]


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("office", lambda book: book.cast.bac_son.pk),
        ("savings_group", lambda book: book.groups["vu_le"].pk),
        ("transaction_point", lambda book: book.points["vu_le"].pk),
        ("association", lambda book: book.associations["veterans"].pk),
    ],
)
def test_a_filter_naming_another_office_is_a_400_like_a_missing_id(book, alice_api, name, target):
    other = get(alice_api, "portfolio", **{name: target(book)})
    missing = get(alice_api, "portfolio", **{name: 999_999})
    assert other.status_code == missing.status_code == 400
    # Nothing tells the two apart but the id itself.
    other_id = str(target(book))
    assert other.json()[name][0].replace(other_id, "999999") == missing.json()[name][0]
    assert list(other.json()) == [name]


def test_filters_by_programme_code_association_and_commune(book, cast, carol_api):
    hn = get(carol_api, "portfolio", programme="HN").json()
    assert hn["totals"]["loans"] == 2
    farmers = get(carol_api, "portfolio", association=book.associations["district"].pk).json()
    assert farmers["totals"]["loans"] == 1  # the overdue HN loan; the HCN one was settled
    merged = get(carol_api, "portfolio", commune=book.communes["merged"].pk).json()
    assert merged["totals"]["loans"] == 2
    assert get(carol_api, "portfolio", programme="NOPE").status_code == 400


@pytest.mark.parametrize(
    ("endpoint", "params", "field"),
    [
        ("portfolio", {"group_by": "office,village"}, "group_by"),
        ("portfolio", {"group_by": "office,office"}, "group_by"),
        ("portfolio", {"group_by": "office,programme,commune,ethnicity,association"}, "group_by"),
        ("portfolio", {"as_of": "31/10/2025"}, "as_of"),
        ("portfolio", {"as_of": (date.today() + timedelta(days=1)).isoformat()}, "as_of"),
        ("portfolio", {"as_of": "1999-12-31"}, "as_of"),
        ("portfolio", {"format": "pdf"}, "format"),
        ("portfolio", {"source": "cache"}, "source"),
        ("portfolio", {"office": "abc"}, "office"),
        ("portfolio", {"programme": "HN\x00"}, "programme"),
        ("portfolio", {"group_by": "office\x00"}, "group_by"),
        ("flows", {"from": "2025-10-01", "to": "2025-09-30"}, "from"),
        ("flows", {"to": "2025-13-01"}, "to"),
        ("arrears-ageing", {"commune": "-1"}, "commune"),
    ],
)
def test_bad_parameters_are_400_with_field_messages(book, carol_api, endpoint, params, field):
    response = get(carol_api, endpoint, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


def test_errors_stay_json_when_a_file_was_asked_for(book, carol_api):
    response = get(carol_api, "portfolio", format="xlsx", group_by="nope")
    assert response.status_code == 400
    assert response.json() == {"group_by": [response.json()["group_by"][0]]}


def test_reports_need_a_login(book, client):
    assert client.get(f"{API}/portfolio/").status_code in (401, 403)


def test_defaults_yesterday_and_the_month(book, carol_api):
    from django.utils import timezone

    yesterday = timezone.localdate() - timedelta(days=1)
    body = carol_api.get(f"{API}/portfolio/").json()
    assert body["as_of"] == yesterday.isoformat()
    assert body["group_by"] == ["programme"]
    flows = carol_api.get(f"{API}/flows/").json()
    assert (flows["from"], flows["to"]) == (yesterday.replace(day=1).isoformat(), str(yesterday))


# --- files -------------------------------------------------------------------------------


def sheet_table(content: bytes):
    """(parameters, headings, rows, totals) read back from an exported workbook."""
    sheet = load_workbook(io.BytesIO(content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    blank = next(i for i, row in enumerate(values) if not any(v is not None for v in row))
    parameters = {row[0]: row[1] for row in values[1:blank]}
    headings, *body = values[blank + 1 :]
    return sheet, parameters, headings, body[:-1], body[-1], blank + 2


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_excel_holds_the_same_rows_and_totals_as_the_json(book, cast, carol_api, endpoint):
    run_arrears(as_of=AS_OF)
    body = get(carol_api, endpoint, group_by="office,ethnicity").json()
    response = get(carol_api, endpoint, group_by="office,ethnicity", format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet, parameters, headings, rows, totals, header_row = sheet_table(response.content)
    assert headings.index("Phòng giao dịch") + 1 == headings.index("Dân tộc")
    assert parameters["Nhóm theo"].endswith("Phòng giao dịch, Dân tộc")
    assert parameters["Nguồn số liệu"]
    assert len(rows) == len(body["rows"])
    figures = [k for k in body["totals"]]
    offset = len(headings) - len(figures)
    for row, want in zip(rows, body["rows"], strict=True):
        assert row[headings.index("Phòng giao dịch")] == want["office_name"]
        assert row[headings.index("Dân tộc")] == want["ethnicity"]
        for index, key in enumerate(figures):
            assert row[offset + index] == pytest.approx(want[key]), key
    assert totals[0] == "Tổng cộng"
    for index, key in enumerate(figures):
        assert totals[offset + index] == pytest.approx(body["totals"][key]), key
    money = next(i for i, k in enumerate(figures) if k in {"outstanding_principal", "disbursed"})
    assert sheet.cell(row=header_row + 1, column=offset + money + 1).number_format == "#,##0"


def test_csv_holds_the_same_rows_and_totals_as_the_json(book, carol_api):
    body = get(carol_api, "portfolio", group_by="programme").json()
    response = get(carol_api, "portfolio", group_by="programme", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    blank = lines.index([])
    headings, *rows = lines[blank + 1 :]
    assert headings[:2] == ["Mã chương trình", "Chương trình"]
    assert [row[0] for row in rows[:-1]] == [row["programme"] for row in body["rows"]]
    assert rows[-1][1] == "Tổng cộng" or rows[-1][0] == "Tổng cộng"
    column = headings.index("Dư nợ")
    assert int(rows[-1][column]) == body["totals"]["outstanding_principal"]
    assert [int(r[column]) for r in rows[:-1]] == [
        row["outstanding_principal"] for row in body["rows"]
    ]


def test_a_past_report_is_unchanged_after_a_later_posting(book, cast, carol_api):
    before = {endpoint: get(carol_api, endpoint).json() for endpoint in ENDPOINTS}
    services.record_repayment(
        book.loans["overdue"],
        principal=8_333_000,
        interest=50_000,
        on=date(2025, 11, 10),
        by=cast.alice,
    )
    after = {endpoint: get(carol_api, endpoint).json() for endpoint in ENDPOINTS}
    assert after == before


def test_report_timers_make_one_request_each(book):
    from tasks.synthetic.bench.pages import report_timers

    timers = report_timers(as_of=AS_OF, start=PERIOD[0])
    assert set(timers) >= {"portfolio", "flows", "arrears_ageing", "decree_28"}
    for request in timers.values():
        assert request() is None  # raises unless the answer is 200
