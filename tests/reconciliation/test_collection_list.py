"""The collection list 13/TD: figures worked out by hand, the Excel file laid out like the paper
form, rows and totals equal to the engine's positions, and no query per loan."""

import csv
import io
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from openpyxl import load_workbook

from core.exports import XLSX_MEDIA_TYPE
from loans.models import Loan
from loans.reports import exports
from loans.reports.collection_list import collection_list
from loans.selectors import positions

SESSION = date(2025, 7, 21)


def test_each_member_owes_what_the_rules_say_at_the_session(june):
    cl = collection_list(june.group_b, session_date=SESSION)

    by_loan = {row["loan_id"]: row for row in cl.rows}
    # B3 was written off in June (nothing outstanding, its interest written off): not listed.
    assert set(by_loan) == {june.loans["b1"].pk, june.loans["b2"].pk}
    b1, b2 = by_loan[june.loans["b1"].pk], by_loan[june.loans["b2"].pk]
    # B1: 15,000,000 outstanding; instalments of 21 Apr and 21 Jul unpaid: 5,000,000 due.
    # Arrears before the session = interest due 21 Aug 2024–21 Jun 2025 (1,041,535, see
    # test_job) − 400,011 paid = 641,524. At the session the period 21 Jun–20 Jul falls due:
    # 30 days × (12,500,000 × 6.6% + 2,500,000 × 8.58%) / 365 = 85,438.36 → 85,438, so
    # 641,524 + 85,438 = 726,962 to collect.
    assert (b1["outstanding_principal"], b1["principal_due"]) == (15_000_000, 5_000_000)
    assert (b1["interest_arrears"], b1["interest_due"]) == (641_524, 726_962)
    # B2: 30,000,000; first instalment (36 months / 6 = 6 × 5,000,000) due 21 Jul 2025.
    # Arrears before: 650,958 (test_job); the period 21 Jun–20 Jul: 30 days × 1,980,000 / 365
    # = 162,739.73 → 162,740; 650,958 + 162,740 = 813,698.
    assert (b2["outstanding_principal"], b2["principal_due"]) == (30_000_000, 5_000_000)
    assert (b2["interest_arrears"], b2["interest_due"]) == (650_958, 813_698)
    assert cl.totals == {
        "outstanding_principal": 45_000_000,
        "interest_due": 726_962 + 813_698,
        "interest_arrears": 641_524 + 650_958,
        "principal_due": 10_000_000,
        "savings_balance": 0,  # no member of group B has saved yet
    }
    # What the leader collects is filled in at the session.
    assert b1["interest_collected"] is None and b1["savings_deposited"] is None


def test_postings_already_made_on_the_session_day_count(june):
    cl = collection_list(june.group_a, session_date=date(2025, 7, 10))

    a1, a2 = (next(r for r in cl.rows if r["loan_id"] == june.loans[k].pk) for k in ("a1", "a2"))
    # A1: 31,500,000 since 10 Jun; period 10 Jun–9 Jul, 30 days × 31,500,000 × 6.6% / 365
    # = 170,876.71 → 170,877; nothing in arrears before.
    assert (a1["outstanding_principal"], a1["interest_due"], a1["interest_arrears"]) == (
        31_500_000,
        170_877,
        0,
    )
    # A2: 1,000,000 repaid on the session day itself: 17,250,000 left. Its first period
    # (10 Jun–9 Jul) is 30 days × 3,300 = 99,000.
    assert (a2["outstanding_principal"], a2["interest_due"], a2["principal_due"]) == (
        17_250_000,
        99_000,
        0,
    )


