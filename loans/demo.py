"""Lạng Sơn demo data (`seed_demo`): the real organisation, and synthetic households whose loans
are posted through `loans.services`, so schedules, journal and cached balances always agree.

Everything is deterministic: each transaction point and each household draws from its own
`random.Random` seeded with (seed, natural key), so a rerun rebuilds the same plan, finds the
existing rows by their codes or national IDs and creates nothing; `--borrowers 30` is the first
30 households of the default 2,000.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.text import slugify

from borrowers.models import (
    AdministrativeUnit,
    Association,
    Borrower,
    Branch,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from borrowers.reference_data import (
    ASSOCIATIONS,
    BRANCH,
    ETHNIC_MIX_LANG_SON,
    GIVEN_NAMES_FEMALE,
    GIVEN_NAMES_MALE,
    MIDDLE_NAMES_FEMALE,
    MIDDLE_NAMES_MALE,
    OFFICES,
    SURNAMES,
    VILLAGE_NAMES,
)
from core.money import round_half_up_div
from programmes.models import LoanPurpose, Programme

from . import positions as engine
from . import services
from .models import Loan
from .selectors import position_of

DEFAULT_SEED = 2026
DEFAULT_BORROWERS = 2000
# Monthly interest is collected on every due date of the last MONTHLY_MONTHS months; before
# that, households settle in yearly lumps. Each posting costs one position computation inside
# record_repayment (~20 ms on SQLite), which is what bounds the default run to a few minutes.
DEFAULT_MONTHLY_MONTHS = 3
LUMP_MONTHS = 12
# The demo's history ends the day before "today" (29 Nov 2026) and never moves with the clock.
HISTORY_END = date(2026, 11, 28)
LAST_DISBURSEMENT_MONTH = date(2026, 9, 1)
UNITS_FROM = date(2000, 1, 1)
MERGER_DAY = date(2025, 7, 1)  # Resolution 1672/NQ-UBTVQH15: districts abolished, communes merged
PROVINCE = "Tỉnh Lạng Sơn"
SYSTEM_USERNAME = "demo-seed"
M = 1_000_000

# Households by index: every 20th from 3 and from 13 stop paying, every 20th from 7 pays only
# interest after missing an instalment; a few get a reversed mistake, a freeze or a write-off.
STOPPED_RESIDUES = {3, 13}
INTEREST_ONLY_RESIDUE = 7
MISTAKE_RESIDUE = 11  # of 100
FREEZE_AT = {13, 1013}
WRITE_OFF_AT = {23}
FLOOD_DAY = date(2026, 9, 15)
TROUBLE_FROM = date(2025, 1, 1)  # households that fall behind mostly did so in the last two years


# --- organisation ----------------------------------------------------------------------------

_UNIT_KINDS = {
    "Tỉnh": "t",
    "Huyện": "h",
    "Thành phố": "tp",
    "Xã": "x",
    "Phường": "p",
    "Thị trấn": "tt",
}
_UNIT_NAME = re.compile(r"^(Tỉnh|Huyện|Thành phố|Xã|Phường|Thị trấn) (.+)$")
CENTRAL_NAMES = {
    "farmers": "Trung ương Hội Nông dân Việt Nam",
    "women": "Trung ương Hội Liên hiệp Phụ nữ Việt Nam",
    "veterans": "Trung ương Hội Cựu chiến binh Việt Nam",
    "youth": "Trung ương Đoàn Thanh niên Cộng sản Hồ Chí Minh",
}
# Share of the groups each association manages (the Women's and Farmers' Unions hold most).
GROUP_KIND_WEIGHTS = {"women": 36, "farmers": 34, "veterans": 18, "youth": 12}


def ascii_slug(text: str) -> str:
    """'Đồng Đăng' -> 'dong-dang' (slugify alone would drop the đ)."""
    return slugify(text.replace("đ", "d").replace("Đ", "D"))


def unit_code(name: str, prefix: str = "") -> str:
    """A deterministic ASCII code: 'Xã Khánh Long' -> 'x-khanh-long', cut at a hyphen to fit 20."""
    kind, rest = _UNIT_NAME.match(name).groups()
    code = f"{prefix}{_UNIT_KINDS[kind]}-{ascii_slug(rest)}"
    while len(code) > 20:
        code = code.rsplit("-", 1)[0]
    return code


def _lower_first(name: str) -> str:
    """'Xã Khánh Long' -> 'xã Khánh Long', as the name reads after 'Hội Nông dân'."""
    return name[0].lower() + name[1:]


def _sync(model: type[models.Model], lookup: dict, values: dict) -> models.Model:
    """Get or create by natural key; save only the fields that differ, so a rerun writes nothing
    (and history-tracked models get no new history rows)."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if created:
        return obj
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return obj


