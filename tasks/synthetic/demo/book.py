"""The steps of `seed_demo`, in order. Each finds what an earlier run made and then adds
nothing, so the command can always be run again.

1. the Lạng Sơn organisation (organisation.py);
2. the bulk of the book, set-based: the generator's households, loans, schedules and ten years
   of journal, written as the generator writes them (COPY on PostgreSQL), drawn into every group
   of the organisation (tasks/synthetic/generator);
3. the first SERVICE_HOUSEHOLDS households of the plan (plans.py), whose every posting goes
   through the services (history.py): disbursements, repayments, a reversed mistake, a freeze,
   a write-off, an extension — a few hundred postings, so the journal is real;
4. the members' savings history (savings.py);
5. an open session day (session_day.py): the point of the group with the most active loans,
   on its latest session day, so its sheet 13/TD is ready to post.

A further step is a function `step(book, advance) -> str` added at the end of STEPS.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from loans.models import Loan

from .. import generator
from .history import seed_households, system_user
from .organisation import seed_organisation
from .plans import HISTORY_END
from .savings import seed_savings
from .session_day import session_day

# Households posted through the services: the first ones of the plan, which hold the demo's
# named cases (plans.py: stopped payers, interest only, a reversal, a freeze, a write-off,
# an extension); every other household comes from the generator.
SERVICE_HOUSEHOLDS = 40


@dataclass
class DemoBook:
    """What the steps are asked for and what they made."""

    borrowers: int
    seed: int
    monthly_months: int
    groups: list = field(default_factory=list)
    created: int = 0  # households this run created


def organisation(book: DemoBook, advance) -> str:
    book.groups = seed_organisation(seed=book.seed)
    return f"Tổ chức: {len(book.groups)} tổ TK&VV"


def bulk_book(book: DemoBook, advance) -> str:
    """The generated households (all but the first SERVICE_HOUSEHOLDS), once."""
    wanted = max(0, book.borrowers - SERVICE_HOUSEHOLDS)
    if not wanted:
        return "Sổ vay sinh hàng loạt: không cần"
    generated = Loan.objects.filter(contract_number__startswith=f"{generator.SIM}-")
    if generated.exists():
        return "Sổ vay sinh hàng loạt: đã có, giữ nguyên"
    counts = generator.generate_portfolio(
        households=wanted, seed=book.seed, until=HISTORY_END, spread=True, progress=advance
    )
    book.created += counts["borrowers_borrower"]
    households, loans = counts["borrowers_borrower"], counts["loans_loan"]
    entries = counts["loans_loantransaction"]
    return (
        f"Sổ vay sinh hàng loạt: {_number(households)} hộ, {_number(loans)} khoản vay, "
        f"{_number(entries)} bút toán"
    )


def posted_households(book: DemoBook, advance) -> str:
    """The first households of the plan, every posting through the services."""
    count = min(book.borrowers, SERVICE_HOUSEHOLDS)
    created = seed_households(
        count,
        groups=book.groups,
        seed=book.seed,
        monthly_months=book.monthly_months,
        progress=advance,
    )
    book.created += created
    return f"Hộ vay ghi qua nghiệp vụ: {created} mới / {count}"


def savings_history(book: DemoBook, advance) -> str:
    """Every household's savings: deposits, withdrawals, the first half-year's interest."""
    counts = seed_savings(seed=book.seed, by=system_user())
    if not counts["accounts"]:
        return "Tiền gửi tiết kiệm: đã có, giữ nguyên"
    return (
        f"Tiền gửi tiết kiệm: {_number(counts['accounts'])} tài khoản, "
        f"{_number(counts['entries'])} bút toán, lãi {_number(counts['interest'])} đồng"
    )


def _number(count: int) -> str:
    return f"{count:,}".replace(",", ".")  # Vietnamese digit grouping


Step = Callable[[DemoBook, Callable], str]
# (label of its progress bar, step), in order.
STEPS: list[tuple[str, Step]] = [
    ("Tổ chức", organisation),
    ("Sổ vay sinh hàng loạt (hộ)", bulk_book),
    ("Hộ vay ghi qua nghiệp vụ", posted_households),
    ("Tiền gửi tiết kiệm", savings_history),
    ("Phiên giao dịch mẫu", session_day),
]
