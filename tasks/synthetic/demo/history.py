"""Posting the demo households' histories through `loans.services`, so schedules, journal and
cached balances always agree; a rerun finds the households by their citizen IDs and skips them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.db import transaction

from borrowers.models import Borrower, SavingsGroup
from core.money import round_half_up_div
from loans import positions as engine
from loans import services
from loans.models import Loan
from loans.selectors import position_of
from programmes.models import LoanPurpose, Programme

from .organisation import DEFAULT_SEED
from .plans import (
    DEFAULT_MONTHLY_MONTHS,
    EXTEND_AT,
    FLOOD_DAY,
    FREEZE_AT,
    HISTORY_END,
    MISTAKE_RESIDUE,
    SYSTEM_USERNAME,
    TROUBLE_FROM,
    WRITE_OFF_AT,
    Household,
    LoanPlan,
    payment_days,
    plan_household,
    schedule_of,
)


class Catalogue:
    """The programmes and loan lines, loaded once."""

    def __init__(self) -> None:
        self.programmes = {p.code: p for p in Programme.objects.all()}
        self.purposes = {
            (p.programme.code, p.code): p for p in LoanPurpose.objects.select_related("programme")
        }


class InterestBook:
    """What a household that pays on time owes on each due date, by DOMAIN.md §4's arithmetic
    (actual/365, rounded half-up once per period), so its payments match the engine exactly.

    Only valid while no principal is overdue: the overdue rate is the engine's business.
    """

    def __init__(self, first_on: date, due_days: list[date], rate_micro: int) -> None:
        self.first_on = first_on
        self.due_days = due_days
        self.rate_micro = rate_micro
        self.changes: list[tuple[date, int]] = []  # principal moves, at the end of the day
        self.settled = 0  # number of periods already paid

    def move(self, on: date, delta: int) -> None:
        self.changes.append((on, delta))

    def interest_through(self, day: date) -> int:
        """The unpaid interest of every period due on or before `day`."""
        total, k = 0, self.settled
        while k < len(self.due_days) and self.due_days[k] <= day:
            start = self.due_days[k - 1] if k else self.first_on
            total += self._period(start, self.due_days[k])
            k += 1
        return total

    def settle_through(self, day: date) -> None:
        while self.settled < len(self.due_days) and self.due_days[self.settled] <= day:
            self.settled += 1

    def _period(self, start: date, end: date) -> int:
        cuts = sorted({start, end, *(on for on, _d in self.changes if start < on < end)})
        numerator = sum((b - a).days * self._principal_at(a) for a, b in pairwise(cuts))
        return round_half_up_div(numerator * self.rate_micro, 365 * engine.RATE_SCALE)

    def _principal_at(self, day: date) -> int:
        return sum(delta for on, delta in self.changes if on <= day)


@dataclass
class LoanRun:
    """One loan's postings, in value-date order."""

    loan: Loan
    plan: LoanPlan
    household: Household
    by: object
    rng: random.Random
    monthly_from: date
    receipts: int = 0
    mistake_made: bool = False

    def post(self) -> None:
        schedule = schedule_of(self.plan, self.loan.due_day)
        first_on = self.plan.tranches[0][0]
        due_days = engine.interest_due_dates(first_on, self.loan.due_day, HISTORY_END)
        days = payment_days(
            self.plan,
            due_days,
            schedule,
            monthly_from=self.monthly_from,
            monthly=self.household.pays_monthly,
        )
        stop, miss = self._stop_and_miss(days, schedule)
        book: InterestBook | None = None
        disbursements = [(on, amount) for on, amount in self.plan.tranches if on <= HISTORY_END]
        paid = 0
        for j, day in enumerate(days[:stop]):
            while disbursements and disbursements[0][0] <= day:
                book = self._disburse(*disbursements.pop(0), book, due_days)
            # Each payment covers the instalments due before the next *planned* payment day, so
            # no principal is overdue in between; a household that stops leaves the rest unpaid.
            until = days[j + 1] if j + 1 < len(days) else day + timedelta(days=1)
            principal = sum(a for due, a in schedule if due < until) - paid if j < miss else 0
            interest = self._interest(book, day, interest_only=j >= miss)
            self._pay(day, principal=principal, interest=interest, book=book)
            paid += principal
            if paid == self.plan.amount:
                break
        for on, amount in disbursements:  # tranches after the last payment day
            book = self._disburse(on, amount, book, due_days)

    def _stop_and_miss(self, days: list[date], schedule) -> tuple[int, int]:
        """Where a stopping household's payments end, and from which payment day an
        interest-only household stops paying principal (indexes into `days`)."""
        if self.household.behaviour == "on_time" or not days:
            return len(days), len(days)
        cutoff = HISTORY_END - timedelta(days=45)
        # Stopping at day j leaves unpaid every instalment due from day j on.
        candidates = [
            j for j, day in enumerate(days) if any(day <= due <= cutoff for due, _a in schedule)
        ]
        # Too young to be overdue on principal: they fall behind on interest only.
        candidates = candidates or list(range(max(0, len(days) - 3), len(days)))
        recent = [j for j in candidates if days[j] >= TROUBLE_FROM]
        j = self.rng.choice(recent or candidates[-2:])
        if self.household.behaviour == "stopped":
            return j, len(days)
        return len(days), j

    def _disburse(self, on: date, amount: int, book, due_days) -> InterestBook:
        receipt = self._receipt()
        services.disburse(self.loan, amount=amount, on=on, by=self.by, receipt_number=receipt)
        if book is None:
            self.loan.refresh_from_db(fields=["contract_rate"])
            book = InterestBook(on, due_days, int(self.loan.contract_rate * 10000))
        book.move(on, amount)
        return book

    def _interest(self, book: InterestBook, day: date, *, interest_only: bool) -> int:
        if interest_only:  # overdue principal earns the overdue rate: ask the engine
            return position_of(self.loan, as_of=day)["interest_arrears"]
        return book.interest_through(day)

    def _pay(self, day: date, *, principal: int, interest: int, book: InterestBook) -> None:
        if not principal and not interest:
            return
        mistaken = self.household.index % 100 == MISTAKE_RESIDUE and day >= self.monthly_from
        if mistaken and interest and not self.mistake_made:
            # The officer typed the interest into the principal column, then reversed it.
            (wrong,) = services.record_repayment(self.loan, principal=interest, on=day, by=self.by)
            services.reverse(wrong, reason="Nhập nhầm tiền lãi vào cột tiền gốc", by=self.by)
            self.mistake_made = True
        services.record_repayment(
            self.loan,
            principal=principal,
            interest=interest,
            on=day,
            by=self.by,
            receipt_number=self._receipt(),
        )
        book.move(day, -principal)
        book.settle_through(day)

    def _receipt(self) -> str:
        self.receipts += 1
        return f"{self.plan.contract_number}/{self.receipts:03d}"


