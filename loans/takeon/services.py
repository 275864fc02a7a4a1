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
from .rows import insert_instances, insert_rows
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


def _post_households(book: Book, *, by) -> dict[str, Borrower]:
    group_ids = {r["savings_group_id"] for r in book.households.values()}
    groups = SavingsGroup.objects.select_related("transaction_point").in_bulk(group_ids)
    new = []
    for record in book.households.values():
        group = groups[record["savings_group_id"]]
        fields = {k: v for k, v in record.items() if k != "savings_group_id"}
        new.append(
            Borrower(
                **fields,
                full_name_folded=fold(fields["full_name"]),
                savings_group=group,
                transaction_point_id=group.transaction_point_id,
                office_id=group.transaction_point.office_id,
            )
        )
    insert_instances(Borrower, new, key="national_id", by=by)
    ids = [*book.households, *book.known_households]
    return {b.national_id: b for b in Borrower.objects.filter(national_id__in=ids)}


def _post_loans(book: Book, borrowers: dict[str, Borrower], *, by) -> dict[str, Loan]:
    new = [_loan(record, borrowers[record["national_id"]], by) for record in book.loans.values()]
    insert_instances(Loan, new, key="contract_number", by=by)
    numbers = list(book.loans)
    return {loan.contract_number: loan for loan in Loan.objects.filter(contract_number__in=numbers)}


def _loan(r: dict, borrower: Borrower, by) -> Loan:
    # The cached balances agree with the journal: the opening principal is what was lent here.
    frozen = r["frozen_from"] is not None
    return Loan(
        contract_number=r["contract_number"],
        borrower=borrower,
        programme=r["programme"],
        purpose_id=r["purpose_id"],
        savings_group_id=borrower.savings_group_id,
        transaction_point_id=borrower.transaction_point_id,
        office_id=borrower.office_id,
        approved_amount=r["approved_amount"],
        term_months=r["term_months"],
        grace_months=r["grace_months"],
        principal_frequency_months=r["principal_frequency_months"],
        due_day=r["due_day"],
        approved_on=r["approved_on"],
        approved_list_ref=r["approved_list_ref"],
        approved_list_date=r["approved_list_date"],
        contract_rate=r["contract_rate"],
        first_disbursed_on=r["first_disbursed_on"],
        status=LoanStatus.FROZEN if frozen else LoanStatus.ACTIVE,
        disbursed_total=r["outstanding_principal"],
        outstanding_principal=r["outstanding_principal"],
        created_by=by,
    )


def _post_schedules(book: Book, loans: dict[str, Loan], *, by) -> None:
    note = _("Lịch trả nợ theo tệp chuyển đổi dữ liệu")
    versions = ScheduleVersion.objects.bulk_create(
        [
            ScheduleVersion(
                loan=loan,
                number=1,
                effective_from=book.as_of,
                reason="takeon",
                note=note,
                created_by=by,
            )
            for loan in loans.values()
        ],
        batch_size=BATCH_SIZE,
    )
    by_loan = {v.loan_id: v.pk for v in versions}
    insert_rows(
        Instalment,
        ["version_id", "loan_id", "seq", "due_date", "principal"],
        (
            (by_loan[loan.pk], loan.pk, seq, due, principal)
            for number, loan in loans.items()
            for seq, (due, principal) in enumerate(book.instalments[number], start=1)
        ),
    )
    LoanFreeze.objects.bulk_create(
        LoanFreeze(
            loan=loan,
            start=book.loans[number]["frozen_from"],
            decision_ref=book.loans[number]["freeze_decision"],
            created_by=by,
        )
        for number, loan in loans.items()
        if book.loans[number]["frozen_from"] is not None
    )


def _post_openings(book: Book, loans: dict[str, Loan], batch: ImportBatch, *, by) -> None:
    note = _("Chuyển đổi dữ liệu, đợt %(id)s") % {"id": batch.pk}
    now, by_id = timezone.now(), getattr(by, "pk", None)
    columns = ["loan_id", "kind", "value_date", "amount", "office_id", "transaction_point_id"]
    columns += ["receipt_number", "note", "posted_at", "posted_by_id"]
    insert_rows(
        LoanTransaction,
        columns,
        (
            (loan.pk, str(kind), book.as_of, book.loans[number][column], loan.office_id,
             loan.transaction_point_id, "", note, now, by_id)
            for number, loan in loans.items()
            for kind, column in OPENING_ENTRIES.items()
            if book.loans[number][column] > 0
        ),
    )  # fmt: skip
    TakeOnLoan.objects.bulk_create(
        (
            TakeOnLoan(
                batch=batch,
                loan=loan,
                contract_number=number,
                **{
                    c: book.loans[number][c]
                    for c in (*CHECKED, "disbursed_total", "overdue_rate_interest")
                },
            )
            for number, loan in loans.items()
        ),
        batch_size=BATCH_SIZE,
    )


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
    """Each of the batch's loans whose position as of C differs from the file: the figures."""
    batch = ImportBatch.objects.get(pk=batch_id)
    taken = TakeOnLoan.objects.filter(batch=batch)
    expected = {
        row["loan_id"]: row
        for row in taken.values(
            "loan_id", "loan__contract_number", *CHECKED, "overdue_rate_interest"
        )
    }
    mismatches = []
    frame = positions(Loan.objects.filter(takeon__batch=batch), as_of=batch.as_of)
    for row in frame.to_dict("records") if not frame.empty else []:
        want = expected[row["loan_id"]]
        differ = {
            c: {"file": want[c], "position": int(row[c])}
            for c in (*CHECKED, "overdue_rate_interest")
            if int(row[c]) != want[c]
        }
        if differ:
            mismatches.append({"contract_number": want["loan__contract_number"], **differ})
    return mismatches
