"""The bench's session_sheet_ms on the three households: timed, and rolled back."""

from loans.models import LoanTransaction
from loans.sessions.models import CollectionSheet, Session
from tasks.synthetic.bench.session_sheet import time_session_sheet

from .conftest import SESSION_DATE


def test_the_sheet_is_timed_and_rolled_back(trio):
    result = time_session_sheet(SESSION_DATE, runs=3)
    # One group of three loans: one posting of three lines.
    assert result["session_sheet_lines"] == [3]
    assert result["session_sheet_ms"]["p50"] > 0
    assert result["session_sheet_ms"]["p95"] >= result["session_sheet_ms"]["p50"]
    assert not Session.objects.exists()
    assert not CollectionSheet.objects.exists()
    assert not LoanTransaction.objects.filter(value_date=SESSION_DATE).exists()