def test_the_excel_file_is_laid_out_like_the_form_and_matches_the_positions(june):
    cl = collection_list(june.group_b, session_date=SESSION)
    sheet = load_workbook(io.BytesIO(exports.collection_list_xlsx(cl))).active

    cells = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(str(value) for row in cells for value in row if value is not None)
    for expected in (
        "DANH SÁCH THU LÃI, THU TIỀN GỬI TIẾT KIỆM",
        "Mẫu số 13/TD",
        june.group_b.name,
        june.group_b.leader,
        june.assoc_b["commune"].name,
        june.group_b.transaction_point.name,
        "Ngày giao dịch: 21/07/2025",
        "Tổ trưởng tổ TK&VV",
    ):
        assert expected in text
    header = next(i for i, row in enumerate(cells) if row[0] == "STT")
    headings = cells[header]
    assert headings[1] == "Họ và tên người vay" and "Lãi thực thu" in headings
    total_at = next(i for i, row in enumerate(cells) if row[1] == "Tổng cộng")
    members = cells[header + 2 : total_at]  # below the row of column numbers

    at = positions(Loan.objects.filter(savings_group=june.group_b), as_of=SESSION)
    before = positions(
        Loan.objects.filter(savings_group=june.group_b), as_of=SESSION - timedelta(days=1)
    )
    owing = at[at["outstanding_principal"] > 0]
    column = {name: headings.index(label) for name, label in exports.COLLECTION_COLUMNS}
    assert len(members) == len(owing) == 2
    for row in members:
        loan = Loan.objects.get(contract_number=row[column["contract_number"]])
        engine = at.set_index("loan_id").loc[loan.pk]
        assert row[column["borrower_name"]] == loan.borrower.full_name
        assert row[column["outstanding_principal"]] == engine["outstanding_principal"]
        assert row[column["interest_due"]] == engine["interest_arrears"]
        assert row[column["principal_due"]] == engine["overdue_principal"]
        assert (
            row[column["interest_arrears"]]
            == before.set_index("loan_id").loc[loan.pk, "interest_arrears"]
        )
        assert row[column["interest_collected"]] is None  # blank, for the leader
    totals = cells[total_at]
    assert totals[column["outstanding_principal"]] == owing["outstanding_principal"].sum()
    assert totals[column["interest_due"]] == owing["interest_arrears"].sum()
    assert totals[column["principal_due"]] == owing["overdue_principal"].sum()
    assert sheet.page_setup.orientation == "landscape"


def test_the_csv_file_has_the_rows_and_totals(june):
    cl = collection_list(june.group_b, session_date=SESSION)
    content = exports.collection_list_csv(cl).decode("utf-8-sig")

    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["contract_number"] for row in rows[:-1]] == [r["contract_number"] for r in cl.rows]
    assert rows[-1]["number"] == "TOTAL"
    assert int(rows[-1]["interest_due"]) == 726_962 + 813_698


def test_it_reads_a_group_in_a_fixed_number_of_queries(june):
    def queries(group) -> int:
        with CaptureQueriesContext(connection) as captured:
            collection_list(group, session_date=SESSION)
        return len(captured)

    # Group B has three loans and group A two: the same queries, none per loan.
    assert queries(june.group_a) == queries(june.group_b)


def test_the_admin_page_prints_the_list(june, cast, client):
    client.force_login(cast.bob)
    url = "/admin/reconciliation/reconciliation/collection-list/"
    page = client.get(url, {"savings_group": june.group_b.pk, "session_date": "21/07/2025"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "DANH SÁCH THU LÃI, THU TIỀN GỬI TIẾT KIỆM" in html and "Mẫu số 13/TD" in html
    assert "726.962" in html and "1.540.660" in html  # B1's interest; the total
    assert "@media print" in html and "size: A4 landscape" in html
    download = client.get(
        url, {"savings_group": june.group_b.pk, "session_date": "21/07/2025", "format": "xlsx"}
    )
    assert download["Content-Type"] == XLSX_MEDIA_TYPE
    # Another office's group is not offered to bob (the form refuses it).
    other = client.get(url, {"savings_group": june.group_a.pk, "session_date": "10/07/2025"})
    assert escape(june.group_b.name) in html  # offered: bob's own group
    assert escape(june.group_a.name) not in other.content.decode()
    assert "Mẫu số 13/TD" not in other.content.decode()


def test_each_member_brings_her_savings_balance_on_her_first_row(june, cast):
    from loans import services
    from loans.savings import services as savings
    from tests.conftest import approved_loan

    b1 = june.loans["b1"]
    # Two deposits before the session (20 Jun and 20 Jul 2025, 50,000 and 30,000 đồng) and one
    # on the session day itself, which the printed list, made before the session, leaves out:
    # the balance at the end of 20 Jul is 80,000.
    for day, amount in [(date(2025, 6, 20), 50_000), (date(2025, 7, 20), 30_000)]:
        savings.deposit(b1.borrower, amount, day, cast.bob)
    savings.deposit(b1.borrower, 10_000, SESSION, cast.bob)
    # A second loan of the same household: its row shows no second copy of her savings.
    second = approved_loan(
        b1.borrower, "HN", amount=10_000_000, term=24, by=cast.bob, approved_on=date(2025, 1, 2)
    )
    services.disburse(second, amount=10_000_000, on=date(2025, 1, 10), by=cast.bob)
    cl = collection_list(june.group_b, session_date=SESSION)
    by_loan = {row["loan_id"]: row for row in cl.rows}
    # B1's household brings 80,000; B2's household (another member) has saved nothing: 0.
    assert by_loan[b1.pk]["savings_balance"] == 80_000
    assert by_loan[june.loans["b2"].pk]["savings_balance"] == 0
    assert by_loan[second.pk]["savings_balance"] is None
    assert cl.totals["savings_balance"] == 80_000
