"""The plan of each demo household: who it is, its loans' terms and how it behaves, drawn from
its own `random.Random` seeded with (seed, household index), without reading the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from borrowers.models import SavingsGroup
from loans import positions as engine

from .organisation import lower_first
from .people import national_id, person, phone, weighted

DEFAULT_BORROWERS = 2000
# Monthly interest is collected on every due date of the last MONTHLY_MONTHS months; before
# that, households settle in yearly lumps. Each posting costs one position computation inside
# record_repayment (~20 ms on SQLite), which is what bounds the default run to a few minutes.
DEFAULT_MONTHLY_MONTHS = 3
LUMP_MONTHS = 12
# The demo's history ends the day before "today" (29 Nov 2026) and never moves with the clock.
HISTORY_END = date(2026, 11, 28)
LAST_DISBURSEMENT_MONTH = date(2026, 9, 1)
SYSTEM_USERNAME = "demo-seed"
M = 1_000_000

# Households by index: every 20th from 3 and from 13 stop paying, every 20th from 7 pays only
# interest after missing an instalment; a few get a reversed mistake, a freeze or a write-off.
STOPPED_RESIDUES = {3, 13}
INTEREST_ONLY_RESIDUE = 7
MISTAKE_RESIDUE = 11  # of 100
FREEZE_AT = {13, 1013}
WRITE_OFF_AT = {23}
EXTEND_AT = {17}  # an instalment due after the history ends is moved 6 months on (gia hạn)
FLOOD_DAY = date(2026, 9, 15)
# Households that fall behind mostly did so in the last two years.
TROUBLE_FROM = date(2025, 1, 1)


@dataclass(frozen=True)
class Terms:
    """How a programme is drawn for the demo: amounts in millions, terms, grace, earliest month."""

    amounts: tuple[int, ...]
    terms: tuple[int, ...]
    grace: int = 0
    purposes: tuple[str, ...] = ()
    earliest: date = date(2021, 1, 1)


TERMS = {
    "HN": Terms((20, 30, 40, 50, 50, 60, 70, 80, 100), (36, 48, 60, 60, 60, 84, 120)),
    "HCN": Terms((20, 30, 40, 50, 50, 60, 70, 80, 100), (36, 48, 60, 60, 84)),
    "HMTN": Terms((20, 30, 40, 50, 60, 80, 100), (36, 48, 60, 60)),
    "GQVL": Terms((30, 40, 50, 60, 80, 100), (36, 48, 60, 60), purposes=("general",)),
    "SXKD": Terms((30, 40, 50, 60, 80, 100), (36, 48, 60), earliest=date(2023, 9, 1)),
    "NSVSMT": Terms(
        (10, 12, 15, 20, 25),
        (24, 36, 48, 60, 60),
        purposes=("water", "sanitation"),
        earliest=date(2024, 10, 1),
    ),
    "ND28-NHA": Terms((30, 35, 40, 40), (180,), grace=60, earliest=date(2022, 6, 1)),
    "ND28-DAT": Terms((30, 40, 50), (180,), grace=60, earliest=date(2022, 6, 1)),
    "ND28-SX": Terms(
        (40, 50, 60, 77),
        (60, 84, 120),
        purposes=("land", "job_change"),
        earliest=date(2022, 6, 1),
    ),
}
# Programme mix by household category (weights); Decree 28 lines only for poor minorities.
PROGRAMME_MIX = {
    "poor_minority": {"HN": 45, "ND28-NHA": 12, "ND28-DAT": 6, "ND28-SX": 8, "NSVSMT": 12,
                      "GQVL": 7, "SXKD": 10},
    "poor": {"HN": 60, "NSVSMT": 15, "GQVL": 10, "SXKD": 15},
    "near_poor": {"HCN": 60, "NSVSMT": 15, "GQVL": 10, "SXKD": 15},
    "newly_escaped": {"HMTN": 60, "NSVSMT": 15, "GQVL": 10, "SXKD": 15},
    "other": {"SXKD": 50, "GQVL": 30, "NSVSMT": 20},
}  # fmt: skip
CATEGORY_WEIGHTS = {"poor": 50, "near_poor": 25, "newly_escaped": 18, "other": 7}
# Disbursement years: a live portfolio is mostly recent, older loans have largely been repaid.
YEAR_WEIGHTS = {2021: 3, 2022: 6, 2023: 10, 2024: 20, 2025: 31, 2026: 30}


@dataclass(frozen=True)
class LoanPlan:
    contract_number: str
    programme: str
    purpose: str | None
    term_months: int
    grace_months: int
    frequency: int
    approved_on: date
    tranches: tuple[tuple[date, int], ...]  # (value date, amount), first one first
    approved_list: tuple[str, date] | None = None

    @property
    def amount(self) -> int:
        return sum(amount for _on, amount in self.tranches)


@dataclass
class Household:
    index: int
    national_id: str
    full_name: str
    gender: str
    ethnicity: str
    date_of_birth: date
    category: str
    list_ref: str
    list_year: int | None
    group: SavingsGroup
    phone: str
    behaviour: str  # on_time, stopped, interest_only
    pays_monthly: bool  # else interest is brought to the sessions with principal, or at the last
    seed: int
    loans: list[LoanPlan] = field(default_factory=list)


def behaviour_of(index: int) -> str:
    if index % 20 in STOPPED_RESIDUES or index in FREEZE_AT | WRITE_OFF_AT:
        return "stopped"
    return "interest_only" if index % 20 == INTEREST_ONLY_RESIDUE else "on_time"


def plan_household(index: int, *, seed: int, groups: list[SavingsGroup]) -> Household:
    """Everything about household `index`, drawn from its own generator (no database reads)."""
    rng = random.Random(f"{seed}:household:{index}")
    group = groups[rng.randrange(len(groups))]
    full_name, gender, ethnicity = person(rng)
    born = date(HISTORY_END.year - rng.randint(20, 70), rng.randint(1, 12), rng.randint(1, 28))
    category = weighted(rng, CATEGORY_WEIGHTS)
    listed = category != "other"
    household = Household(
        index=index,
        national_id=national_id(index, born=born, gender=gender),
        full_name=full_name,
        gender=gender,
        ethnicity=ethnicity,
        date_of_birth=born,
        category=category,
        list_ref=f"QĐ {rng.randint(100, 3999)}/QĐ-UBND" if listed else "",
        list_year=rng.choice((2023, 2024, 2025)) if listed else None,
        group=group,
        phone=phone(rng) if rng.random() < 0.7 else "",
        behaviour=behaviour_of(index),
        pays_monthly=rng.random() < 0.75,
        seed=seed,
    )
    household.loans = _plan_loans(rng, household)
    return household


def _plan_loans(rng: random.Random, household: Household) -> list[LoanPlan]:
    mix_key = household.category
    if household.category == "poor" and household.ethnicity != "Kinh":
        mix_key = "poor_minority"
    mix = dict(PROGRAMME_MIX[mix_key])
    if household.behaviour != "on_time":  # their arrears must show: no 5-year grace
        mix = {code: w for code, w in mix.items() if not TERMS[code].grace}
    count = min(len(mix), rng.choices((1, 2, 3), weights=(78, 19, 3))[0])
    plans = []
    for number in range(1, count + 1):
        code = weighted(rng, mix)
        del mix[code]
        plans.append(_plan_loan(rng, household, code, number))
    return plans


def _plan_loan(rng: random.Random, household: Household, code: str, number: int) -> LoanPlan:
    terms = TERMS[code]
    point = household.group.transaction_point
    latest = LAST_DISBURSEMENT_MONTH if household.behaviour == "on_time" else date(2025, 3, 1)
    first_on = _session_in(rng, max(terms.earliest, date(2021, 1, 1)), latest, point.session_day)
    term = rng.choice(terms.terms)
    frequency = rng.choices((6, 12), weights=(50, 50))[0]
    if term <= 36 and first_on >= date(2025, 10, 1):
        frequency = rng.choice((1, 3, frequency))  # short, recent loans: monthly or quarterly
    amount = rng.choice(terms.amounts) * M
    tranches: tuple[tuple[date, int], ...] = ((first_on, amount),)
    if terms.grace and rng.random() < 0.3:  # housing built in two stages
        second_on = engine.add_months(first_on, rng.choice((2, 3)), point.session_day)
        if second_on <= HISTORY_END:
            first = amount * 6 // 10 // M * M
            tranches = ((first_on, first), (second_on, amount - first))
    approved_on = first_on - timedelta(days=rng.randint(7, 30))
    approved_list = None
    if code.startswith("ND28"):
        list_date = approved_on - timedelta(days=rng.randint(20, 120))
        district = lower_first(point.office.former_district)
        ref = f"QĐ {rng.randint(100, 3999)}/QĐ-UBND ngày {list_date:%d/%m/%Y} của UBND {district}"
        approved_list = (ref, list_date)
    return LoanPlan(
        contract_number=f"{point.code}-{household.index + 1:05d}-{number}",
        programme=code,
        purpose=rng.choice(terms.purposes) if terms.purposes else None,
        term_months=term,
        grace_months=terms.grace,
        frequency=frequency,
        approved_on=approved_on,
        tranches=tranches,
        approved_list=approved_list,
    )


def _session_in(rng: random.Random, earliest: date, latest: date, session_day: int) -> date:
    """A session day in a month between `earliest` and `latest`, recent years more likely."""
    months = []
    month = earliest.replace(day=1)
    while month <= latest:
        months.append(month)
        month = engine.add_months(month, 1, 1)
    weights = [YEAR_WEIGHTS[m.year] for m in months]
    chosen = rng.choices(months, weights=weights)[0]
    return engine.add_months(chosen, 0, session_day)


def schedule_of(plan: LoanPlan, due_day: int) -> list[tuple[date, int]]:
    """The principal schedule the services will write, by the same engine functions."""
    (first_on, first_amount), *later = plan.tranches
    rows = engine.build_schedule(
        principal=first_amount,
        first_disbursed_on=first_on,
        term_months=plan.term_months,
        grace_months=plan.grace_months,
        frequency_months=plan.frequency,
        due_day=due_day,
    )
    for on, amount in later:
        rows = engine.spread_tranche(schedule=rows, amount=amount, on=on)
    return rows


def payment_days(
    plan: LoanPlan,
    due_days: list[date],
    schedule: list[tuple[date, int]],
    *,
    monthly_from: date,
    monthly: bool,
) -> list[date]:
    """Due dates the household pays on: a lump every year (every instalment for monthly or
    quarterly principal), the first no later than the first instalment; from `monthly_from`
    every due date, or for households that pay less often each instalment and the last one."""
    every = plan.frequency if plan.frequency < 6 else LUMP_MONTHS
    first = min(every, plan.grace_months + plan.frequency)
    instalments = {due for due, _amount in schedule}
    last = due_days[-1] if due_days else None

    def pays(k: int, day: date) -> bool:
        if day >= monthly_from:
            return monthly or day in instalments or day == last
        return k >= first and (k - first) % every == 0

    return [day for k, day in enumerate(due_days, 1) if pays(k, day)]
