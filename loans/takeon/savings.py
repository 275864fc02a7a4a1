"""The members' savings balances at C, posted set-based: the missing accounts created in one
bulk insert, one opening entry (số dư chuyển sang, value-dated C) per non-zero balance in
another, the cached balances set alongside, and each entry recorded against its batch (what
undoing the batch reverses). The journal rule is the savings services' (`open_with_balance`):
an opening entry only on an account with no entry in force, which the import's check ensures."""

from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from loans.savings.models import SavingsAccount, SavingsKind, SavingsTransaction

from .models import ImportBatch, TakeOnSavings
from .validation import Book

BATCH_SIZE = 5000


def post_savings(book: Book, borrowers: dict[str, dict], batch: ImportBatch, *, by) -> None:
    """Open (or reuse) each household's account with its balance at C."""
    if not book.savings:
        return
    wanted = {borrowers[n]["id"]: balance for n, balance in book.savings.items()}
    have = dict(
        SavingsAccount.objects.filter(borrower_id__in=list(wanted)).values_list("borrower_id", "id")
    )
    SavingsAccount.objects.bulk_create(
        (SavingsAccount(borrower_id=b, balance=wanted[b]) for b in wanted if b not in have),
        batch_size=BATCH_SIZE,
    )
    _add_to_balances({have[b]: wanted[b] for b in wanted if b in have and wanted[b]})
    accounts = dict(
        SavingsAccount.objects.filter(borrower_id__in=list(wanted)).values_list("borrower_id", "id")
    )
    note = _("Chuyển đổi dữ liệu, đợt %(id)s") % {"id": batch.pk}
    entries = SavingsTransaction.objects.bulk_create(
        (
            SavingsTransaction(
                account_id=accounts[b], kind=SavingsKind.OPENING_BALANCE, value_date=book.as_of,
                amount=balance, delta=balance, note=note, posted_by=by,
            )
            for b, balance in wanted.items()
            if balance > 0
        ),
        batch_size=BATCH_SIZE,
    )  # fmt: skip
    TakeOnSavings.objects.bulk_create(
        (TakeOnSavings(batch=batch, account_id=e.account_id, entry_id=e.pk) for e in entries),
        batch_size=BATCH_SIZE,
    )


def _add_to_balances(amounts: dict[int, int]) -> None:
    """Existing accounts (with nothing in force: balance 0) moved by their opening entry, in
    one UPDATE per batch of accounts."""
    items = list(amounts.items())
    for start in range(0, len(items), BATCH_SIZE):
        part = dict(items[start : start + BATCH_SIZE])
        SavingsAccount.objects.filter(pk__in=list(part)).update(
            balance=F("balance")
            + Case(*(When(pk=pk, then=Value(a)) for pk, a in part.items()), default=Value(0))
        )
