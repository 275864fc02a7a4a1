"""The reconciliation reads a chunk's journal and schedules once for both engine passes and the
journal sums: those reads give exactly the frames the position engine's own readers give.

The data: a generated book taken on at C (opening_balance entries), a second generated book with
history through mid-August, and in July by hand a repayment back-dated into June, a reversal of
a July interest payment, a reversal of an old disbursement-era payment and an extension decided
on 15 July (a schedule version in force from inside the month). The expected frames are not
hand-worked figures: they are what `_money_transactions(ids, 31 July)` and
`instalments_in_force(ids, 30 June / 31 July)` read from the same rows, query by query."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from loans import services
from loans.models import Instalment, Loan, LoanTransaction, TransactionKind
from loans.positions import compute_positions
from loans.selectors import (
    AFTER,
    BEFORE,
    WITHIN,
    _money_transactions,
    engine_inputs,
    instalments_in_force,
    instalments_on_two_days,
    journal_by_window,
    loan_book,
    transactions_through,
)
from loans.services import overdue
from loans.takeon.export import write_takeon
from loans.takeon.services import import_book
from tasks.synthetic import generator

pytestmark = pytest.mark.django_db
C = date(2026, 6, 30)
FIRST, LAST = date(2026, 7, 1), date(2026, 7, 31)


def _sorted(frame, keys):
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _a_month_of_corrections(user) -> Loan:
    """July's hand postings on open generated loans; returns the extended loan."""
    open_loans = Loan.objects.filter(status="active", outstanding_principal__gt=0)
    open_loans = open_loans.exclude(transactions__kind="opening_balance").order_by("id")
    back_dated, extended = open_loans[:2]
    services.record_repayment(
        back_dated, principal=200_000, interest=0, on=date(2026, 6, 20), by=user
    )
    july = LoanTransaction.objects.filter(
        kind=TransactionKind.INTEREST_PAYMENT, value_date__range=(FIRST, LAST)
    ).order_by("id")
    services.reverse(july.first(), reason="Nhập nhầm", by=user)
    old = LoanTransaction.objects.filter(
        kind=TransactionKind.PRINCIPAL_REPAYMENT, value_date__lt=FIRST
    ).order_by("id")
    services.reverse(old.first(), reason="Nhập nhầm", by=user)
    due = (
        Instalment.objects.filter(
            version__loan=extended, version__number=1, due_date__gt=date(2026, 7, 15)
        )
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    services.extend_due_date(
        extended,
        due_date=due,
        new_due_date=due.replace(year=due.year + 1),
        on=date(2026, 7, 15),
        by=user,
        reason="Thiên tai",
    )
    return extended


def test_one_read_of_the_month_gives_the_engine_readers_frames(cast):
    generator.generate_portfolio(loans=80, seed=21, until=C, batch_size=80)
    data = write_takeon(Loan.objects.all(), C)
    generator.reset_portfolio()
    assert import_book(data, as_of=C, dry_run=False, by=None).errors == []
    generator.generate_portfolio(loans=150, seed=22, until=date(2026, 8, 15), batch_size=150)
    extended = _a_month_of_corrections(cast.alice)
    ids = sorted(Loan.objects.values_list("id", flat=True))

    entries = journal_by_window(ids, first=FIRST, last=LAST)
    keys = ["loan_id", "kind", "value_date", "amount"]
    assert _sorted(transactions_through(entries), keys).equals(
        _sorted(_money_transactions(ids, LAST), keys)
    )
    # Every window and every kind of row is exercised.
    assert set(entries["window"]) == {BEFORE, WITHIN, AFTER}
    assert {"opening_balance", "disbursement", "interest_payment"} <= set(entries["kind"])
    # The generator's own reversals and the two above.
    assert LoanTransaction.objects.filter(kind="reversal", loan_id__in=ids).count() >= 2

    opening, closing = instalments_on_two_days(ids, opening=C, closing=LAST)
    keys = ["loan_id", "due_date", "principal"]
    assert _sorted(opening, keys).equals(_sorted(instalments_in_force(ids, C, due_by=C), keys))
    assert _sorted(closing, keys).equals(
        _sorted(instalments_in_force(ids, LAST, due_by=LAST), keys)
    )
    # Nothing due after its own day is read, and the July instalments are in the closing plan.
    assert opening["due_date"].max() <= pd.Timestamp(C) < closing["due_date"].max()
    assert closing["due_date"].max() <= pd.Timestamp(LAST)
    # The extended loan's plan in force differs between the two days, with as many instalments.
    before = instalments_in_force([extended.pk], C)["due_date"].tolist()
    after = instalments_in_force([extended.pk], LAST)["due_date"].tolist()
    assert sorted(before) != sorted(after) and len(before) == len(after)


def test_the_engine_never_needs_an_instalment_due_after_its_day(cast):
    """Why the night and the reconciliation read only the instalments due by their day
    (`due_by`): the positions with their roll-forward state, and the transfers to overdue,
    are the same to the đồng as from the whole plan in force, on the day before the month, on
    the extension's day, on days with instalments falling due, and at the month's end."""
    generator.generate_portfolio(loans=150, seed=22, until=date(2026, 8, 15), batch_size=150)
    _a_month_of_corrections(cast.alice)
    ids = np.array(sorted(Loan.objects.values_list("id", flat=True)), dtype=np.int64)
    book = loan_book(ids)
    july_due = sorted(
        set(
            Instalment.objects.filter(due_date__range=(FIRST, LAST)).values_list(
                "due_date", flat=True
            )
        )
    )
    assert july_due  # instalments fall due inside the month
    later_rows = transferred = 0
    for as_of in sorted({C, date(2026, 7, 15), *july_due[:3], LAST}):
        read = engine_inputs(book, as_of=as_of)
        whole = {**read, "instalments": instalments_in_force(ids, as_of)}
        later_rows += len(whole["instalments"]) - len(read["instalments"])
        figures = [
            compute_positions(as_of=as_of, with_state=True, **frames) for frames in (read, whole)
        ]
        assert figures[0].equals(figures[1]), as_of
        owed = figures[0].assign(office_id=1, transaction_point_id=1)
        transfers = [
            overdue.overdue_transfers(instalments=f["instalments"], positions=owed, as_of=as_of)
            for f in (read, whole)
        ]
        assert _sorted(transfers[0], ["loan_id", "due_date"]).equals(
            _sorted(transfers[1], ["loan_id", "due_date"])
        )
        transferred += len(transfers[0])
    # The whole plans held instalments the engine was not given, and some were overdue.
    assert later_rows > 0 and transferred > 0
