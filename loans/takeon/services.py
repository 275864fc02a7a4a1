"""Importing a take-on workbook (chuyển đổi dữ liệu) as of a cut-over date C.

All or nothing: the file is checked whole first; then, in one transaction, households, loans,
their schedules (the file's instalments), freezes and the opening entries of the journal are
written set-based (bulk_create), and the position engine checks every new loan as of C against
the file before the transaction commits. What exists already (a contract number, a citizen ID)
is skipped, so the same file imported twice posts nothing twice.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.models import Borrower, SavingsGroup
from core.errors import DomainError
from core.text import fold
from loans.models import (
    Instalment,
    Loan,
    LoanFreeze,
    LoanStatus,
    LoanTransaction,
    ScheduleVersion,
    TransactionKind,
)
from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction
from loans.selectors import positions

from .models import ImportBatch, TakeOnLoan
from .rows import insert_records, insert_rows
from .savings import post_savings
from .validation import Book, check_book
from .workbook import WorkbookError, read_workbook

BATCH_SIZE = 5000
# Opening entry kind -> the file's column it carries.
OPENING_ENTRIES = {
    TransactionKind.OPENING_BALANCE: "outstanding_principal",
    TransactionKind.OPENING_INTEREST_ARREARS: "interest_arrears",
    TransactionKind.OPENING_ACCRUED_INTEREST: "interest_accrued_not_due",
    TransactionKind.OPENING_OVERDUE_INTEREST: "overdue_rate_interest",
}
# What an import does, in order (told to `step`).
STEPS = (
    "Đọc tệp",
    "Kiểm tra từng dòng",
    "Ghi hộ vay",
    "Ghi khoản vay",
    "Ghi lịch trả nợ",
    "Ghi số dư chuyển đổi",
    "Ghi tiền gửi",
    "Đối chiếu dư nợ tại ngày chuyển đổi",
)
CHECKED = ("outstanding_principal", "interest_arrears", "interest_accrued_not_due")


class TakeOnError(DomainError):
    """The position of an imported loan as of C differs from the file's (nothing is kept)."""


@dataclass
class Report:
    """What an import did or would do: new households, loans, savings accounts; row errors."""

    households: int = 0
    loans: int = 0
    savings: int = 0
    posted: bool = False
    errors: list[dict] = field(default_factory=list)
    mismatches: list[dict] = field(default_factory=list)
    batch_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "households": self.households,
            "loans": self.loans,
            "savings": self.savings,
            "posted": self.posted,
            "errors": self.errors,
            "mismatches": self.mismatches,
        }


def _no_step(label: str) -> None:
    return None


def import_book(
    data: bytes,
    *,
    as_of: date,
    dry_run: bool,
    by,
    file_name: str = "",
    step: Callable[[str], None] = _no_step,
) -> Report:
    """Check the file and, unless a dry run or any row is wrong, post it whole. `step` is
    told each of STEPS as it starts (a command's progress bar)."""
    step(STEPS[0])
    try:
        sheets = read_workbook(data)
    except (WorkbookError, ValueError, KeyError, OSError):
        message = _("Tệp không đọc được: cần tệp Excel (.xlsx) hoặc tệp zip các tệp CSV.")
        return Report(errors=[{"sheet": "", "row": 0, "column": "", "message": message}])
    step(STEPS[1])
    book = check_book(sheets, as_of)
    _skip_known_savings(book)
    report = Report(
        households=len(book.households),
        loans=len(book.loans),
        savings=len(book.savings),
        errors=book.errors.items,
    )
    if report.errors or dry_run:
        return report
    if book.households or book.loans or book.savings:  # else all of it is here already
        _post_checked(book, report, by=by, file_name=file_name, step=step)
    return report


def _post_checked(book: Book, report: Report, *, by, file_name: str, step) -> None:
    """Post the book and check every new loan's position as of C, in one transaction."""
    try:
        with transaction.atomic():
            report.batch_id = _post(book, by=by, file_name=file_name, step=step)
            step(STEPS[-1])
            report.mismatches = check_positions(report.batch_id)
            if report.mismatches:
                raise TakeOnError(_("Số liệu sau chuyển đổi khác tệp: không ghi sổ."))
    except TakeOnError:
        report.batch_id = None
        return
    report.posted = True


