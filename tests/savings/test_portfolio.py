"""The members' savings in the province portfolio report (loans.reports.household_figures,
filled by the savings app): the balance and the accounts holding one, per grouping, as of the
report date, from the journal.

Households (figures by hand):
- A (Tày, Văn Quan, group G1), a HN loan of 10,000,000 disbursed 15 Jan 2025:
  +1,000,000 on 10 Jan, −300,000 on 5 Mar, +200,000 on 20 Apr (after the report date)
  → 700,000 at the end of 31 Mar 2025;
- B (Tày, Văn Quan, group G2 at the same point), no loan: +500,000 on 1 Feb, −500,000 on
  10 Mar → 0: no account with a balance;
- C (Nùng, Bắc Sơn), no loan: +2,000,000 on 31 Mar (the report date counts) → 2,000,000.
Totals: 700,000 + 0 + 2,000,000 = 2,700,000 in 2 accounts.
"""

import csv
import io
from datetime import date

import pytest

from loans import services as loan_services
from loans.reports.builders import build_report
from loans.reports.params import ReportFilters, ReportRequest
from loans.savings import services
from tests.conftest import approved_loan
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory

AS_OF = date(2025, 3, 31)


@pytest.fixture
def members(cast, household):
    a = household
    b = BorrowerFactory(savings_group=SavingsGroupFactory(transaction_point=a.transaction_point))
    c_group = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    c = BorrowerFactory(savings_group=c_group, ethnicity="Nùng")
    loan = approved_loan(a, "HN", amount=10_000_000, term=24, by=cast.alice)
    loan_services.disburse(loan, amount=10_000_000, on=date(2025, 1, 15), by=cast.alice)
    services.deposit(a, 1_000_000, date(2025, 1, 10), cast.alice)
    services.withdraw(a, 300_000, date(2025, 3, 5), cast.alice)
    services.deposit(a, 200_000, date(2025, 4, 20), cast.alice)
    services.deposit(b, 500_000, date(2025, 2, 1), cast.alice)
    services.withdraw(b, 500_000, date(2025, 3, 10), cast.alice)
    services.deposit(c, 2_000_000, date(2025, 3, 31), cast.bob)
    return a, b, c


def portfolio(*group_by, **filters):
    request = ReportRequest(
        filters=ReportFilters(**filters), group_by=group_by, as_of=AS_OF, source="engine"
    )
    return build_report("portfolio", request)


def figures(row: dict) -> tuple:
    return row["loans"], row["savings_balance"], row["savings_accounts"]


def test_savings_per_office_as_of_the_report_date(members, cast):
    report = portfolio("office")
    rows = {row["office"]: figures(row) for row in report.rows}
    # Văn Quan: A's 700,000 and B's 0, one account with a balance, A's loan; Bắc Sơn: C only.
    assert rows == {cast.van_quan.pk: (1, 700_000, 1), cast.bac_son.pk: (0, 2_000_000, 1)}
    assert (report.totals["savings_balance"], report.totals["savings_accounts"]) == (
        2_700_000,
        2,
    )


def test_savings_per_group_and_per_ethnicity(members):
    a, b, c = members
    by_group = {row["savings_group"]: figures(row) for row in portfolio("savings_group").rows}
    # B's group: a balance of 0 and no loan still shows (it holds an account).
    assert by_group == {
        a.savings_group_id: (1, 700_000, 1),
        b.savings_group_id: (0, 0, 0),
        c.savings_group_id: (0, 2_000_000, 1),
    }
    by_ethnicity = {row["ethnicity"]: figures(row) for row in portfolio("ethnicity").rows}
    assert by_ethnicity == {"Tày": (1, 700_000, 1), "Nùng": (0, 2_000_000, 1)}


def test_filters_narrow_the_households_and_a_later_date_moves_the_figures(members, cast):
    report = portfolio(office=cast.bac_son)
    assert figures(report.totals) == (0, 2_000_000, 1)
    # On 20 Apr A's deposit of 200,000 counts: 700,000 + 200,000 + 2,000,000 = 2,900,000.
    later = build_report(
        "portfolio",
        ReportRequest(filters=ReportFilters(), as_of=date(2025, 4, 20), source="engine"),
    )
    assert later.totals["savings_balance"] == 2_900_000


def test_savings_are_left_out_per_programme(members):
    """Savings belong to a household, not to a loan line."""
    report = portfolio("programme")
    assert "savings_balance" not in report.totals
    assert all("savings_balance" not in row for row in report.rows)


def test_the_csv_export_has_the_savings_columns(members, carol_api):
    response = carol_api.get(
        "/api/v1/reports/portfolio/",
        {"as_of": AS_OF.isoformat(), "group_by": "office", "format": "csv"},
    )
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headings, *rows = lines[lines.index([]) + 1 :]
    balance = headings.index("Số dư tiền gửi tổ viên")
    accounts = headings.index("Số tài khoản tiền gửi có số dư")
    assert (int(rows[-1][balance]), int(rows[-1][accounts])) == (2_700_000, 2)
    assert sorted(int(row[balance]) for row in rows[:-1]) == [700_000, 2_000_000]


def test_the_xlsx_export_has_the_savings_column(members, carol_api):
    from openpyxl import load_workbook

    response = carol_api.get(
        "/api/v1/reports/portfolio/",
        {"as_of": AS_OF.isoformat(), "group_by": "transaction_point", "format": "xlsx"},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    heading = next(row for row in cells if "Số dư tiền gửi tổ viên" in row)
    column = heading.index("Số dư tiền gửi tổ viên")
    assert cells[-1][column] == 2_700_000  # the totals line
