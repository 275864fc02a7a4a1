"""The organisation (offices, transaction points, associations, savings groups) and the
households imported on their own, with the take-on's preview: dry run, located errors in
Vietnamese, all or nothing, nothing twice."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from borrowers.models import (
    Association,
    Borrower,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from loans.takeon import organisation
from loans.takeon.organisation import import_organisation
from loans.takeon.services import import_book
from loans.takeon.workbook import csv_zip_bytes, read_workbook, template_bytes
from tests.factories import BranchFactory

from . import book

pytestmark = pytest.mark.django_db


def org_file(tables: dict) -> bytes:
    """An .xlsx of the organisation's sheets (header row from organisation.SHEETS)."""
    from openpyxl import Workbook

    from core.exports import write_row, xlsx_bytes

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, columns in organisation.SHEETS.items():
        sheet = workbook.create_sheet(name)
        write_row(sheet, 1, columns)
        for number, values in enumerate(tables.get(name, []), start=2):
            write_row(sheet, number, values)
    return xlsx_bytes(workbook)


def good() -> dict:
    return {
        "offices": [["VQX", "PGD huyện Văn Quan (mới)", "Văn Quan"]],
        "transaction_points": [["VQX-01", "Điểm xã Tân Đoàn", "VQX", 21],
                               ["VQX-02", "Điểm xã Tràng Các", "VQX", "15"]],
        "associations": [["VQX-01", "farmers", "Hội Nông dân xã Tân Đoàn"],
                         ["VQX-02", "women", "Hội Phụ nữ xã Tràng Các"]],
        "savings_groups": [
            ["T-ORG-1", "Tổ thôn Nà Lầu", "VQX-01", "farmers", "Thôn Nà Lầu", "Hoàng Văn A", ""],
            ["T-ORG-2", "Tổ thôn Khòn Pổ", "VQX-02", "women", "Thôn Khòn Pổ", "Lý Thị B", "0912"],
        ],
    }  # fmt: skip


@pytest.fixture
def branch():
    return BranchFactory()


def test_preview_then_import_then_nothing_twice(branch):
    preview = import_organisation(org_file(good()), dry_run=True)
    assert preview.errors == [] and not preview.posted
    assert preview.counts == {
        "offices": 1, "transaction_points": 2, "associations": 2, "savings_groups": 2,
    }  # fmt: skip
    assert not TransactionOffice.objects.filter(code="VQX").exists()
    done = import_organisation(org_file(good()), dry_run=False)
    assert done.posted
    group = SavingsGroup.objects.get(code="T-ORG-2")
    assert group.transaction_point.code == "VQX-02" and group.transaction_point.session_day == 15
    assert (group.association.kind, group.association.level) == ("women", "commune")
    assert group.association.office.code == "VQX" and group.office_id == group.association.office_id
    assert group.history.count() == 1
    again = import_organisation(org_file(good()), dry_run=False)
    assert set(again.counts.values()) == {0}
    assert SavingsGroup.objects.filter(code__startswith="T-ORG").count() == 2


def test_bad_rows_are_located_and_nothing_is_added(branch):
    tables = good()
    tables["offices"].append(["VQX", "Trùng mã", ""])  # row 3: duplicate code
    tables["transaction_points"].append(["VQX-03", "Điểm xã X", "NOPE", 40])  # row 4
    tables["associations"].append(["VQX-09", "church", "Hội X"])  # row 4: no point, bad kind
    tables["savings_groups"].append(["T-ORG-3", "", "VQX-01", "youth", "Thôn", "C", ""])  # row 4
    report = import_organisation(org_file(tables), dry_run=False)
    located = {(e["sheet"], e["row"], e["column"]) for e in report.errors}
    assert located == {
        ("offices", 3, "code"),
        ("transaction_points", 4, "office"),
        ("transaction_points", 4, "session_day"),
        ("associations", 4, "transaction_point"),
        ("associations", 4, "kind"),
        ("savings_groups", 4, "name"),
        ("savings_groups", 4, "association"),
    }
    assert any("Không có phòng giao dịch mã NOPE" in e["message"] for e in report.errors)
    assert not report.posted
    assert not TransactionOffice.objects.filter(code="VQX").exists()
    assert not TransactionPoint.objects.filter(code__startswith="VQX").exists()
    assert not Association.objects.filter(name__contains="Tân Đoàn").exists()


def test_command_dry_run_and_real_run(branch, tmp_path):
    path = tmp_path / "org.zip"
    path.write_bytes(csv_zip_of(good()))
    out = io.StringIO()
    call_command("import_organisation", str(path), "--dry-run", stdout=out)
    assert "savings_groups: 2 (chưa ghi sổ)" in out.getvalue()
    assert not SavingsGroup.objects.filter(code="T-ORG-1").exists()
    call_command("import_organisation", str(path), stdout=io.StringIO())
    assert SavingsGroup.objects.filter(code="T-ORG-1").exists()
    bad = tmp_path / "bad.zip"
    tables = good()
    tables["offices"][0][0] = ""
    bad.write_bytes(csv_zip_of(tables))
    with pytest.raises(CommandError, match="lỗi"):
        call_command("import_organisation", str(bad), stdout=io.StringIO())


def csv_zip_of(tables: dict) -> bytes:
    import zipfile

    from core.exports import csv_bytes

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, columns in organisation.SHEETS.items():
            archive.writestr(f"{name}.csv", csv_bytes([columns, *tables.get(name, [])]))
    return buffer.getvalue()


def test_households_alone_then_the_admin_pages(branch, cast, client):
    import_organisation(org_file(good()), dry_run=False)
    households = {"households": [book.household("020180009901", "T-ORG-1", "Bùi Hải Tuyết")]}
    preview = import_book(book.as_file(households), as_of=book.AS_OF, dry_run=True, by=None)
    assert (preview.households, preview.loans, preview.errors) == (1, 0, [])
    assert not Borrower.objects.filter(national_id="020180009901").exists()
    assert import_book(book.as_file(households), as_of=book.AS_OF, dry_run=False, by=None).posted
    assert Borrower.objects.get(national_id="020180009901").savings_group.code == "T-ORG-1"
    assert csv_zip_bytes(households)  # the same sheet as CSV in a zip reads as well
    cast.carol.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_importbatch", "add_savingsgroup"])
    )
    client.force_login(cast.carol)
    template = client.get("/admin/takeon/importbatch/template/households/")
    assert list(read_workbook(template.content)) and template.status_code == 200
    tables = good()
    tables["offices"][0][0] = "VQY"
    tables["transaction_points"] = [["VQY-01", "Điểm xã Y", "VQY", 21]]
    tables["associations"] = [["VQY-01", "youth", "Đoàn xã Y"]]
    tables["savings_groups"] = [["T-ORG-9", "Tổ Y", "VQY-01", "youth", "Thôn Y", "D", ""]]
    url = "/admin/takeon/importbatch/organisation/"
    page = client.post(url, {"file": SimpleUploadedFile("o.xlsx", org_file(tables))})
    assert page.status_code == 200 and page.context["report"].counts["savings_groups"] == 1
    assert not SavingsGroup.objects.filter(code="T-ORG-9").exists()
    done = client.post(url, {"token": page.context["token"]})
    assert done.status_code == 302 and SavingsGroup.objects.filter(code="T-ORG-9").exists()
    sample = client.get("/admin/takeon/importbatch/organisation/template/")
    assert sample.status_code == 200 and template_bytes()
