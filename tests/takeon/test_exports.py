"""Every admin list exports its filtered rows to Excel and CSV, cells neutralised."""

import io

import pytest
from openpyxl import load_workbook

from borrowers.models import Borrower
from loans.models import Loan, LoanTransaction, PositionSnapshot
from loans.reconciliation.models import Discrepancy, Reconciliation
from loans.takeon.services import import_book
from tests.factories import SavingsGroupFactory

from . import book

pytestmark = pytest.mark.django_db
LISTS = {
    "borrowers/borrower": Borrower,
    "loans/loan": Loan,
    "loans/loantransaction": LoanTransaction,
    "loans/positionsnapshot": PositionSnapshot,
    "reconciliation/discrepancy": Discrepancy,
}


@pytest.fixture
def carol(client, cast):
    SavingsGroupFactory(code="T-TAKEON", transaction_point__office=cast.van_quan)
    tables = book.fifty("T-TAKEON")
    tables["households"][0][1] = "=HYPERLINK(x)"  # a name a spreadsheet would take for a formula
    assert import_book(book.as_file(tables), as_of=book.AS_OF, dry_run=False, by=None).posted
    loans = list(Loan.objects.order_by("id")[:3])
    for loan in loans:
        PositionSnapshot.objects.create(
            as_of=book.AS_OF,
            loan=loan,
            office=loan.office,
            programme=loan.programme,
            outstanding_principal=loan.outstanding_principal,
            principal_due=0,
            overdue_principal=0,
            days_past_due=0,
            interest_due=0,
            interest_paid=0,
            interest_arrears=0,
            interest_accrued_not_due=0,
            overdue_rate_interest=0,
            bucket="current",
            status="current",
        )
    month = Reconciliation.objects.create(month=book.AS_OF.replace(day=1))
    Discrepancy.objects.create(
        reconciliation=month,
        loan=loans[0],
        office=loans[0].office,
        kind="cache",
        field="disbursed_total",
        expected=1,
        actual=2,
    )
    client.force_login(cast.carol)
    return client


@pytest.mark.parametrize("path", LISTS)
def test_each_list_exports_to_excel_and_csv(carol, path):
    base = f"/admin/{path}/"
    page = carol.get(base)
    assert page.status_code == 200 and "export/xlsx/" in page.content.decode()
    xlsx = carol.get(f"{base}export/xlsx/")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    count = LISTS[path].objects.count()
    assert len(rows) == count + 1 and all(rows[0])  # a header, then every row
    csv = carol.get(f"{base}export/csv/")
    assert csv.status_code == 200
    assert len(csv.content.decode("utf-8-sig").strip().split("\r\n")) == count + 1


def test_the_export_follows_the_lists_filter_and_search(carol):
    rows = lambda query: list(  # noqa: E731
        load_workbook(
            io.BytesIO(carol.get(f"/admin/loans/loan/export/xlsx/?{query}").content)
        ).active.iter_rows(values_only=True)
    )
    assert len(rows("status__exact=frozen")) == 1 + Loan.objects.filter(status="frozen").count()
    only = rows("q=B-001")
    assert len(only) == 2 and only[1][0] == "B-001"
    # Amounts stay numbers in Excel.
    assert only[1][7] == 50_000_000


def test_a_formula_like_name_is_written_as_text(carol):
    book_ = load_workbook(io.BytesIO(carol.get("/admin/borrowers/borrower/export/xlsx/").content))
    cells = [c for row in book_.active.iter_rows() for c in row if c.value == "=HYPERLINK(x)"]
    assert cells and all(c.data_type == "s" for c in cells)
    csv = carol.get("/admin/borrowers/borrower/export/csv/").content.decode("utf-8-sig")
    assert "'=HYPERLINK(x)" in csv


def test_the_sessions_and_the_approvals_lists_export_too(client, cast):
    # One session of a Văn Quan point and one pending request: each list's file has its
    # header and that one row, in Excel and in CSV.
    from datetime import date

    from loans.approvals.models import ApprovalRequest
    from loans.approvals.services import request_approval
    from loans.sessions.models import Session
    from tests.conftest import approved_loan
    from tests.factories import BorrowerFactory, PointFactory

    point = PointFactory(office=cast.van_quan)
    Session.objects.create(
        transaction_point=point, session_date=date(2025, 2, 10), opened_by=cast.alice
    )
    group = SavingsGroupFactory(transaction_point=point)
    loan = approved_loan(
        BorrowerFactory(savings_group=group), "HN", amount=10_000_000, term=24, by=cast.alice
    )
    request_approval(loan, operation="freezes", parameters={"start": "2025-06-01"}, by=cast.alice)
    client.force_login(cast.carol)
    for path, model in [
        ("point_sessions/session", Session),
        ("approvals/approvalrequest", ApprovalRequest),
    ]:
        xlsx = client.get(f"/admin/{path}/export/xlsx/")
        assert xlsx.status_code == 200, path
        rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
        assert len(rows) == model.objects.count() + 1 == 2 and all(rows[0])
        csv = client.get(f"/admin/{path}/export/csv/").content.decode("utf-8-sig")
        assert len(csv.strip().split("\r\n")) == 2