def _post(book: Book, *, by, file_name: str, step: Callable[[str], None]) -> int:
    batch = ImportBatch.objects.create(
        as_of=book.as_of,
        file_name=file_name[:200],
        households=len(book.households),
        loans=len(book.loans),
        savings=len(book.savings),
        created_by=by,
    )
    step(STEPS[2])
    borrowers = _post_households(book, by=by)
    step(STEPS[3])
    loans = _post_loans(book, borrowers, by=by)
    step(STEPS[4])
    _post_schedules(book, loans, by=by)
    step(STEPS[5])
    _post_openings(book, loans, batch, by=by)
    step(STEPS[6])
    post_savings(book, borrowers, batch, by=by)
    return batch.pk


# What the posting steps need of each new household and loan (by citizen ID, by contract).
PLACE = ("id", "savings_group_id", "transaction_point_id", "office_id")


def _post_households(book: Book, *, by) -> dict[str, dict]:
    """The new households in one COPY; every household of the file: its id and place."""
    group_ids = {r["savings_group_id"] for r in book.households.values()}
    groups = {
        g["id"]: g
        for g in SavingsGroup.objects.filter(id__in=group_ids).values(
            "id", "transaction_point_id", "transaction_point__office_id"
        )
    }
    new = []
    for record in book.households.values():
        group = groups[record["savings_group_id"]]
        new.append(
            record
            | {
                "full_name_folded": fold(record["full_name"]),
                "transaction_point_id": group["transaction_point_id"],
                "office_id": group["transaction_point__office_id"],
            }
        )
    insert_records(Borrower, new, key="national_id", by=by)
    ids = [*book.households, *book.known_households]
    found = Borrower.objects.filter(national_id__in=ids).values_list("national_id", *PLACE)
    return {n: dict(zip(PLACE, place, strict=True)) for n, *place in found}


def _post_loans(book: Book, borrowers: dict[str, dict], *, by) -> dict[str, dict]:
    """The new loans in one COPY; each: its id and place (its household's)."""
    by_id = getattr(by, "pk", None)
    new = [_loan(record, borrowers[record["national_id"]], by_id) for record in book.loans.values()]
    insert_records(Loan, new, key="contract_number", by=by)
    numbers = list(book.loans)
    found = Loan.objects.filter(contract_number__in=numbers).values_list("contract_number", *PLACE)
    return {n: dict(zip(PLACE, place, strict=True)) for n, *place in found}


def _loan(r: dict, borrower: dict, by_id: int | None) -> dict:
    # The cached balances agree with the journal: the opening principal is what was lent here.
    frozen = r["frozen_from"] is not None
    return {
        "contract_number": r["contract_number"],
        "borrower_id": borrower["id"],
        "programme_id": r["programme"].pk,
        "purpose_id": r["purpose_id"],
        "savings_group_id": borrower["savings_group_id"],
        "transaction_point_id": borrower["transaction_point_id"],
        "office_id": borrower["office_id"],
        "approved_amount": r["approved_amount"],
        "term_months": r["term_months"],
        "grace_months": r["grace_months"],
        "principal_frequency_months": r["principal_frequency_months"],
        "due_day": r["due_day"],
        "approved_on": r["approved_on"],
        "approved_list_ref": r["approved_list_ref"],
        "approved_list_date": r["approved_list_date"],
        "contract_rate": r["contract_rate"],
        "first_disbursed_on": r["first_disbursed_on"],
        "status": str(LoanStatus.FROZEN if frozen else LoanStatus.ACTIVE),
        "disbursed_total": r["outstanding_principal"],
        "outstanding_principal": r["outstanding_principal"],
        "created_by_id": by_id,
    }


def _post_schedules(book: Book, loans: dict[str, dict], *, by) -> None:
    """Each loan's schedule version 1 (the file's instalments), then its freeze if frozen."""
    note = _("Lịch trả nợ theo tệp chuyển đổi dữ liệu")
    now, by_id = timezone.now(), getattr(by, "pk", None)
    insert_rows(
        ScheduleVersion,
        ["loan_id", "number", "effective_from", "reason", "note", "created_at", "created_by_id"],
        ((loan["id"], 1, book.as_of, "takeon", note, now, by_id) for loan in loans.values()),
    )
    ids = [loan["id"] for loan in loans.values()]
    by_loan = dict(
        ScheduleVersion.objects.filter(loan_id__in=ids, number=1).values_list("loan_id", "id")
    )
    insert_rows(
        Instalment,
        ["version_id", "loan_id", "seq", "due_date", "principal"],
        (
            (by_loan[loan["id"]], loan["id"], seq, due, principal)
            for number, loan in loans.items()
            for seq, (due, principal) in enumerate(book.instalments[number], start=1)
        ),
    )
    LoanFreeze.objects.bulk_create(
        LoanFreeze(
            loan_id=loan["id"],
            start=book.loans[number]["frozen_from"],
            decision_ref=book.loans[number]["freeze_decision"],
            created_by=by,
        )
        for number, loan in loans.items()
        if book.loans[number]["frozen_from"] is not None
    )


