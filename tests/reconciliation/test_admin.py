"""The reconciliation in the admin: run a month, read it per level, see the discrepancies with
their loans, download the files; officers see their office only."""

import io

import pytest
from django.db import connection
from django.utils.html import escape
from openpyxl import load_workbook

from loans.reconciliation.models import Reconciliation
from tasks.jobs import reconciliation
from tasks.models import JobRun

MONTHS = "/admin/reconciliation/reconciliation/"
RUN = "/admin/tasks/jobrun/run-reconciliation/"


@pytest.fixture
def reconciled(june):
    reconciliation.run_reconciliation(month="2025-06")
    return Reconciliation.objects.get()


def test_the_branch_runs_a_month_from_the_admin(
    june, cast, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.carol)
    listing = client.get(MONTHS).content.decode()
    # A month is run from the job runs' page (tasks); the months' page links to the 13/TD.
    runs = client.get("/admin/tasks/jobrun/").content.decode()
    assert "Chạy đối chiếu tháng" in runs and "Danh sách thu lãi 13/TD" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUN, {"month": "2025-06"})

    run = JobRun.objects.get(kind="reconciliation")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/jobrun/{run.pk}/change/"
    )
    run.refresh_from_db()
    assert run.status == JobRun.Status.DONE
    assert Reconciliation.objects.get().loan_count == 5


def test_a_future_month_and_officers_are_refused(june, cast, client):
    client.force_login(cast.carol)
    response = client.post(RUN, {"month": "2099-01"})
    assert response.status_code == 200 and "không được sau" in response.content.decode()

    client.force_login(cast.alice)  # an office's officer: a run covers every office
    assert client.post(RUN, {"month": "2025-06"}).status_code == 403
    assert "Chạy đối chiếu tháng" not in client.get("/admin/tasks/jobrun/").content.decode()
    assert not JobRun.objects.exists()


def test_the_report_page_shows_the_officers_office_only(reconciled, cast, client, june):
    url = f"/admin/reconciliation/reconciliation/{reconciled.pk}/report/"

    client.force_login(cast.carol)
    page = client.get(url, {"level": "savings_group"}).content.decode()
    name_a, name_b = escape(june.group_a.name), escape(june.group_b.name)
    assert name_a in page and name_b in page
    assert "94.750.000" in page  # closing outstanding of both groups
    # Group B's overdue ratio, 2,500,000 / 45,000,000 = 5.56 %, as every page shows a ratio.
    assert "5,56 %" in page
    assert "Không có chênh lệch" in page
    assert "94.750.000" in client.get("/admin/reconciliation/reconciliation/").content.decode()

    client.force_login(cast.alice)
    page = client.get(url, {"level": "savings_group"}).content.decode()
    assert name_a in page and name_b not in page
    assert "49.750.000" in page and "94.750.000" not in page
    # The month's stored totals cover every office: not shown to an office's officer.
    for other_page in ("", f"{reconciled.pk}/change/"):
        html = client.get(f"/admin/reconciliation/reconciliation/{other_page}").content.decode()
        assert "94.750.000" not in html and "Đối chiếu" in html
    download = client.get(url, {"level": "office", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(download.content)).active
    offices = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert cast.van_quan.name in offices and cast.bac_son.name not in offices


def test_discrepancies_are_shown_with_their_loans(june, cast, client):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loan SET outstanding_principal = outstanding_principal - 7, "
            "disbursed_total = disbursed_total - 7 WHERE id = %s",
            [june.loans["b1"].pk],
        )
    reconciliation.run_reconciliation(month="2025-06")
    recon = Reconciliation.objects.get()

    client.force_login(cast.bob)
    change = client.get(f"/admin/reconciliation/reconciliation/{recon.pk}/change/").content.decode()
    assert june.loans["b1"].contract_number in change and "disbursed_total" in change
    report = client.get(f"/admin/reconciliation/reconciliation/{recon.pk}/report/").content.decode()
    assert f"/admin/loans/loan/{june.loans['b1'].pk}/change/" in report
    listing = client.get("/admin/reconciliation/discrepancy/").content.decode()
    assert june.loans["b1"].contract_number in listing

    client.force_login(cast.alice)  # another office's discrepancy does not exist for her
    change = client.get(f"/admin/reconciliation/reconciliation/{recon.pk}/change/").content.decode()
    assert june.loans["b1"].contract_number not in change
    listing = client.get("/admin/reconciliation/discrepancy/").content.decode()
    assert june.loans["b1"].contract_number not in listing


def test_the_fee_statement_page_and_file(reconciled, cast, client):
    client.force_login(cast.carol)
    url = f"/admin/reconciliation/reconciliation/{reconciled.pk}/fee-statement/"

    page = client.get(url).content.decode()
    assert "Hoa hồng tổ trưởng" in page and "22.727" in page and "39.095" in page
    book = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    assert book.sheetnames == ["Hoa hồng tổ trưởng", "Phí ủy thác"]
    csv_file = client.get(url, {"format": "csv"})
    assert csv_file["Content-Type"].startswith("text/csv")
