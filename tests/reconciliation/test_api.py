"""The reconciliation API: the documented shape at every level, files, scoping, errors."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from openpyxl import load_workbook
from rest_framework import renderers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from borrowers.models import Association
from core.exports import XLSX_MEDIA_TYPE as XLSX_CONTENT_TYPE
from loans.reconciliation.models import FeePayment
from tasks.jobs import reconciliation
from tasks.tasks import start_reconciliation

URL = "/api/v1/reconciliations/"
FEES_URL = "/api/v1/reconciliations/fee-statement/"
COLLECTION_URL = "/api/v1/reports/collection-list/"
FIGURES = {
    "opening_outstanding",
    "disbursed",
    "principal_repaid",
    "written_off",
    "closing_outstanding",
    "interest_due",
    "interest_collected",
    "interest_arrears",
    "overdue_principal",
    "leader_commission",
    "association_fee",
}


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def reconciled(june):
    reconciliation.run_reconciliation(month="2025-06")
    return june


def by_key(rows, key):
    return {row[key]: row for row in rows}


def test_the_answer_has_the_documented_shape_at_every_level(reconciled, cast):
    client = api(cast.carol)
    keys = {
        "loan": "loan",
        "savings_group": "savings_group",
        "association": "association",
        "transaction_point": "transaction_point",
        "office": "office",
        "programme": "programme",
    }
    for level, key in keys.items():
        body = client.get(URL, {"month": "2025-06", "level": level}).json()
        assert {"month", "level", "rows", "totals", "discrepancies"} <= set(body)
        assert (body["month"], body["level"], body["discrepancies"]) == ("2025-06", level, [])
        assert body["status"] == "done"  # the latest run's, told by tasks (no import of it)
        assert body["rows"] and all(set(row) >= FIGURES and key in row for row in body["rows"])
        # Every level adds up to the same totals (associations: per level).
        rows = body["rows"]
        if level == "association":
            rows = [row for row in rows if row["association_level"] == "district"]
        for figure in FIGURES:
            assert sum(row[figure] for row in rows) == body["totals"][figure], (level, figure)
    totals = body["totals"]
    # June's totals: the two groups of test_job.
    assert totals["loans"] == 5
    assert totals["closing_outstanding"] == 49_750_000 + 45_000_000
    assert totals["interest_collected"] == 204_600 + 568_175
    assert totals["leader_commission"] == 16_368 + 22_727
    assert totals["association_fee"] == 8_184 + 11_364


def test_group_rows_carry_the_figures_and_ratios(reconciled, cast):
    body = api(cast.carol).get(URL, {"month": "2025-06"}).json()  # default level: groups

    assert body["level"] == "savings_group"
    b = by_key(body["rows"], "savings_group")[reconciled.group_b.pk]
    assert (b["leader_commission"], b["association_fee"]) == (22_727, 11_364)
    assert (b["fee_commune"], b["fee_district"], b["fee_province"], b["fee_central"]) == (
        5_114,
        3_409,
        1_705,
        1_136,
    )
    # Ratios are fractions of 1 with 6 places, as in the province reports:
    # 2,500,000 / 45,000,000 = 0.0555555… → 0.055556 (5.56 %);
    # collected 568,175 of 312,505 due = 1.8181309… → 1.818131 (181.81 %).
    assert (b["overdue_ratio"], b["collection_rate"]) == (0.055556, 1.818131)


def test_association_rows_show_what_each_level_earns(reconciled, cast):
    body = api(cast.carol).get(URL, {"month": "2025-06", "level": "association"}).json()

    rows = by_key(body["rows"], "association")
    district = rows[reconciled.assoc_a["district"].pk]
    assert (district["association_level"], district["fee_earned"]) == ("district", 2_455)
    central = rows[reconciled.assoc_b["central"].pk]
    assert (central["association_level"], central["fee_earned"]) == ("central", 1_136)
    assert len(rows) == 8  # two associations at four levels


def test_an_officer_sees_only_their_office(reconciled, cast):
    alice = api(cast.alice)

    body = alice.get(URL, {"month": "2025-06", "level": "loan"}).json()
    assert {row["office"] for row in body["rows"]} == {cast.van_quan.pk}
    assert body["totals"]["closing_outstanding"] == 49_750_000
    assert body["totals"]["leader_commission"] == 16_368
    # Another office's group, office or association is not found: a 400 on that filter.
    for params in (
        {"savings_group": reconciled.group_b.pk},
        {"office": cast.bac_son.pk},
        {"association": reconciled.assoc_b["commune"].pk},
    ):
        response = alice.get(URL, {"month": "2025-06", **params})
        assert response.status_code == 400, params
        assert set(response.json()) == set(params)
    # Associations above the district are shared: alice sees her office's part of them.
    shared = alice.get(URL, {"month": "2025-06", "association": reconciled.assoc_b["central"].pk})
    assert shared.status_code == 200 and shared.json()["rows"] == []


def test_filters_narrow_the_rows_totals_and_discrepancies(reconciled, cast):
    client = api(cast.carol)

    body = client.get(
        URL,
        {"month": "2025-06", "level": "loan", "association": reconciled.assoc_a["province"].pk},
    ).json()
    assert {row["loan"] for row in body["rows"]} == {
        reconciled.loans["a1"].pk,
        reconciled.loans["a2"].pk,
    }
    body = client.get(
        URL, {"month": "2025-06", "level": "office", "savings_group": reconciled.group_b.pk}
    ).json()
    assert [row["office"] for row in body["rows"]] == [cast.bac_son.pk]


def test_a_discrepancy_is_listed_with_its_loan(june, cast):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loan SET outstanding_principal = outstanding_principal + 1, "
            "principal_repaid_total = principal_repaid_total - 1 WHERE id = %s",
            [june.loans["a1"].pk],
        )
    reconciliation.run_reconciliation(month="2025-06")

    carol = api(cast.carol).get(URL, {"month": "2025-06"}).json()
    assert {(d["loan"], d["field"], d["difference"]) for d in carol["discrepancies"]} == {
        (june.loans["a1"].pk, "principal_repaid_total", -1),
        (june.loans["a1"].pk, "outstanding_principal", 1),
    }
    assert carol["discrepancies"][0]["contract_number"] == june.loans["a1"].contract_number
    # Bob's office has none.
    assert api(cast.bob).get(URL, {"month": "2025-06"}).json()["discrepancies"] == []


def test_files_in_excel_and_csv(reconciled, cast):
    client = api(cast.carol)

    xlsx = client.get(URL, {"month": "2025-06", "level": "office", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX_CONTENT_TYPE
    assert "doi-chieu-2025-06-office.xlsx" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["Đối chiếu"]
    values = [row for row in sheet.iter_rows(values_only=True) if any(row)]
    assert any("THÁNG 06/2025" in str(row[0]) for row in values)
    total = next(row for row in values if row[0] == "Tổng cộng")
    headings = next(row for row in values if row[0] == "Phòng giao dịch")
    assert total[headings.index("Dư nợ cuối kỳ")] == 94_750_000

    response = client.get(URL, {"month": "2025-06", "level": "savings_group", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["savings_group_code"] for row in rows] == [
        reconciled.group_a.code,
        reconciled.group_b.code,
        "TOTAL",
    ]
    assert int(rows[-1]["leader_commission"]) == 16_368 + 22_727


def test_the_fee_statement(reconciled, cast):
    body = api(cast.carol).get(FEES_URL, {"month": "2025-06"}).json()

    leaders = by_key(body["leaders"], "savings_group")
    assert (leaders[reconciled.group_b.pk]["amount"], leaders[reconciled.group_b.pk]["rate"]) == (
        22_727,
        "4",
    )
    assert leaders[reconciled.group_b.pk]["reduced"] is True
    levels = [row["association_level"] for row in body["associations"]]
    assert levels == sorted(levels, key=["commune", "district", "province", "central"].index)
    assert body["totals"] == {
        "leader_commission": 16_368 + 22_727,
        "association_fee": 8_184 + 11_364,
    }
    xlsx = api(cast.carol).get(FEES_URL, {"month": "2025-06", "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Hoa hồng tổ trưởng", "Phí ủy thác"]


def test_the_fee_statement_lists_each_level_by_name_with_its_sums(reconciled, cast):
    # June (conftest): one tree of the Farmers' association (office A, created first) and one
    # of the Women's (office B) at each level. Within a level the rows go by name: "... Hội
    # Liên hiệp Phụ nữ" before "... Hội Nông dân", the reverse of their ids; each row's groups,
    # base and amount are its fee rows' count and sums.
    body = api(cast.carol).get(FEES_URL, {"month": "2025-06"}).json()
    fees = FeePayment.objects.exclude(payee=FeePayment.Payee.GROUP_LEADER)
    for level in ("commune", "district", "province", "central"):
        rows = [row for row in body["associations"] if row["association_level"] == level]
        names = [row["association_name"] for row in rows]
        kinds = [Association.objects.get(pk=row["association"]).kind for row in rows]
        assert (names == sorted(names), kinds) == (True, ["women", "farmers"])
        assert rows[0]["association"] > rows[1]["association"]  # not the ids' order
        for row in rows:
            own = list(fees.filter(payee=level, association=row["association"]))
            assert (row["groups"], row["base_amount"], row["amount"]) == (
                len(own),
                sum(fee.base_amount for fee in own),
                sum(fee.amount for fee in own),
            )
            assert row["amount"] > 0


def test_the_documents_are_the_bytes_rest_frameworks_json_writes(reconciled, cast):
    # The fee statement and every level are written by orjson (core/renderers.py): the same
    # bytes as REST framework's renderer writes of the same answer (ratios, times, text).
    client = api(cast.carol)
    answers = [client.get(FEES_URL, {"month": "2025-06"})] + [
        client.get(URL, {"month": "2025-06", "level": level})
        for level in ("loan", "savings_group", "association", "office")
    ]
    for response in answers:
        assert response.status_code == 200
        assert response.content == renderers.JSONRenderer().render(response.data)
    assert b'"overdue_ratio":' in answers[0].content


def test_bad_input_is_a_400_with_a_field_message(reconciled, cast):
    client = api(cast.carol)

    assert client.get(URL, {"month": "2025-13"}).json() == {
        "month": ["Tháng phải có dạng YYYY-MM."]
    }
    assert "month" in client.get(URL).json()
    assert "month" in client.get(URL, {"month": "2099-01"}).json()
    assert "level" in client.get(URL, {"month": "2025-06", "level": "village"}).json()
    bad_date = client.get(
        COLLECTION_URL, {"savings_group": reconciled.group_a.pk, "session_date": "21/07/2025"}
    )
    assert bad_date.status_code == 400 and "session_date" in bad_date.json()
    # An error asked for as a file is still JSON.
    as_file = client.get(URL, {"month": "2025-13", "format": "xlsx"})
    assert as_file.status_code == 400 and as_file["Content-Type"] == "application/json"


def test_a_month_never_reconciled_is_a_404(reconciled, cast):
    response = api(cast.carol).get(URL, {"month": "2025-05"})

    assert response.status_code == 404
    assert "Chưa chạy đối chiếu tháng này" in response.json()["detail"]


def test_a_login_is_required(reconciled):
    assert APIClient().get(URL, {"month": "2025-06"}).status_code == 401


def test_the_collection_list(june, cast):
    bob = api(cast.bob)
    params = {"savings_group": june.group_b.pk, "session_date": "2025-07-21"}

    body = bob.get(COLLECTION_URL, params).json()
    assert body["session_date"] == "2025-07-21"
    assert body["savings_group"]["code"] == june.group_b.code
    assert [row["interest_due"] for row in body["rows"]] == [726_962, 813_698]
    assert body["totals"]["principal_due"] == 10_000_000

    xlsx = bob.get(COLLECTION_URL, {**params, "format": "xlsx"})
    assert xlsx["Content-Type"] == XLSX_CONTENT_TYPE
    load_workbook(io.BytesIO(xlsx.content))  # opens
    csv_file = bob.get(COLLECTION_URL, {**params, "format": "csv"})
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"

    # Bob's group is not alice's.
    assert api(cast.alice).get(COLLECTION_URL, params).status_code == 404
    assert api(cast.alice).get(COLLECTION_URL, {**params, "format": "xlsx"}).status_code == 404


def test_the_jobs_api_can_start_a_reconciliation(june, cast, django_capture_on_commit_callbacks):
    # The jobs endpoint (another module) calls tasks.start_reconciliation with the month.
    with django_capture_on_commit_callbacks(execute=True):
        run = start_reconciliation(month=date(2025, 6, 1), by=cast.carol)
    run.refresh_from_db()
    assert (run.kind, run.period, run.status) == ("reconciliation", "2025-06", "done")
    assert api(cast.carol).get(URL, {"month": "2025-06"}).status_code == 200