def _differs(obj: models.Model, name: str, value) -> bool:
    current = getattr(obj, obj._meta.get_field(name).attname)
    return current != (value.pk if isinstance(value, models.Model) else value)


def _unit(name: str, level: str, *, code: str, parent=None, valid_to=None, successor=None):
    # Communes in force today were formed by the merger; everything older is dated 2000.
    valid_from = MERGER_DAY if level == "commune" and valid_to is None else UNITS_FROM
    return _sync(
        AdministrativeUnit,
        {"code": code},
        {
            "name": name,
            "level": level,
            "parent": parent,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "successor": successor,
        },
    )


def _association(kind: str, level: str, name: str, parent, office=None, point=None):
    lookup = {"kind": kind, "level": level, "office": office, "transaction_point": point}
    return _sync(Association, lookup, {"name": name, "parent": parent})


@transaction.atomic
def seed_organisation(*, seed: int = DEFAULT_SEED) -> list[SavingsGroup]:
    """The branch, its offices and points, administrative units before and after 1 July 2025,
    associations at four levels and the savings groups; returns the groups in code order."""
    branch = _sync(Branch, {"code": BRANCH["code"]}, {"name": BRANCH["name"]})
    province = _unit(PROVINCE, "province", code=unit_code(PROVINCE))
    provincial = {}
    for kind, kind_name in ASSOCIATIONS:
        central = _association(kind, "central", CENTRAL_NAMES[kind], None)
        provincial[kind] = _association(
            kind, "province", f"{kind_name} {_lower_first(PROVINCE)}", central
        )
    groups: list[SavingsGroup] = []
    for spec in OFFICES:
        groups += _seed_office(spec, branch, province, provincial, seed=seed)
    return sorted(groups, key=lambda group: group.code)


def _seed_office(spec: dict, branch, province, provincial: dict, *, seed: int) -> list:
    office = _sync(
        TransactionOffice,
        {"code": spec["code"]},
        {"branch": branch, "name": spec["name"], "former_district": spec["former_district"]},
    )
    district_name = spec["former_district"]
    district = _unit(
        district_name,
        "district",
        code=unit_code(district_name),
        parent=province,
        valid_to=MERGER_DAY - timedelta(days=1),
    )
    district_associations = {
        kind: _association(
            kind, "district", f"{name} {_lower_first(district_name)}", provincial[kind], office
        )
        for kind, name in ASSOCIATIONS
    }
    groups = []
    for point_spec in spec["points"]:
        point = _seed_point(point_spec, office, district, province)
        associations = {
            kind: _association(
                kind,
                "commune",
                f"{name} {_lower_first(point_spec['commune'])}",
                district_associations[kind],
                office,
                point,
            )
            for kind, name in ASSOCIATIONS
        }
        groups += _seed_groups(point, associations, seed=seed)
    return groups


