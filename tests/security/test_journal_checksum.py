"""journal_checksum: the backup drill's proof that a restored journal is the original's."""

import io
from datetime import date

from django.core.management import call_command

from loans import services
from loans.models import LoanTransaction
from tasks.management.commands.journal_checksum import journal_checksum
from tests.conftest import approved_loan


def checksum_output() -> str:
    out = io.StringIO()
    call_command("journal_checksum", stdout=out)
    return out.getvalue()


def test_it_prints_rows_and_md5_per_journal(cast, household):
    loan = approved_loan(household, "HN", amount=10_000_000, term=24, by=cast.alice)
    services.disburse(loan, amount=10_000_000, on=date(2025, 1, 10), by=cast.alice)

    lines = checksum_output().splitlines()
    table, rows, md5 = lines[0].split()
    assert table == "loans_loantransaction" and rows == "1" and len(md5) == 32
    # One line per journal of settings.APPEND_ONLY_JOURNALS: the savings journal is empty.
    assert lines[1].split()[:2] == ["savings_savingstransaction", "0"]


def test_it_is_the_same_for_the_same_rows_and_moves_with_any_new_one(cast, household):
    loan = approved_loan(household, "HN", amount=10_000_000, term=24, by=cast.alice)
    services.disburse(loan, amount=10_000_000, on=date(2025, 1, 10), by=cast.alice)
    first = journal_checksum(LoanTransaction)
    assert journal_checksum(LoanTransaction) == first

    services.record_repayment(loan, interest=1_000, on=date(2025, 2, 10), by=cast.alice)
    rows, md5 = journal_checksum(LoanTransaction)
    assert rows == 2 and md5 != first[1]


def test_an_empty_journal_has_the_md5_of_nothing(db):
    assert journal_checksum(LoanTransaction) == (0, "d41d8cd98f00b204e9800998ecf8427e")