def create_household(household: Household, *, catalogue: Catalogue, by, monthly_from: date):
    """The borrower, its loans and their whole history, in one transaction."""
    group = household.group
    point = group.transaction_point
    with transaction.atomic():
        borrower = Borrower.objects.create(
            full_name=household.full_name,
            national_id=household.national_id,
            date_of_birth=household.date_of_birth,
            gender=household.gender,
            ethnicity=household.ethnicity,
            household_category=household.category,
            category_list_ref=household.list_ref,
            category_list_year=household.list_year,
            village=group.village,
            commune=point.commune,
            savings_group=group,
            transaction_point=point,
            office_id=point.office_id,
            phone=household.phone,
        )
        rng = random.Random(f"{household.seed}:history:{household.index}")
        for number, plan in enumerate(household.loans):
            loan = _approve(borrower, plan, catalogue=catalogue, by=by)
            LoanRun(loan, plan, household, by, rng, monthly_from).post()
            if number == 0:
                _exceptional(loan, household, by=by)


def _approve(borrower: Borrower, plan: LoanPlan, *, catalogue: Catalogue, by) -> Loan:
    programme = catalogue.programmes[plan.programme]
    list_ref, list_date = plan.approved_list or ("", None)
    return services.create_loan(
        borrower=borrower,
        programme=programme,
        amount=plan.amount,
        term_months=plan.term_months,
        approved_on=plan.approved_on,
        by=by,
        grace_months=plan.grace_months,
        principal_frequency_months=plan.frequency,
        purpose=catalogue.purposes.get((plan.programme, plan.purpose)),
        approved_list_ref=list_ref,
        approved_list_date=list_date,
        contract_number=plan.contract_number,
    )


