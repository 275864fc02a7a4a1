"""The status table (Loan.TRANSITIONS) is the one place a loan's status changes: every move the
services make is in it, each is audited in the loan's history, and a move outside it is
refused (DOMAIN.md §3)."""

import re
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from loans import services
from loans.models import Loan, LoanStatus, LoanTransaction
from loans.services.status import change_status

from ..conftest import approved_loan

M = 1_000_000
S = LoanStatus


def poor_household_loan(household, cast, *, amount: int = 10 * M) -> Loan:
    """A poor-household loan (HN, 6.6 %/yr), 36 months, approved 2 Jan 2025, due day 10."""
    return approved_loan(
        household,
        "HN",
        amount=amount,
        term=36,
        by=cast.alice,
        approved_on=date(2025, 1, 2),
        due_day=10,
    )


def moves_in_history(loan: Loan) -> list[tuple[str, str]]:
    """(from, to) of every status change recorded in the loan's history, oldest first."""
    statuses = list(loan.history.order_by("history_id").values_list("status", flat=True))
    return [(a, b) for a, b in pairwise(statuses) if a != b]


def test_every_move_the_services_make_is_in_the_table_and_every_entry_is_used(cast, household):
    closed = poor_household_loan(household, cast)
    services.disburse(closed, amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    # Settled on 10 Feb 2025: the interest due that day, 31 days × 10,000,000 × 6.6% / 365 =
    # 56,054.79 -> 56,055, and nothing for 10 Feb itself (no principal left at its end).
    principal, _interest = services.record_repayment(
        closed, principal=10 * M, interest=56_055, on=date(2025, 2, 10), by=cast.alice
    )  # active -> closed
    services.reverse(principal, reason="Nhập nhầm số tiền", by=cast.alice)  # closed -> active

    undone = poor_household_loan(household, cast)
    entry = services.disburse(undone, amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    services.reverse(entry, reason="Giải ngân nhầm khoản vay", by=cast.alice)  # -> approved

    troubled = poor_household_loan(household, cast)
    services.disburse(troubled, amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    services.freeze(troubled, start=date(2025, 3, 1), end=None, decision_ref="QĐ 7", by=cast.alice)
    services.unfreeze(troubled, on=date(2025, 4, 30), by=cast.alice)
    written_off, _interest = services.write_off(
        troubled, on=date(2025, 6, 10), by=cast.alice, reason="QĐ xóa nợ 12"
    )
    services.reverse(written_off, reason="Quyết định bị hủy", by=cast.alice)  # -> active

    frozen = poor_household_loan(household, cast, amount=5 * M)
    services.disburse(frozen, amount=5 * M, on=date(2025, 1, 10), by=cast.alice)
    services.freeze(frozen, start=date(2025, 3, 1), end=None, decision_ref="QĐ 8", by=cast.alice)
    services.write_off(frozen, on=date(2025, 6, 10), by=cast.alice, reason="QĐ xóa nợ 13")

    loans = (closed, undone, troubled, frozen)
    performed = {move for loan in loans for move in moves_in_history(loan)}
    table = {(str(a), str(b)) for a, targets in Loan.TRANSITIONS.items() for b in targets}
    assert performed == table
    assert [Loan.objects.get(pk=loan.pk).status for loan in loans] == [
        S.ACTIVE,
        S.APPROVED,
        S.ACTIVE,
        S.WRITTEN_OFF,
    ]


def test_a_status_change_is_audited_with_its_reason_and_author(cast, household):
    loan = poor_household_loan(household, cast)
    services.disburse(loan, amount=10 * M, on=date(2025, 1, 10), by=cast.bob)

    change = loan.history.latest("history_id")
    assert (change.status, change.history_change_reason, change.history_user) == (
        S.ACTIVE,
        "Giải ngân",
        cast.bob,
    )


def test_a_move_outside_the_table_is_refused_and_changes_nothing(cast, household):
    loan = poor_household_loan(household, cast)

    with pytest.raises(services.LoanError) as refused:
        change_status(loan, S.CLOSED, reason="Tất toán")

    assert refused.value.code == "loan_state"
    assert "không thể chuyển sang" in refused.value.message
    assert Loan.objects.get(pk=loan.pk).status == S.APPROVED


def test_the_only_disbursement_of_a_frozen_loan_cannot_be_reversed(cast, household):
    # Frozen -> approved is not in the table: the freeze would outlive the loan's money.
    loan = poor_household_loan(household, cast)
    entry = services.disburse(loan, amount=10 * M, on=date(2025, 1, 10), by=cast.alice)
    services.freeze(loan, start=date(2025, 3, 1), end=None, decision_ref="QĐ 7", by=cast.alice)

    with pytest.raises(services.LoanError) as refused:
        services.reverse(entry, reason="Giải ngân nhầm", by=cast.alice)

    assert refused.value.code == "loan_state"
    loan.refresh_from_db()
    assert (loan.status, loan.disbursed_total, loan.first_disbursed_on) == (
        S.FROZEN,
        10 * M,
        date(2025, 1, 10),
    )
    assert not LoanTransaction.objects.filter(reverses=entry).exists()


def test_no_service_but_change_status_writes_a_status():
    services_dir = Path(services.__file__).parent
    writes = re.compile(r"\.status\s*=[^=]|\bstatus=")
    for module in sorted(services_dir.glob("*.py")):
        if module.name != "status.py":
            assert not writes.search(module.read_text()), module.name
