"""A file with ten kinds of bad rows is refused whole, each error located; the API and the
command answer the same report."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from borrowers.models import Borrower
from core.exports import csv_bytes
from loans.models import Loan, LoanTransaction
from loans.takeon.services import import_book
from loans.takeon.workbook import SHEETS, read_workbook, template_bytes, workbook_bytes
from tests.factories import SavingsGroupFactory

from . import book

pytestmark = pytest.mark.django_db
C = book.AS_OF


@pytest.fixture
def group(cast):
    return SavingsGroupFactory(code="T-TAKEON", transaction_point__office=cast.van_quan)


def bad_tables() -> dict[str, list[list]]:
    """The 50-loan book with one mistake of each kind, each in its own row."""
    tables = book.fifty("T-TAKEON")
    households, loans, instalments = tables["households"], tables["loans"], tables["instalments"]
    households[3][0] = "02019000ABCD"  # 1. bad citizen ID (row 5)
    households[4][6] = "NO-SUCH-GROUP"  # 2. unknown group (row 6)
    households[5][2] = "31/02/1980"  # 3. bad date (row 7)
    loans[0][2] = "XX"  # 4. unknown programme (loans row 2)
    loans[1][13] = "-5"  # 5. negative amount (loans row 3)
    loans[6][0] = loans[7][0]  # 6. duplicate contract (loans row 9: G-004 twice)
    loans[8][12] = "32"  # 7. due day out of range (loans row 10)
    loans[9][5] = "1.000"  # 8. disbursed above approved (loans row 11)
    # 9. instalments that do not add up: one of G-008's instalments less 1,000 đồng.
    g8 = next(r for r in instalments if r[0] == "G-008")
    g8[2] -= 1000
    # 10. an instalment beyond the term of G-009 (60 months from 2023-10-05, due day 15).
    instalments.append(["G-009", "2028-11-15", 1000])
    tables["savings"] = [["999999999999", 5000]]  # 11. savings of an unknown household
    return tables


def test_ten_kinds_of_bad_rows_are_refused_each_located(group):
    report = import_book(book.as_file(bad_tables()), as_of=C, dry_run=False, by=None)
    located = {(e["sheet"], e["row"], e["column"]) for e in report.errors}
    expected = {
        ("households", 5, "national_id"),
        ("households", 6, "savings_group"),
        ("households", 7, "date_of_birth"),
        ("loans", 2, "programme"),
        ("loans", 3, "outstanding_principal"),
        ("loans", 9, "contract_number"),
        ("loans", 10, "due_day"),
        ("loans", 11, "disbursed_total"),
        ("savings", 2, "national_id"),
    }
    assert expected <= located
    sums = [e for e in report.errors if e["sheet"] == "instalments" and e["column"] == "principal"]
    assert any("G-008" in e["message"] for e in sums)
    beyond = [e for e in report.errors if e["sheet"] == "instalments" and e["column"] == "due_date"]
    assert any("hết thời hạn" in e["message"] for e in beyond)
    assert all(e["message"] for e in report.errors)
    assert report.posted is False
    assert Loan.objects.count() == 0 and LoanTransaction.objects.count() == 0


def test_the_template_has_every_sheet_with_one_example_row():
    sheets = read_workbook(template_bytes())
    for name, columns in SHEETS.items():
        assert tuple(sheets[name].columns) == columns
        assert len(sheets[name].rows) == 1


def test_a_zip_of_csv_files_imports_like_the_workbook(group):
    tables = book.fifty("T-TAKEON")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, columns in SHEETS.items():
            archive.writestr(f"{name}.csv", csv_bytes([columns, *tables.get(name, [])]))
    report = import_book(buffer.getvalue(), as_of=C, dry_run=True, by=None)
    assert (report.households, report.loans, report.errors) == (50, 50, [])


def test_api_dry_run_then_post_then_refusal(group, cast):
    cast.carol.user_permissions.add(Permission.objects.get(codename="add_importbatch"))
    client = APIClient()
    client.force_authenticate(cast.carol)

    def post(tables, dry_run):
        upload = SimpleUploadedFile("book.xlsx", book.as_file(tables))
        data = {"file": upload, "as_of": C.isoformat(), "dry_run": dry_run}
        return client.post("/api/v1/imports/", data, format="multipart")

    preview = post(book.fifty("T-TAKEON"), True)
    assert preview.status_code == 200, preview.json()
    assert preview.json() | {"mismatches": []} == {
        "households": 50,
        "loans": 50,
        "savings": 10,
        "posted": False,
        "errors": [],
        "mismatches": [],
    }
    assert Loan.objects.count() == 0
    assert post(book.fifty("T-TAKEON"), False).json()["posted"] is True
    assert Loan.objects.count() == 50
    refused = post(bad_tables(), False)
    assert refused.status_code == 400
    assert {"sheet", "row", "column", "message"} == set(refused.json()["errors"][0])


def test_api_needs_the_import_permission(cast):
    client = APIClient()
    client.force_authenticate(cast.alice)
    assert client.post("/api/v1/imports/", {}, format="multipart").status_code == 403


def test_command_dry_run_and_errors(group, tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(book.as_file(book.fifty("T-TAKEON")))
    out = io.StringIO()
    call_command("import_book", str(path), "--as-of", C.isoformat(), "--dry-run", stdout=out)
    assert "khoản vay: 50" in out.getvalue() and Loan.objects.count() == 0
    path.write_bytes(book.as_file(bad_tables()))
    with pytest.raises(CommandError):
        call_command("import_book", str(path), "--as-of", C.isoformat(), stdout=io.StringIO())
    assert Loan.objects.count() == 0


def test_households_alone_import_with_the_same_preview(group):
    tables = {"households": book.fifty("T-TAKEON")["households"][:5]}
    data = workbook_bytes(tables)
    preview = import_book(data, as_of=C, dry_run=True, by=None)
    assert (preview.households, preview.loans, preview.errors) == (5, 0, [])
    assert import_book(data, as_of=C, dry_run=False, by=None).posted
    assert Borrower.objects.count() == 5 and Loan.objects.count() == 0


def test_a_file_without_any_sheet_of_the_template_is_refused(group):
    report = import_book(workbook_bytes({}), as_of=C, dry_run=False, by=None)
    assert report.errors and not report.posted