def _seed_point(spec: dict, office, district, province) -> TransactionPoint:
    current = _unit(
        spec["current_commune"], "commune", code=unit_code(spec["current_commune"]), parent=province
    )
    former = _unit(
        spec["commune"],
        "commune",
        code=unit_code(spec["commune"], prefix=f"{office.code.lower()}-"),
        parent=district,
        valid_to=MERGER_DAY - timedelta(days=1),
        successor=current,
    )
    point = _sync(
        TransactionPoint,
        {"code": spec["code"]},
        {
            "office": office,
            "name": f"Điểm giao dịch {_lower_first(spec['commune'])}",
            "commune": former,
            "session_day": spec["session_day"],
        },
    )
    point.commune, point.office = former, office  # at hand for the households, no re-reads
    return point


def _seed_groups(point, associations: dict, *, seed: int) -> list[SavingsGroup]:
    """One or two groups per point (about 300 in all), each in its own village."""
    rng = random.Random(f"{seed}:point:{point.code}")
    count = rng.choices((1, 2), weights=(45, 55))[0]
    villages = rng.sample(VILLAGE_NAMES, count)
    groups = []
    for number, village_name in enumerate(villages, start=1):
        kind = _weighted(rng, GROUP_KIND_WEIGHTS)
        village = _village(rng, village_name)
        values = {
            "name": f"Tổ TK&VV {_lower_first(village)}",
            "association": associations[kind],
            "transaction_point": point,
            "village": village,
            "leader": _person(rng)[0],
            "leader_phone": _phone(rng),
        }
        group = _sync(SavingsGroup, {"code": f"{point.code}-T{number:02d}"}, values)
        group.transaction_point = point
        groups.append(group)
    return groups


def _village(rng: random.Random, name: str) -> str:
    if name.startswith("Bản "):
        return name
    return f"{rng.choices(('Thôn', 'Bản', 'Khu'), weights=(70, 25, 5))[0]} {name}"


# --- people ----------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _person(rng: random.Random) -> tuple[str, str, str]:
    """(full name, gender, ethnicity): a surname of the group, most common ones most often."""
    ethnicity = _weighted(rng, dict(ETHNIC_MIX_LANG_SON))
    gender = rng.choices(("female", "male"), weights=(55, 45))[0]
    surnames = SURNAMES.get(ethnicity, SURNAMES["Kinh"])
    surname = rng.choices(surnames, weights=range(len(surnames) + 5, 5, -1))[0]
    if gender == "female":
        middle, given = rng.choice(MIDDLE_NAMES_FEMALE), rng.choice(GIVEN_NAMES_FEMALE)
    else:
        middle, given = rng.choice(MIDDLE_NAMES_MALE), rng.choice(GIVEN_NAMES_MALE)
    return f"{surname} {middle} {given}", gender, ethnicity


def _phone(rng: random.Random) -> str:
    return rng.choice(("09", "08", "03")) + f"{rng.randrange(10**8):08d}"


def national_id(index: int, *, born: date, gender: str) -> str:
    """A CCCD number: province 020 (Lạng Sơn), gender-and-century digit, year of birth, then six
    digits that are a permutation of the household index (7919 is prime to 10^6), so unique."""
    century_digit = (born.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
    serial = (index * 7919 + 271_828) % 1_000_000
    return f"020{century_digit}{born.year % 100:02d}{serial:06d}"


# --- the plan of a household -----------------------------------------------------------------


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
    full_name, gender, ethnicity = _person(rng)
    born = date(HISTORY_END.year - rng.randint(20, 70), rng.randint(1, 12), rng.randint(1, 28))
    category = _weighted(rng, CATEGORY_WEIGHTS)
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
        phone=_phone(rng) if rng.random() < 0.7 else "",
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
        code = _weighted(rng, mix)
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
        district = _lower_first(point.office.former_district)
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


# --- posting a household's history through the services -------------------------------------


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
    """The rare events: a freeze (khoanh nợ) after a disaster, a write-off (xóa nợ)."""
    loan.refresh_from_db()
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