def _post_openings(book: Book, loans: dict[str, dict], batch: ImportBatch, *, by) -> None:
    note = _("Chuyển đổi dữ liệu, đợt %(id)s") % {"id": batch.pk}
    now, by_id = timezone.now(), getattr(by, "pk", None)
    columns = ["loan_id", "kind", "value_date", "amount", "office_id", "transaction_point_id"]
    columns += ["receipt_number", "note", "posted_at", "posted_by_id"]
    insert_rows(
        LoanTransaction,
        columns,
        (
            (loan["id"], str(kind), book.as_of, book.loans[number][column], loan["office_id"],
             loan["transaction_point_id"], "", note, now, by_id)
            for number, loan in loans.items()
            for kind, column in OPENING_ENTRIES.items()
            if book.loans[number][column] > 0
        ),
    )  # fmt: skip
    kept = (
        "disbursed_total",
        "outstanding_principal",
        "interest_arrears",
        "interest_accrued_not_due",
        "overdue_rate_interest",
    )
    insert_rows(
        TakeOnLoan,
        ["batch_id", "loan_id", "contract_number", *kept],
        (
            (batch.pk, loan["id"], number, *(book.loans[number][c] for c in kept))
            for number, loan in loans.items()
        ),
    )  # fmt: skip


def _skip_known_savings(book: Book) -> None:
    """A household whose savings account is here already keeps it: a second import adds
    none. Only an account whose every entry was reversed (its batch undone) opens again."""
    ids = list(book.savings)
    entries = SavingsTransaction.objects.filter(account__borrower__national_id__in=ids)
    national_id = "account__borrower__national_id"
    in_force = entries.exclude(kind=SavingsKind.REVERSAL).filter(reversed_by__isnull=True)
    accounts = SavingsAccount.objects.filter(borrower__national_id__in=ids)
    known = set(in_force.values_list(national_id, flat=True)) | (
        set(accounts.values_list("borrower__national_id", flat=True))
        - set(entries.values_list(national_id, flat=True))
    )
    book.savings = {k: v for k, v in book.savings.items() if k not in known}


def check_positions(batch_id: int) -> list[dict]:
    """Each of the batch's loans whose position as of C differs from the file: the figures.
    One run of the position engine over the whole batch, compared column by column (numpy);
    only a loan that differs becomes a row of the report."""
    batch = ImportBatch.objects.get(pk=batch_id)
    compared = [*CHECKED, "overdue_rate_interest"]
    taken = TakeOnLoan.objects.filter(batch=batch).order_by("loan_id")
    expected = pd.DataFrame.from_records(
        list(taken.values_list("loan_id", "contract_number", *compared)),
        columns=["loan_id", "contract_number", *compared],
    ).set_index("loan_id")
    frame = positions(Loan.objects.filter(takeon__batch=batch), as_of=batch.as_of)
    if frame.empty or expected.empty:
        return []
    got = frame.set_index("loan_id")[compared].astype("int64")
    want = expected.loc[expected.index.isin(got.index), compared].astype("int64")
    got = got.reindex(want.index)
    differs = got.ne(want)
    rows = differs.any(axis=1).to_numpy()
    numbers = expected.loc[want.index, "contract_number"].to_numpy()[rows]
    mismatches = []
    for number, wrong, file, engine in zip(
        numbers, differs.to_numpy()[rows], want.to_numpy()[rows], got.to_numpy()[rows], strict=True
    ):
        mismatches.append(
            {"contract_number": number}
            | {
                c: {"file": int(file[i]), "position": int(engine[i])}
                for i, c in enumerate(compared)
                if wrong[i]
            }
        )
    return mismatches