def _exceptional(loan: Loan, household: Household, *, by) -> None:
    """The rare events: a freeze (khoanh nợ) after a disaster, a write-off (xóa nợ), an
    extension (gia hạn nợ)."""
    loan.refresh_from_db()
    if household.index in EXTEND_AT:
        _extend_next_instalment(loan, by=by)
        return
    last_move = loan.transactions.order_by("-value_date").values_list("value_date", flat=True)
    on = min(last_move[0] + timedelta(days=75), HISTORY_END)
    if household.index in FREEZE_AT:
        start = min(max(on, FLOOD_DAY), HISTORY_END)  # frozen after the floods, still in force
        services.freeze(
            loan,
            start=start,
            end=engine.add_months(start, 24, start.day) - timedelta(days=1),
            decision_ref=f"QĐ {100 + household.index}/QĐ-NHCS ngày {start:%d/%m/%Y} (lũ quét)",
            by=by,
        )
    elif household.index in WRITE_OFF_AT:
        services.write_off(
            loan,
            on=on,
            by=by,
            reason="Hộ vay bị thiệt hại do lũ quét, mất khả năng trả nợ "
            "(Quyết định 50/2010/QĐ-TTg, sửa đổi bởi Quyết định 08/2021/QĐ-TTg)",
        )


def _extend_next_instalment(loan: Loan, *, by) -> None:
    """The household asked, before its next instalment, to pay it six months later."""
    version = loan.schedule_versions.order_by("-number").first()
    dues = version.instalments.values_list("due_date", flat=True) if version else []
    upcoming = sorted(due for due in dues if due > HISTORY_END)
    if not upcoming:
        return
    services.extend_due_date(
        loan,
        due_date=upcoming[0],
        new_due_date=engine.add_months(upcoming[0], 6, upcoming[0].day),
        on=HISTORY_END - timedelta(days=7),
        by=by,
        reason="Hộ vay bị thiệt hại do mưa lũ, xin gia hạn kỳ trả gốc (Quyết định 50/2010/QĐ-TTg)",
    )


def system_user():
    """The account the demo postings are recorded against; it cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "Dữ liệu mẫu", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def seed_households(
    count: int,
    *,
    groups: list[SavingsGroup],
    seed: int = DEFAULT_SEED,
    monthly_months: int = DEFAULT_MONTHLY_MONTHS,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Create the first `count` demo households that do not exist yet; returns how many."""
    if not count:
        return 0
    plans = [plan_household(index, seed=seed, groups=groups) for index in range(count)]
    existing = set(
        Borrower.objects.filter(national_id__in=[p.national_id for p in plans]).values_list(
            "national_id", flat=True
        )
    )
    todo = [plan for plan in plans if plan.national_id not in existing]
    catalogue, by = Catalogue(), system_user()
    monthly_from = engine.add_months(HISTORY_END, 1 - monthly_months, 1)
    for done, household in enumerate(todo, start=1):
        create_household(household, catalogue=catalogue, by=by, monthly_from=monthly_from)
        if progress:
            progress(done, len(todo))
    return len(todo)
