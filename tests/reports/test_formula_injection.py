"""Formula injection (issue 12, high): names that a spreadsheet would run as formulas come out
of every export as text. Five households, each in its own group, point and association, all
named after the payloads (the office and the programme too); every export is fetched from the
API and from the admin, in Excel and in CSV.

Excel: no cell of any sheet is a formula, each name reads back verbatim as a text cell, and a
text that starts like a formula carries the quote prefix.
CSV: each name's cell is the name behind a leading `'`, and any other cell that starts like a
formula is a number (a negative amount stays a number)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import pytest
from openpyxl import load_workbook

from borrowers.models import Association
from core.exports import FORMULA_STARTS
from loans import services
from loans.reconciliation.models import Reconciliation
from programmes.models import Programme
from tasks.jobs.reconciliation import run_reconciliation
from tests.conftest import approved_loan
from tests.factories import (
    AssociationFactory,
    BorrowerFactory,
    OfficeFactory,
    PointFactory,
    SavingsGroupFactory,
)

from .conftest import token_client

PAYLOADS = ['=HYPERLINK("http://x","y")', "=1+1", "+1+1", "-2+3", "@SUM(1+1)"]
OFFICE_NAME, PROGRAMME_NAME = PAYLOADS[0], PAYLOADS[4]
API = "/api/v1"
DAY = {"as_of": "2025-06-30"}
SPAN = {"from": "2025-05-01", "to": "2025-06-30"}
ADMIN_DAY = {"as_of": "30/06/2025"}
ADMIN_SPAN = {"date_from": "01/05/2025", "date_to": "30/06/2025"}
# report -> (API path and parameters, admin path and parameters); grouped by savings group.
PROVINCE = {
    "portfolio": ("reports/portfolio/", DAY, "", ADMIN_DAY),
    "flows": ("reports/flows/", SPAN, "flows/", ADMIN_SPAN),
    "arrears_ageing": ("reports/arrears-ageing/", DAY, "arrears-ageing/", ADMIN_DAY),
    "decree_28": ("reports/decree-28/", SPAN, "decree-28/", ADMIN_SPAN),
}
# The names each reconciliation level shows.
LEVEL_NAMES = {
    "loan": "borrowers",
    "savings_group": "groups",
    "association": "associations",
    "transaction_point": "points",
    "office": "office",
    "programme": "programme",
}


@dataclass
class Hostile:
    """The households and the places named after the payloads."""

    recon: Reconciliation
    groups: list = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture
def hostile(cast) -> Hostile:
    office = OfficeFactory(branch=cast.branch, code="HOS", name=OFFICE_NAME)
    Programme.objects.filter(code="ND28-DAT").update(name=PROGRAMME_NAME)
    groups = []
    for number, name in enumerate(PAYLOADS):
        point = PointFactory(office=office, name=name, session_day=21)
        association = AssociationFactory(
            level=Association.Level.COMMUNE, name=name, office=office, transaction_point=point
        )
        group = SavingsGroupFactory(
            code=f"H{number}",
            name=name,
            leader=name,
            association=association,
            transaction_point=point,
        )
        borrower = BorrowerFactory(savings_group=group, full_name=name)
        loan = approved_loan(
            borrower, "ND28-DAT", amount=10_000_000, term=180, by=cast.carol, due_day=21
        )
        services.disburse(loan, amount=10_000_000, on=date(2025, 5, 10), by=cast.carol)
        # The first interest falls due on 21 Jun (42 days, 34,521): part of it is collected,
        # so the group leader and the association earn a fee.
        services.record_repayment(loan, interest=10_000, on=date(2025, 6, 21), by=cast.carol)
        groups.append(group)
    run_reconciliation(month="2025-06")
    names = {key: PAYLOADS for key in ("borrowers", "groups", "associations", "points")} | {
        "office": [OFFICE_NAME],
        "programme": [PROGRAMME_NAME],
    }
    return Hostile(recon=Reconciliation.objects.get(), groups=groups, names=names)


# --- what a safe file looks like -------------------------------------------------------------


def assert_xlsx_keeps_names_as_text(content: bytes, names: list[str]) -> None:
    book = load_workbook(io.BytesIO(content))
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.data_type == "s":
                    texts.add(cell.value)
                    # Excel's quote prefix keeps such a text a text when the cell is edited.
                    assert cell.quotePrefix or not cell.value.startswith(FORMULA_STARTS)
    for name in names:
        assert name in texts, name


def assert_csv_quotes_names(content: bytes, names: list[str]) -> None:
    cells = [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
    for name in names:
        assert "'" + name in cells, name
        assert name not in cells, name
    for cell in cells:
        if cell.startswith(FORMULA_STARTS):
            float(cell)  # only a number may start like a formula


CHECKS = {"xlsx": assert_xlsx_keeps_names_as_text, "csv": assert_csv_quotes_names}


def api_file(cast, path: str, params: dict, fmt: str) -> bytes:
    response = token_client(cast.carol).get(f"{API}/{path}", {**params, "format": fmt})
    assert response.status_code == 200, response.content[:300]
    return response.content


def admin_file(client, cast, path: str, params: dict, fmt: str) -> bytes:
    client.force_login(cast.carol)
    response = client.get(f"/admin/{path}", {**params, "format": fmt})
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    return response.content


# --- the province reports --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("report", list(PROVINCE))
def test_province_report_files_write_a_formula_group_name_as_text(
    hostile, cast, client, report, fmt
):
    api_path, api_params, admin_suffix, admin_params = PROVINCE[report]
    group_by = {"group_by": "savings_group"}
    files = [
        api_file(cast, api_path, {**api_params, **group_by}, fmt),
        admin_file(
            client,
            cast,
            f"reports/portfolioreport/{admin_suffix}",
            {**admin_params, **group_by},
            fmt,
        ),
    ]
    for content in files:
        CHECKS[fmt](content, hostile.names["groups"])


# --- the reconciliation, the fee statement, the 13/TD ----------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("level", list(LEVEL_NAMES))
def test_reconciliation_files_write_formula_names_as_text_at_every_level(
    hostile, cast, client, level, fmt
):
    params = {"month": "2025-06", "level": level}
    files = [
        api_file(cast, "reconciliations/", params, fmt),
        admin_file(
            client,
            cast,
            f"reconciliation/reconciliation/{hostile.recon.pk}/report/",
            {"level": level},
            fmt,
        ),
    ]
    for content in files:
        CHECKS[fmt](content, hostile.names[LEVEL_NAMES[level]])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_fee_statement_files_write_formula_leader_and_group_names_as_text(
    hostile, cast, client, fmt
):
    files = [
        api_file(cast, "reconciliations/fee-statement/", {"month": "2025-06"}, fmt),
        admin_file(
            client,
            cast,
            f"reconciliation/reconciliation/{hostile.recon.pk}/fee-statement/",
            {},
            fmt,
        ),
    ]
    for content in files:
        CHECKS[fmt](content, [*hostile.names["groups"], *hostile.names["associations"]])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_collection_list_files_write_a_formula_borrower_name_as_text(hostile, cast, client, fmt):
    for group, name in zip(hostile.groups, PAYLOADS, strict=True):
        api_params = {"savings_group": group.pk, "session_date": "2025-07-21"}
        admin_params = {"savings_group": group.pk, "session_date": "21/07/2025"}
        files = [
            api_file(cast, "reports/collection-list/", api_params, fmt),
            admin_file(
                client, cast, "reconciliation/reconciliation/collection-list/", admin_params, fmt
            ),
        ]
        for content in files:
            CHECKS[fmt](content, [name])
