"""A generated book written as a take-on workbook and imported into an empty database gives
the same positions as of C, loan by loan."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from loans.models import Loan
from loans.selectors import positions
from loans.takeon.export import book_tables, write_takeon
from loans.takeon.services import import_book
from loans.takeon.workbook import read_workbook
from tasks.synthetic import generator

pytestmark = pytest.mark.django_db
C = date(2026, 6, 30)
COMPARED = [
    "outstanding_principal",
    "overdue_principal",
    "days_past_due",
    "interest_arrears",
    "interest_accrued_not_due",
    "overdue_rate_interest",
    "bucket",
    "status",
]


def by_contract(frame):
    numbers = dict(Loan.objects.values_list("id", "contract_number"))
    frame = frame.assign(contract=frame["loan_id"].map(numbers)).set_index("contract")
    return frame[frame["outstanding_principal"] > 0][COMPARED].sort_index()


def test_a_generated_book_of_1000_loans_round_trips(cast):
    generator.generate_portfolio(loans=1000, seed=11, until=C, batch_size=500)
    before = by_contract(positions(Loan.objects.all(), as_of=C))
    tables = book_tables(Loan.objects.all(), C)
    assert len(tables["loans"]) == len(before) > 500
    data = write_takeon(Loan.objects.all(), C)
    generator.reset_portfolio()  # the organisation stays: an empty book
    assert Loan.objects.count() == 0
    report = import_book(data, as_of=C, dry_run=False, by=None)
    assert report.errors == [] and report.mismatches == [], (
        report.errors[:5],
        report.mismatches[:5],
    )
    assert report.loans == len(before)
    after = by_contract(positions(Loan.objects.all(), as_of=C))
    assert after.index.tolist() == before.index.tolist()
    assert (after == before).all().all(), after.compare(before).head()


def test_generate_portfolio_writes_a_takeon_workbook(cast, tmp_path):
    path = tmp_path / "book.xlsx"
    out = io.StringIO()
    call_command(
        "generate_portfolio", loans=30, until="2026-06-30", write_takeon=str(path),
        as_of="2026-06-30", stdout=out,
    )  # fmt: skip
    sheets = read_workbook(path.read_bytes())
    open_loans = positions(Loan.objects.all(), as_of=C)
    assert len(sheets["loans"].rows) == (open_loans["outstanding_principal"] > 0).sum()
    assert str(path) in out.getvalue()
