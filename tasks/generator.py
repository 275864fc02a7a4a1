"""A synthetic portfolio for load tests and the benchmark (`manage.py generate_portfolio`).

Test data, written straight into the tables (the services would take hours for a million loans),
but internally consistent: cached balances equal the journal, schedules follow
`loans.positions.build_schedule` to the đồng, the contract rate is the programme's rate in force
on the first disbursement, reversals point at their original, no loan repays more principal than
it owes, and the historical transfers to overdue are journaled as the nightly job would have.

Everything is drawn with numpy, a block of loans at a time (memory stays flat), from a generator
seeded by (seed, block), and written with PostgreSQL binary COPY (explicit ids from ranges
allocated up front, sequences moved past them at the end), or `executemany` on SQLite.
Proportions follow DOMAIN.md §1: ~1.6 loans per household, ~37 households per savings group,
~17 groups per transaction point, ~18 points per office; the Lạng Sơn organisation of
`seed_demo` is used first and synthetic points and offices (codes ``SIM…``) are added beyond it.
"""

from __future__ import annotations

import logging
import math
import struct
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from borrowers import reference_data as ref
from borrowers.models import (
    AdministrativeUnit,
    Association,
    Borrower,
    Branch,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from loans import positions as engine
from loans.models import Instalment, Loan, LoanFreeze, LoanTransaction, ScheduleVersion
from programmes.models import InterestRate, LoanPurpose, Programme

log = logging.getLogger(__name__)

DEFAULT_SEED = 2026
BATCH_LOANS = 50_000
M = 1_000_000
LOANS_PER_HOUSEHOLD = {1: 0.55, 2: 0.33, 3: 0.10, 4: 0.02}  # mean 1.59
MEMBERS_PER_GROUP = 37
GROUPS_PER_POINT = 17
POINTS_PER_OFFICE = 18
HISTORY_YEARS = 10
RECENCY_MONTHS = 30  # disbursement ages ~ exponential: a live book is mostly recent
SIM = "SIM"  # code prefix of everything synthetic

# Behaviour shares (of disbursed loans) and per-session events.
NOT_DISBURSED = 0.005  # approved, waiting for the next session
STOPPED = 0.025  # stop paying altogether at some point
INTEREST_ONLY = 0.01  # keep paying interest, stop paying principal
FROZEN_OF_STOPPED = 0.12  # khoanh nợ after a disaster
WRITTEN_OFF_OF_STOPPED = 0.05
PREPAY = 0.05  # pay principal early (40% of them settle in full)
TWO_TRANCHES = 0.03  # 30% for loans with a grace period (houses built in two stages)
EXTENDED = 0.015  # gia hạn nợ of one instalment
DUPLICATE_REVERSED = 0.005  # a receipt keyed twice, the second reversed the same day
LATE, MISSED, CAUGHT_UP = 0.06, 0.02, 0.7  # per session; a missed one paid next time or never


@dataclass(frozen=True)
class Terms:
    """How a programme's loans are drawn: amounts in millions, terms and grace in months."""

    amounts: tuple[int, ...]
    terms: tuple[int, ...]
    grace: tuple[int, ...] = (0, 0, 0, 0, 0, 0, 6, 12)


TERMS = {
    "HN": Terms((20, 30, 40, 50, 50, 60, 70, 80, 100), (36, 48, 60, 60, 84, 120)),
    "HCN": Terms((20, 30, 40, 50, 50, 60, 80, 100), (36, 48, 60, 60, 84)),
    "HMTN": Terms((20, 30, 40, 50, 60, 80, 100), (36, 48, 60, 60)),
    "HSSV": Terms((16, 24, 32, 40, 48, 60, 80), (72, 96, 120), grace=(36, 48, 60)),
    "GQVL": Terms((30, 40, 50, 60, 80, 100), (36, 48, 60, 60, 84)),
    "NSVSMT": Terms((10, 12, 15, 20, 25), (24, 36, 48, 60, 60)),
    "SXKD": Terms((30, 40, 50, 60, 80, 100), (36, 48, 60, 84)),
    "NOXH": Terms((300, 400, 500, 600, 800, 1000), (180, 240, 300), grace=(0, 6, 12)),
    "ND28-DAT": Terms((30, 40, 50), (180,), grace=(60,)),
    "ND28-NHA": Terms((30, 35, 40, 40), (180,), grace=(60,)),
    "ND28-SX": Terms((40, 50, 60, 77), (60, 84, 120)),
    "ND28-CGT": Terms((50, 60, 80, 100), (60, 84, 120)),
}
# Programme mix (weights) by household category; Decree 28 lines for poor minority households.
PROGRAMME_MIX = {
    "poor_minority": {"HN": 40, "ND28-NHA": 8, "ND28-DAT": 4, "ND28-SX": 6, "ND28-CGT": 2,
                      "NSVSMT": 12, "GQVL": 8, "SXKD": 10, "HSSV": 8},
    "poor": {"HN": 55, "NSVSMT": 14, "GQVL": 10, "SXKD": 12, "HSSV": 9},
    "near_poor": {"HCN": 55, "NSVSMT": 14, "GQVL": 10, "SXKD": 12, "HSSV": 9},
    "newly_escaped": {"HMTN": 55, "NSVSMT": 14, "GQVL": 10, "SXKD": 12, "HSSV": 9},
    "other": {"SXKD": 40, "GQVL": 25, "NSVSMT": 20, "HSSV": 10, "NOXH": 3, "ND28-CGT": 2},
}  # fmt: skip
MIX_KEYS = list(PROGRAMME_MIX)
CATEGORIES = ("poor", "near_poor", "newly_escaped", "other")
CATEGORY_WEIGHTS = (50, 25, 18, 7)
FREQUENCIES, FREQUENCY_WEIGHTS = (6, 12, 3, 1), (55, 25, 12, 8)
# CCCD province codes for synthetic households: any but Lạng Sơn's 020, which the demo and the
# test factories use, so the 12-digit numbers never collide with theirs.
PROVINCE_CODES = [code for code in range(1, 97) if code != 20]
# Journal kinds, in the order entries of one loan and one day are posted.
KINDS = (
    "disbursement",
    "principal_repayment",
    "interest_payment",
    "write_off",
    "interest_write_off",
    "reversal",
    "overdue_transfer",
)
_DISB, _PRIN, _INT, _WO, _IWO, _REV, _XFER = range(len(KINDS))
STATUSES = ["approved", "active", "frozen", "closed", "written_off"]
REASONS = ["disbursement", "extension"]
_NEVER = 2**40  # a day number beyond any date


# --- dates as day numbers (days since 1970-01-01) --------------------------------------------


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _month_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _on_day(months: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day number of ``day`` (clamped to the month's last day) in each month number."""
    start = np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    after = (np.asarray(months) + 1).astype("datetime64[M]").astype("datetime64[D]")
    return start + np.minimum(day, after.astype(np.int64) - start) - 1


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... count-1 for each group of a repeated array."""
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum())) - np.repeat(starts, counts)


# --- the programmes --------------------------------------------------------------------------


@dataclass
class Catalogue:
    """The active programmes the generator knows how to draw, with their rates and loan lines."""

    codes: list[str]
    ids: np.ndarray
    caps: np.ndarray  # max amount, đồng (0 = none)
    max_term: np.ndarray
    max_grace: np.ndarray
    year_days: np.ndarray
    needs_list: np.ndarray
    allowed: np.ndarray  # (programme, category) -> may borrow
    rates: dict[int, list[tuple[str, int, int]]]  # programme index -> (category, day, micro)
    purposes: dict[int, list[tuple[int, int]]]  # programme index -> (purpose id, cap)

    @classmethod
    def load(cls) -> Catalogue:
        programmes = list(Programme.objects.filter(is_active=True, code__in=TERMS).order_by("code"))
        if not programmes:
            raise RuntimeError("No known programme in the database: run `manage.py migrate`.")
        index = {p.pk: i for i, p in enumerate(programmes)}
        rates: dict[int, list] = {i: [] for i in index.values()}
        for rate in InterestRate.objects.filter(programme__in=programmes).order_by(
            "effective_from"
        ):
            rates[index[rate.programme_id]].append(
                (rate.household_category, _day(rate.effective_from), rate.rate_micro)
            )
        purposes: dict[int, list] = {i: [] for i in index.values()}
        for purpose in LoanPurpose.objects.filter(programme__in=programmes).order_by("id"):
            purposes[index[purpose.programme_id]].append((purpose.pk, purpose.max_amount or 0))
        return cls(
            codes=[p.code for p in programmes],
            ids=np.array([p.pk for p in programmes], dtype=np.int64),
            caps=np.array([p.max_amount or 0 for p in programmes], dtype=np.int64),
            max_term=np.array([p.max_term_months for p in programmes], dtype=np.int64),
            max_grace=np.array([p.max_grace_months for p in programmes], dtype=np.int64),
            year_days=np.array([360 if p.day_count == "month30" else 365 for p in programmes]),
            needs_list=np.array([p.requires_approved_list for p in programmes]),
            allowed=np.array(
                [
                    [not p.borrower_categories or c in p.borrower_categories for c in CATEGORIES]
                    for p in programmes
                ]
            ),
            rates=rates,
            purposes=purposes,
        )

    def first_rate_day(self, p: int) -> int:
        general = [day for category, day, _ in self.rates[p] if not category]
        return min(general or [day for _, day, _ in self.rates[p]] or [_NEVER])

    def mix(self) -> np.ndarray:
        """Cumulative programme probabilities for each mix key (rows of MIX_KEYS)."""
        weights = np.zeros((len(MIX_KEYS), len(self.codes)))
        for row, key in enumerate(MIX_KEYS):
            category = CATEGORIES.index("poor" if key == "poor_minority" else key)
            for code, weight in PROGRAMME_MIX[key].items():
                p = self.codes.index(code) if code in self.codes else -1
                if p >= 0 and self.allowed[p, category] and self.rates[p]:
                    weights[row, p] = weight
        fallback = np.array([bool(self.rates[p]) for p in range(len(self.codes))], dtype=float)
        weights[weights.sum(axis=1) == 0] = fallback  # a key with no known programme left
        return np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)


# --- the organisation ------------------------------------------------------------------------


@dataclass
class Organisation:
    """The savings groups households are drawn into, with their point and office, as arrays."""

    group_ids: np.ndarray
    group_village: list[str]
    point_ids: np.ndarray  # per group
    office_ids: np.ndarray  # per group
    commune_ids: np.ndarray  # per group, -1 = none
    session_day: np.ndarray  # per group


def ensure_organisation(*, households: int, seed: int) -> Organisation:
    """Enough groups for `households` (about 37 members each), reusing existing ones first.

    An empty database gets the Lạng Sơn organisation of `seed_demo`; beyond it, synthetic
    groups fill the points up to ~17 groups each, then synthetic points and offices follow.
    """
    if not TransactionOffice.objects.exists():
        _seed_demo_organisation(seed)
    rng = np.random.default_rng([seed, 7])
    needed = max(1, math.ceil(households / MEMBERS_PER_GROUP))
    groups = list(_groups().order_by("id")[:needed])
    if len(groups) < needed:
        _add_groups(needed - len(groups), rng)
        groups = list(_groups().order_by("id")[:needed])
    points = TransactionPoint.objects.in_bulk({g.transaction_point_id for g in groups})
    return Organisation(
        group_ids=np.array([g.pk for g in groups], dtype=np.int64),
        group_village=[g.village for g in groups],
        point_ids=np.array([g.transaction_point_id for g in groups], dtype=np.int64),
        office_ids=np.array([points[g.transaction_point_id].office_id for g in groups]),
        commune_ids=np.array(
            [points[g.transaction_point_id].commune_id or -1 for g in groups], dtype=np.int64
        ),
        session_day=np.array([points[g.transaction_point_id].session_day for g in groups]),
    )


def _groups():
    return SavingsGroup.objects.filter(is_active=True, association__level="commune")


def _seed_demo_organisation(seed: int) -> None:
    try:
        from loans import demo
    except ImportError:  # the demo module is optional; a minimal branch is enough here
        Branch.objects.get_or_create(code=ref.BRANCH["code"], defaults={"name": ref.BRANCH["name"]})
        return
    demo.seed_organisation(seed=seed)


@transaction.atomic
def _add_groups(count: int, rng: np.random.Generator) -> None:
    """`count` synthetic groups: on the least-filled points first, then on new points."""
    per_point = dict(
        _groups()
        .values("transaction_point_id")
        .annotate(n=models.Count("id"))
        .values_list("transaction_point_id", "n")
    )
    points = list(TransactionPoint.objects.order_by("id"))
    # Round-robin: every point gets its next group before any gets two more, so offices (the
    # nightly job's partitions) stay about the same size.
    free = [
        (level, i, point)
        for i, point in enumerate(points)
        for level in range(per_point.get(point.pk, 0), GROUPS_PER_POINT)
    ]
    slots = [point for _, _, point in sorted(free, key=lambda slot: slot[:2])]
    if len(slots) < count:
        new_points = _add_points(math.ceil((count - len(slots)) / GROUPS_PER_POINT), rng)
        slots += [p for p in new_points for _ in range(GROUPS_PER_POINT)]
    slots = slots[:count]
    associations = _commune_associations({p.pk: p for p in slots})
    kinds = [kind for kind, _ in ref.ASSOCIATIONS]
    start = SavingsGroup.objects.filter(code__startswith=f"{SIM}-G").count()
    villages = rng.integers(len(ref.VILLAGE_NAMES), size=count)
    leaders = _names(rng, count)
    SavingsGroup.objects.bulk_create(
        [
            SavingsGroup(
                code=f"{SIM}-G{start + i + 1:07d}",
                name=f"Tổ TK&VV thôn {ref.VILLAGE_NAMES[villages[i]]}",
                association_id=associations[(point.pk, kinds[int(rng.integers(len(kinds)))])],
                transaction_point=point,
                village=f"Thôn {ref.VILLAGE_NAMES[villages[i]]}",
                leader=leaders[i],
            )
            for i, point in enumerate(slots)
        ],
        batch_size=5000,
    )


def _add_points(count: int, rng: np.random.Generator) -> list[TransactionPoint]:
    """New synthetic points (with a commune), on offices with fewer than ~18 points, or new ones."""
    per_office = dict(
        TransactionPoint.objects.values("office_id")
        .annotate(n=models.Count("id"))
        .values_list("office_id", "n")
    )
    offices = list(TransactionOffice.objects.order_by("id"))
    free = [
        (level, i, office)
        for i, office in enumerate(offices)
        for level in range(per_office.get(office.pk, 0), POINTS_PER_OFFICE)
    ]
    slots = [office for _, _, office in sorted(free, key=lambda slot: slot[:2])]
    if len(slots) < count:
        branch = Branch.objects.order_by("id").first() or Branch.objects.create(**ref.BRANCH)
        start = TransactionOffice.objects.filter(code__startswith=SIM).count()
        offices = TransactionOffice.objects.bulk_create(
            TransactionOffice(
                branch=branch,
                code=f"{SIM}{start + i + 1:04d}",
                name=f"Phòng giao dịch mô phỏng số {start + i + 1}",
                former_district=f"Huyện mô phỏng {start + i + 1}",
            )
            for i in range(math.ceil((count - len(slots)) / POINTS_PER_OFFICE))
        )
        slots += [o for o in offices for _ in range(POINTS_PER_OFFICE)]
    slots = slots[:count]
    start = TransactionPoint.objects.filter(code__startswith=SIM).count()
    communes = AdministrativeUnit.objects.bulk_create(
        AdministrativeUnit(
            code=f"{SIM}-X{start + i + 1:06d}",
            name=f"Xã mô phỏng {start + i + 1}",
            level="commune",
            valid_from=date(2000, 1, 1),
        )
        for i in range(count)
    )
    days = rng.integers(1, 29, size=count)
    return TransactionPoint.objects.bulk_create(
        TransactionPoint(
            office=office,
            code=f"{SIM}-P{start + i + 1:06d}",
            name=f"Điểm giao dịch xã mô phỏng {start + i + 1}",
            commune=communes[i],
            session_day=int(days[i]),
        )
        for i, office in enumerate(slots)
    )


def _commune_associations(points: dict[int, TransactionPoint]) -> dict[tuple[int, str], int]:
    """(point id, kind) -> id of the commune association managing groups there (made if none)."""
    existing = {
        (point_id, kind): pk
        for pk, point_id, kind in Association.objects.filter(
            level="commune", transaction_point_id__in=points
        ).values_list("id", "transaction_point_id", "kind")
    }
    district = {
        (office_id, kind): pk
        for pk, office_id, kind in Association.objects.filter(level="district").values_list(
            "id", "office_id", "kind"
        )
    }
    missing = [
        Association(
            kind=kind,
            level="commune",
            name=f"{name} {points[point_id].name.replace('Điểm giao dịch ', '')}",
            parent_id=district.get((points[point_id].office_id, kind)),
            office_id=points[point_id].office_id,
            transaction_point_id=point_id,
        )
        for point_id in points
        for kind, name in ref.ASSOCIATIONS
        if (point_id, kind) not in existing
    ]
    for association in Association.objects.bulk_create(missing, batch_size=5000):
        existing[(association.transaction_point_id, association.kind)] = association.pk
    return existing


def _names(rng: np.random.Generator, n: int, female: np.ndarray | None = None) -> list[str]:
    """Vietnamese full names: a Kinh/Tày/Nùng surname, a middle name and a given name."""
    female = rng.random(n) < 0.55 if female is None else female
    surnames = sorted({s for names in ref.SURNAMES.values() for s in names})
    s = rng.integers(len(surnames), size=n)
    mf, mm = (
        rng.integers(len(ref.MIDDLE_NAMES_FEMALE), size=n),
        rng.integers(len(ref.MIDDLE_NAMES_MALE), size=n),
    )
    gf, gm = (
        rng.integers(len(ref.GIVEN_NAMES_FEMALE), size=n),
        rng.integers(len(ref.GIVEN_NAMES_MALE), size=n),
    )
    return [
        f"{surnames[s[i]]} {ref.MIDDLE_NAMES_FEMALE[mf[i]]} {ref.GIVEN_NAMES_FEMALE[gf[i]]}"
        if female[i]
        else f"{surnames[s[i]]} {ref.MIDDLE_NAMES_MALE[mm[i]]} {ref.GIVEN_NAMES_MALE[gm[i]]}"
        for i in range(n)
    ]


# --- one block of households and loans -------------------------------------------------------


@dataclass
class Ids:
    """Next free id of each table (ranges allocated up front, one block after another)."""

    next: dict[str, int] = field(default_factory=dict)

    @classmethod
    def allocate(cls, tables: list[type[models.Model]]) -> Ids:
        with connection.cursor() as cursor:
            result = {}
            for model in tables:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
                result[model._meta.db_table] = cursor.fetchone()[0] + 1
        return cls(result)

    def take(self, model: type[models.Model], count: int) -> np.ndarray:
        table = model._meta.db_table
        first = self.next[table]
        self.next[table] = first + count
        return np.arange(first, first + count, dtype=np.int64)


@dataclass
class Context:
    catalogue: Catalogue
    org: Organisation
    until: int  # the last day of history (day number)
    ids: Ids
    now: object  # created_at of every row


class Block:
    """Draws one block of households and loans with their whole history, as column arrays."""

    def __init__(self, ctx: Context, rng: np.random.Generator, n: int) -> None:
        self.ctx, self.rng, self.n = ctx, rng, n
        self.tables: dict[type[models.Model], tuple[int, dict]] = {}
        self._households()
        self._loans()
        self._schedules()
        self._behaviour()
        self._principal_payments()
        self._interest_payments()
        self._exceptions()
        self._journal()
        self._loan_rows()

    # households ---------------------------------------------------------------------------
    def _households(self) -> None:
        rng, ctx, n = self.rng, self.ctx, self.n
        per = np.array(list(LOANS_PER_HOUSEHOLD.values()))
        counts = rng.choice(np.array(list(LOANS_PER_HOUSEHOLD)), size=n, p=per / per.sum())
        h = int(np.searchsorted(np.cumsum(counts), n)) + 1
        counts = counts[:h]
        counts[-1] -= int(counts.sum()) - n
        self.household = np.repeat(np.arange(h), counts)  # per loan
        group = rng.integers(len(ctx.org.group_ids), size=h)
        category = rng.choice(len(CATEGORIES), size=h, p=np.array(CATEGORY_WEIGHTS) / 100)
        ethnic_names = [name for name, _ in ref.ETHNIC_MIX_LANG_SON]
        weights = np.array([w for _, w in ref.ETHNIC_MIX_LANG_SON])
        ethnicity = rng.choice(len(ethnic_names), size=h, p=weights / weights.sum())
        female = rng.random(h) < 0.55
        born = ctx.until - rng.integers(20 * 365, 70 * 365, size=h)
        ids = ctx.ids.take(Borrower, h)
        province = np.array(PROVINCE_CODES)[(ids // 1_000_000) % len(PROVINCE_CODES)]
        born_year = born.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        century_sex = (born_year // 100 - 19) * 2 + female
        listed = category < 3
        self.hh_group, self.hh_category, self.hh_ethnicity = group, category, ethnicity
        org = ctx.org
        self.tables[Borrower] = (
            h,
            {
                "id": ids,
                "full_name": _names(rng, h, female),
                "national_id": [
                    f"{p:03d}{c}{y % 100:02d}{i % 1_000_000:06d}"
                    for p, c, y, i in zip(
                        province.tolist(),
                        century_sex.tolist(),
                        born_year.tolist(),
                        ids.tolist(),
                        strict=True,
                    )
                ],
                "date_of_birth": ("date", born),
                "gender": Choice(female.astype(np.int64), ["male", "female"]),
                "ethnicity": Choice(ethnicity, ethnic_names),
                "household_category": Choice(category, list(CATEGORIES)),
                "category_list_ref": Choice(listed.astype(np.int64), ["", "QĐ 1234/QĐ-UBND"]),
                "category_list_year": np.ma.masked_array(
                    rng.choice([2023, 2024, 2025], size=h), mask=~listed
                ),
                "village": Choice(group, org.group_village),
                "commune_id": np.ma.masked_array(
                    org.commune_ids[group], mask=org.commune_ids[group] < 0
                ),
                "savings_group_id": org.group_ids[group],
                "transaction_point_id": org.point_ids[group],
                "office_id": org.office_ids[group],
                "phone": "",
                "created_at": ctx.now,
            },
        )
        self.borrower_ids = ids

    # loans and their terms ----------------------------------------------------------------
    def _loans(self) -> None:
        rng, ctx, n, cat = self.rng, self.ctx, self.n, self.ctx.catalogue
        hh = self.household
        category = self.hh_category[hh]
        kinh = [name for name, _ in ref.ETHNIC_MIX_LANG_SON].index("Kinh")
        minority = self.hh_ethnicity[hh] != kinh
        key = np.where(category == 0, np.where(minority, 0, 1), category + 1)
        programme = (rng.random(n)[:, None] > cat.mix()[key]).sum(axis=1)
        programme = np.minimum(programme, len(cat.codes) - 1)
        amount = np.zeros(n, dtype=np.int64)
        term = np.zeros(n, dtype=np.int64)
        grace = np.zeros(n, dtype=np.int64)
        purpose = np.full(n, -1, dtype=np.int64)
        earliest = np.zeros(n, dtype=np.int64)
        for p, code in enumerate(cat.codes):
            mask = programme == p
            k = int(mask.sum())
            if not k:
                continue
            terms = TERMS[code]
            amount[mask] = rng.choice(terms.amounts, size=k) * M
            term[mask] = np.minimum(rng.choice(terms.terms, size=k), cat.max_term[p])
            grace[mask] = np.minimum(rng.choice(terms.grace, size=k), cat.max_grace[p])
            if cat.caps[p]:
                amount[mask] = np.minimum(amount[mask], cat.caps[p])
            if cat.purposes[p]:
                choice = rng.integers(len(cat.purposes[p]), size=k)
                ids = np.array([pid for pid, _ in cat.purposes[p]])
                caps = np.array([c or amount.max() for _, c in cat.purposes[p]])
                purpose[mask] = ids[choice]
                amount[mask] = np.minimum(amount[mask], caps[choice])
            earliest[mask] = cat.first_rate_day(p)
        grace = np.minimum(grace, term - 1)
        frequency = rng.choice(FREQUENCIES, size=n, p=np.array(FREQUENCY_WEIGHTS) / 100)
        org, g = ctx.org, self.hh_group[hh]
        due_day = org.session_day[g]
        # First disbursement: a session day, ages exponential, within 10 years and the rates.
        first = np.maximum(earliest, ctx.until - HISTORY_YEARS * 3652 // 10)
        span = np.maximum(_month_of(ctx.until) - _month_of(first), 0)
        u = rng.random(n)
        age = -RECENCY_MONTHS * np.log1p(-u * (1 - np.exp(-(span + 1) / RECENCY_MONTHS)))
        month = _month_of(ctx.until) - np.minimum(age.astype(np.int64), span)
        day = _on_day(month, due_day)
        month = np.where(day > ctx.until, month - 1, month)
        month = np.where(_on_day(month, due_day) < first, month + 1, month)
        disbursed_on = _on_day(month, due_day)
        waiting = (rng.random(n) < NOT_DISBURSED) | (disbursed_on > ctx.until)
        approved_on = np.where(
            waiting, ctx.until - rng.integers(0, 45, size=n), disbursed_on - rng.integers(7, 31, n)
        )
        self.programme, self.amount, self.term, self.grace = programme, amount, term, grace
        self.frequency, self.due_day, self.purpose = frequency, due_day, purpose
        self.first_day = np.where(waiting, _NEVER, disbursed_on)
        self.first_month = _month_of(np.where(waiting, ctx.until, disbursed_on))
        self.disbursed = ~waiting
        self.approved_on = approved_on
        self.category = category
        self.ids = ctx.ids.take(Loan, n)
        self.rate = self._contract_rates()

    def _contract_rates(self) -> np.ndarray:
        """rate_micro of the programme's rate in force on the first disbursement: a rate for
        the household's category wins over the general one (Programme.rate_on)."""
        rate = np.zeros(self.n, dtype=np.int64)
        for p, rows in self.ctx.catalogue.rates.items():
            mask = self.programme == p
            for category, day, micro in [r for r in rows if not r[0]] + [r for r in rows if r[0]]:
                applies = mask & (self.first_day >= day)
                if category:
                    applies &= self.category == CATEGORIES.index(category)
                rate[applies] = micro
        return rate

    # schedules ----------------------------------------------------------------------------
    def _schedules(self) -> None:
        """Versions and instalments exactly as loans.positions.build_schedule/spread_tranche
        and services.extend_due_date write them (checked against them in the tests)."""
        rng, ctx, n = self.rng, self.ctx, self.n
        live = np.flatnonzero(self.disbursed)
        term, grace, freq = self.term[live], self.grace[live], self.frequency[live]
        count = np.where(term - grace - freq > 0, -(-(term - grace - freq) // freq), 0) + 1
        loan = np.repeat(live, count)
        j = _within(count)
        last = j == np.repeat(count, count) - 1
        offset = np.where(
            last,
            np.repeat(term, count),
            np.repeat(grace + freq, count) + j * np.repeat(freq, count),
        )
        due = _on_day(self.first_month[loan] + offset, self.due_day[loan])
        # Two tranches: the second 2-3 sessions later, before any instalment falls due.
        first_offset = offset[np.cumsum(count) - count]
        share = np.where(grace > 0, 0.3, TWO_TRANCHES)
        second = (
            (rng.random(len(live)) < share) & (first_offset >= 4) & (self.amount[live] >= 2 * M)
        )
        lag = rng.integers(2, 4, size=len(live))
        second_on = _on_day(self.first_month[live] + lag, self.due_day[live])
        first_amount = np.where(second, self.amount[live] * 6 // 10 // M * M, self.amount[live])
        self.tranche2_day = np.full(n, _NEVER)
        self.tranche2_day[live[second]] = second_on[second]
        self.tranche2 = np.zeros(n, dtype=np.int64)
        self.tranche2[live[second]] = self.amount[live[second]] - first_amount[second]
        self.tranche1 = np.zeros(n, dtype=np.int64)
        self.tranche1[live] = first_amount
        principal = _split(first_amount, count)
        versions = [(loan, due, principal, np.repeat(self.first_day[live], count), "disbursement")]
        spread = second & (second_on <= ctx.until)
        self.tranche2_day[live[second & ~spread]] = _NEVER  # approved, not yet disbursed
        # later tranche: spread over the instalments after it (here: all of them)
        rows = np.repeat(spread, count)
        v2_principal = principal[rows] + _split(self.tranche2[live[spread]], count[spread])
        versions.append(
            (
                loan[rows],
                due[rows],
                v2_principal,
                np.repeat(second_on[spread], count[spread]),
                "disbursement",
            )
        )
        final = {"loan": loan.copy(), "due": due.copy(), "principal": principal.copy()}
        final["principal"][rows] = v2_principal
        self._extension(final, versions, count, spread, second_on, live)
        self._write_schedules(versions)

    def _extension(self, final, versions, count, spread, second_on, live) -> None:
        """Gia hạn nợ: one instalment already due moves 3, 6 or 12 months later."""
        rng, ctx = self.rng, self.ctx
        loan, due = final["loan"], final["due"]
        due_by_now = np.bincount(np.searchsorted(live, loan[due <= ctx.until]), minlength=len(live))
        chosen = (rng.random(len(live)) < EXTENDED) & (due_by_now > 0)
        pick = (rng.random(len(live)) * due_by_now).astype(np.int64)
        starts = np.cumsum(count) - count
        row = (starts + pick)[chosen]
        months = rng.choice([3, 6, 12], size=len(row))
        old = due[row]
        new = _on_day(_month_of(old) + months, self.due_day[loan[row]])
        previous = np.where(spread, second_on, self.first_day[live])[chosen]
        decided = np.maximum(old - rng.integers(0, 16, size=len(row)), previous + 1)
        due = due.copy()
        due[row] = new
        rows = np.repeat(chosen, count)
        order = np.lexsort((due[rows], loan[rows]))
        ext_loan, ext_due = loan[rows][order], due[rows][order]
        ext_principal = final["principal"][rows][order]
        versions.append(
            (ext_loan, ext_due, ext_principal, np.repeat(decided, count[chosen]), "extension")
        )
        final["due"] = due
        order = np.lexsort((due, loan))
        self.schedule = {key: value[order] for key, value in final.items()}

    def _write_schedules(self, versions) -> None:
        ctx = self.ctx
        v_id, v_loan, v_number, v_from, v_reason = [], [], [], [], []
        i_version, i_loan, i_seq, i_due, i_principal = [], [], [], [], []
        number = np.zeros(self.n, dtype=np.int64)
        for loan, due, principal, effective, reason in versions:
            if not len(loan):
                continue
            heads = np.flatnonzero(np.r_[True, loan[1:] != loan[:-1]])
            counts = np.diff(np.r_[heads, len(loan)])
            owners = loan[heads]
            number[owners] += 1
            ids = ctx.ids.take(ScheduleVersion, len(owners))
            v_id.append(ids)
            v_loan.append(owners)
            v_number.append(number[owners])
            v_from.append(effective[heads])
            v_reason.append(np.full(len(owners), REASONS.index(reason)))
            i_version.append(np.repeat(ids, counts))
            i_loan.append(loan)
            i_seq.append(_within(counts) + 1)
            i_due.append(due)
            i_principal.append(principal)
        self.tables[ScheduleVersion] = (
            sum(len(v) for v in v_id),
            {
                "id": np.concatenate(v_id),
                "loan_id": self.ids[np.concatenate(v_loan)],
                "number": np.concatenate(v_number),
                "effective_from": ("date", np.concatenate(v_from)),
                "reason": Choice(np.concatenate(v_reason), REASONS),
                "note": "",
                # Written on the day it took effect, like the journal: history, not "now"
                # (a report then trusts a snapshot taken right after generating).
                "created_at": ("day_time", np.concatenate(v_from), 2 * 3600),
                "created_by_id": None,
            },
        )
        total = sum(len(v) for v in i_loan)
        self.tables[Instalment] = (
            total,
            {
                "id": ctx.ids.take(Instalment, total),
                "version_id": np.concatenate(i_version),
                "loan_id": self.ids[np.concatenate(i_loan)],
                "seq": np.concatenate(i_seq),
                "due_date": ("date", np.concatenate(i_due)),
                "principal": np.concatenate(i_principal),
            },
        )

    # who pays what, when ------------------------------------------------------------------
    def _behaviour(self) -> None:
        rng, ctx, n = self.rng, self.ctx, self.n
        live = self.disbursed
        room = ctx.until - (self.first_day + 45)
        late_in_life = ctx.until - (
            rng.exponential(365, size=n).astype(np.int64) % np.maximum(room, 1)
        )
        stopped = live & (rng.random(n) < STOPPED) & (room > 0)
        self.stop_day = np.where(stopped, late_in_life, _NEVER)
        only_interest = live & ~stopped & (rng.random(n) < INTEREST_ONLY) & (room > 0)
        self.principal_stop = np.where(only_interest, late_in_life, self.stop_day)
        frozen = stopped & (rng.random(n) < FROZEN_OF_STOPPED)
        self.freeze_start = np.where(frozen, self.stop_day + rng.integers(30, 150, size=n), _NEVER)
        frozen &= self.freeze_start <= ctx.until
        self.freeze_start[~frozen] = _NEVER
        self.frozen = frozen
        write_off = stopped & ~frozen & (rng.random(n) < WRITTEN_OFF_OF_STOPPED)
        self.write_off_day = np.where(
            write_off, self.stop_day + rng.integers(365, 1000, size=n), _NEVER
        )
        self.write_off_day[self.write_off_day > ctx.until] = _NEVER
        # Interest periods: due dates D_1..D_K on or before the end of history.
        um = _month_of(ctx.until)
        k = um - self.first_month - (_on_day(um, self.due_day) > ctx.until)
        k = np.where(live, np.maximum(k, 0), 0)
        self.period_count = k
        loan = np.repeat(np.arange(n), k)
        kk = _within(k) + 1
        self.p_loan = loan
        self.p_due = _on_day(self.first_month[loan] + kk, self.due_day[loan])
        self.p_start = np.where(
            kk == 1,
            self.first_day[loan],
            _on_day(self.first_month[loan] + kk - 1, self.due_day[loan]),
        )
        self.p_head = np.cumsum(k) - k
        late = rng.random(len(loan)) < LATE
        pay_day = self.p_due + np.where(late, rng.integers(1, 21, size=len(loan)), 0)
        missed = rng.random(len(loan)) < MISSED
        self.p_paid = (
            ~missed
            & (self.p_due < self.stop_day[loan])
            & (pay_day <= ctx.until)
            & (self.p_due < self.write_off_day[loan])
        )
        self.p_pay_day = pay_day
        # A missed session is paid at the next one (same loan), or never.
        next_ok = np.r_[loan[1:] == loan[:-1], False]
        caught = missed & (rng.random(len(loan)) < CAUGHT_UP) & next_ok
        target = np.arange(len(loan)) + caught
        self.p_target = np.where(~missed | caught, target, -1)
        valid = self.p_target >= 0
        valid[valid] = self.p_paid[self.p_target[valid]]
        self.p_target[~valid] = -1
        # Prepayment at a session after the last tranche.
        prepay = live & (rng.random(n) < PREPAY) & (k > 3) & (self.stop_day == _NEVER)
        at = np.minimum(
            3 + (rng.random(n) * np.maximum(k - 3, 1)).astype(np.int64), np.maximum(k - 1, 0)
        )
        self.prepay_row = np.where(prepay, self.p_head + at, -1)
        full = rng.random(n) < 0.4
        partial = np.maximum(self.amount * rng.uniform(0.1, 0.5, size=n) // M * M, M)
        self.prepay_amount = np.where(full, self.amount, partial).astype(np.int64)

    def _principal_payments(self) -> None:
        """Scheduled instalments paid at their session (late, caught up or never), plus early
        repayments, clipped so no loan repays more than it was disbursed."""
        s, ctx = self.schedule, self.ctx
        loan, due, amount = s["loan"], s["due"], s["principal"]
        k = _month_of(due) - self.first_month[loan]
        row = self.p_head[loan] + k - 1
        known = (due <= ctx.until) & (k <= self.period_count[loan])
        target = np.full(len(loan), -1)
        target[known] = self.p_target[row[known]]
        paid = (target >= 0) & (due < self.principal_stop[loan])
        pay_loan = loan[paid]
        pay_day = self.p_pay_day[target[paid]]
        pay_amount = amount[paid]
        pre = self.prepay_row >= 0
        pre_rows = self.prepay_row[pre]
        pay_loan = np.r_[pay_loan, np.flatnonzero(pre)]
        pay_day = np.r_[pay_day, self.p_due[pre_rows]]
        pay_amount = np.r_[pay_amount, self.prepay_amount[pre]]
        keep = (pay_day >= self.tranche2_day[pay_loan]) | (self.tranche2_day[pay_loan] == _NEVER)
        pay_loan, pay_day, pay_amount = pay_loan[keep], pay_day[keep], pay_amount[keep]
        pay_loan, pay_day, pay_amount = _receipts(pay_loan, pay_day, pay_amount)
        disbursed = self.tranche1 + np.where(self.tranche2_day <= ctx.until, self.tranche2, 0)
        self.disbursed_total = disbursed
        before = _running(pay_amount, pay_loan) - pay_amount
        pay_amount = np.clip(disbursed[pay_loan] - before, 0, pay_amount)
        keep = pay_amount > 0
        self.pr_loan, self.pr_day, self.pr_amount = pay_loan[keep], pay_day[keep], pay_amount[keep]
        repaid = np.bincount(self.pr_loan, weights=self.pr_amount, minlength=self.n)
        self.repaid = np.rint(repaid).astype(np.int64)
        done = (self.repaid == disbursed) & self.disbursed
        self.closed_day = np.full(self.n, _NEVER)
        last = (
            np.flatnonzero(np.r_[self.pr_loan[1:] != self.pr_loan[:-1], True])
            if len(self.pr_loan)
            else np.arange(0)
        )
        ends = np.full(self.n, _NEVER)
        ends[self.pr_loan[last]] = self.pr_day[last]
        self.closed_day[done] = ends[done]
        # Written off only if still owing then.
        self.write_off_day[self.closed_day < self.write_off_day] = _NEVER

    def _paid_by(self, loan: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Principal repaid by each loan with a value date on or before each day."""
        key = self.pr_loan * (1 << 24) + self.pr_day
        cumulative = np.r_[0, np.cumsum(self.pr_amount)]
        base = np.searchsorted(key, loan * (1 << 24), side="left")
        upto = np.searchsorted(key, loan * (1 << 24) + day, side="right")
        return cumulative[upto] - cumulative[base]

    def _interest_payments(self) -> None:
        """Each period's interest, roughly (the balance at its lowest, at the contract rate,
        rounded half-up like the engine), paid at its session; the period in which a loan
        closes is paid on the closing day. Never more than the engine will find due."""
        ctx, cat = self.ctx, self.ctx.catalogue
        loan, start, end = self.p_loan, self.p_start, self.p_due
        closing = self.closed_day[loan]
        stop = np.minimum(closing, self.write_off_day[loan])
        alive = start < stop
        end = np.minimum(end, stop)
        disbursed = self.tranche1[loan] + np.where(
            self.tranche2_day[loan] <= start, self.tranche2[loan], 0
        )
        low = disbursed - self._paid_by(loan, end - 1)
        divisor = RATE_DIVISOR * cat.year_days[self.programme[loan]]
        interest = (2 * low * self.rate[loan] * (end - start) + divisor) // (2 * divisor)
        self.p_interest = np.where(alive, np.maximum(interest, 0), 0)
        target = self.p_target.copy()
        closes = alive & (self.p_due > closing) & (closing < _NEVER)
        target[closes] = np.flatnonzero(closes)
        ok = alive & (target >= 0)
        pay_day = np.where(closes, closing, self.p_pay_day[np.maximum(target, 0)])
        pay_day = np.minimum(pay_day, closing)
        ok &= (pay_day <= ctx.until) & (pay_day < self.write_off_day[loan]) & (self.p_interest > 0)
        self.ip_loan, self.ip_day, self.ip_amount = _receipts(
            loan[ok], pay_day[ok], self.p_interest[ok]
        )
        unpaid = alive & ~ok
        self.unpaid_interest = np.rint(
            np.bincount(loan[unpaid], weights=self.p_interest[unpaid], minlength=self.n)
        ).astype(np.int64)
        self._settle_closed()

    def _settle_closed(self) -> None:
        """A loan is closed (tất toán) only with its interest settled too: on the closing day
        its household pays what the engine finds still owed (overdue interest on late
        instalments, rounding), as `services.record_repayment` requires."""
        closed = np.flatnonzero(self.closed_day < _NEVER)
        if not len(closed):
            return
        inside = np.zeros(self.n, dtype=bool)
        inside[closed] = True
        s = self.schedule
        rows = inside[s["loan"]]
        pr, ip = inside[self.pr_loan], inside[self.ip_loan]
        t2 = closed[self.tranche2_day[closed] <= self.ctx.until]
        transactions = {
            "loan_id": np.r_[closed, t2, self.pr_loan[pr], self.ip_loan[ip]],
            "value_date": _dates(
                np.r_[
                    self.first_day[closed], self.tranche2_day[t2], self.pr_day[pr], self.ip_day[ip]
                ]
            ),
            "kind": np.r_[
                np.full(len(closed) + len(t2), "disbursement", dtype=object),
                np.full(int(pr.sum()), "principal_repayment", dtype=object),
                np.full(int(ip.sum()), "interest_payment", dtype=object),
            ],
            "amount": np.r_[
                self.tranche1[closed], self.tranche2[t2], self.pr_amount[pr], self.ip_amount[ip]
            ],
        }
        positions = engine.compute_positions(
            as_of=date(1970, 1, 1) + timedelta(days=int(self.ctx.until)),
            loans=pd.DataFrame(
                {
                    "loan_id": closed,
                    "first_disbursed_on": _dates(self.first_day[closed]),
                    "due_day": self.due_day[closed],
                    "day_count": np.where(
                        self.ctx.catalogue.year_days[self.programme[closed]] == 360,
                        "month30",
                        "act365",
                    ),
                }
            ),
            instalments=pd.DataFrame(
                {
                    "loan_id": s["loan"][rows],
                    "due_date": _dates(s["due"][rows]),
                    "principal": s["principal"][rows],
                }
            ),
            transactions=pd.DataFrame(transactions),
            rates=pd.DataFrame(
                {
                    "loan_id": closed,
                    "effective_from": _dates(self.first_day[closed]),
                    "rate_micro": self.rate[closed],
                }
            ),
            freezes=pd.DataFrame(
                {
                    "loan_id": np.arange(0),
                    "start": _dates(np.arange(0)),
                    "end": _dates(np.arange(0)),
                }
            ),
        )
        owed = (
            positions["interest_due"]
            + positions["interest_accrued_not_due"]
            - positions["interest_paid"]
        ).to_numpy()
        top = owed > 0
        self.ip_loan, self.ip_day, self.ip_amount = _receipts(
            np.r_[self.ip_loan, closed[top]],
            np.r_[self.ip_day, self.closed_day[closed[top]]],
            np.r_[self.ip_amount, owed[top]],
        )

    def _exceptions(self) -> None:
        """Write-offs (xóa nợ) of what is still owed, and freezes (khoanh nợ)."""
        ctx, n = self.ctx, self.n
        wo = self.write_off_day < _NEVER
        self.wo_principal = np.where(wo, self.disbursed_total - self.repaid, 0)
        self.wo_interest = np.where(wo, self.unpaid_interest, 0)
        frozen = self.frozen
        length = self.rng.integers(365, 1096, size=n)
        end = self.freeze_start + length - 1
        open_ended = frozen & (end >= ctx.until) & (self.rng.random(n) < 0.3)
        self.freeze_now = frozen & (open_ended | (end >= ctx.until))
        rows = np.flatnonzero(frozen)
        self.tables[LoanFreeze] = (
            len(rows),
            {
                "id": ctx.ids.take(LoanFreeze, len(rows)),
                "loan_id": self.ids[rows],
                "start": ("date", self.freeze_start[rows]),
                "end": ("date", np.ma.masked_array(end[rows], mask=open_ended[rows])),
                "decision_ref": [
                    f"QĐ {int(i) % 9000 + 100}/QĐ-NHCS (thiên tai)" for i in self.ids[rows]
                ],
                "created_at": ctx.now,
                "created_by_id": None,
            },
        )

    # the journal --------------------------------------------------------------------------
    def _journal(self) -> None:
        ctx, n = self.ctx, self.n
        live = np.flatnonzero(self.disbursed)
        t2 = np.flatnonzero(self.tranche2_day <= ctx.until)
        wo = np.flatnonzero(self.wo_principal > 0)
        iwo = np.flatnonzero(self.wo_interest > 0)
        parts = [
            (live, self.first_day[live], self.tranche1[live], _DISB),
            (t2, self.tranche2_day[t2], self.tranche2[t2], _DISB),
            (self.pr_loan, self.pr_day, self.pr_amount, _PRIN),
            (self.ip_loan, self.ip_day, self.ip_amount, _INT),
            (wo, self.write_off_day[wo], self.wo_principal[wo], _WO),
            (iwo, self.write_off_day[iwo], self.wo_interest[iwo], _IWO),
        ]
        # A receipt keyed twice, the copy reversed the same day.
        has_interest = np.bincount(self.ip_loan, minlength=n) > 0
        twice = np.flatnonzero(has_interest & (self.rng.random(n) < DUPLICATE_REVERSED))
        firsts = np.searchsorted(self.ip_loan, twice)
        dup_rows = firsts + (
            self.rng.random(len(twice)) * (np.bincount(self.ip_loan, minlength=n)[twice])
        ).astype(np.int64)
        parts.append(
            (self.ip_loan[dup_rows], self.ip_day[dup_rows], self.ip_amount[dup_rows], _INT)
        )
        parts.append(
            (self.ip_loan[dup_rows], self.ip_day[dup_rows], self.ip_amount[dup_rows], _REV)
        )
        transfers = self._transfers()
        parts.append((*transfers[:3], _XFER))
        loan = np.concatenate([p[0] for p in parts]).astype(np.int64)
        day = np.concatenate([p[1] for p in parts]).astype(np.int64)
        amount = np.concatenate([p[2] for p in parts]).astype(np.int64)
        kind = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
        due = np.full(len(loan), -1)
        due[kind == _XFER] = transfers[3]
        # The duplicate (second-to-last part) precedes its reversal (last before transfers).
        seq = np.arange(len(loan))
        dup_start = len(loan) - len(transfers[0]) - 2 * len(twice)
        # Ids in posting order (value date), as a real journal; a copy precedes its reversal.
        order = np.lexsort((seq, loan, kind, day))
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        ids = ctx.ids.take(LoanTransaction, len(loan))
        reverses = np.full(len(loan), -1)
        rev_rows = np.arange(dup_start + len(twice), dup_start + 2 * len(twice))
        reverses[rev_rows] = ids[position[np.arange(dup_start, dup_start + len(twice))]]
        loan, day, amount, kind, due, reverses = (
            a[order] for a in (loan, day, amount, kind, due, reverses)
        )
        self.journal = {
            "id": ids,
            "loan": loan,
            "kind": kind,
            "value_date": day,
            "amount": amount,
            "due_date": due,
            "reverses": reverses,
        }
        totals = np.zeros((n, len(KINDS)), dtype=np.int64)
        np.add.at(totals, (loan, kind), amount)
        self.totals = totals

    def _transfers(self) -> tuple[np.ndarray, ...]:
        """Chuyển nợ quá hạn, as the nightly job journals it: each instalment's part still
        unpaid at the end of its due date, value-dated the day after, once per due date."""
        s, ctx = self.schedule, self.ctx
        past = s["due"] < ctx.until
        loan, due, amount = s["loan"], s["due"], s["principal"]
        cumulative = _running(amount, loan)
        loan, due, amount, cumulative = loan[past], due[past], amount[past], cumulative[past]
        # several instalments on one date (an extension onto another) count once
        key = loan * (1 << 24) + due
        last = np.flatnonzero(np.r_[key[1:] != key[:-1], True]) if len(key) else np.arange(0)
        heads = np.r_[0, last[:-1] + 1] if len(last) else last
        amount = np.add.reduceat(amount, heads) if len(heads) else amount
        loan, due, cumulative = loan[last], due[last], cumulative[last]
        covered = self._paid_by(loan, due) + np.where(
            self.write_off_day[loan] <= due, self.wo_principal[loan], 0
        )
        unpaid = np.clip(cumulative - covered, 0, amount)
        keep = unpaid > 0
        return loan[keep], due[keep] + 1, unpaid[keep], due[keep]

    def _loan_rows(self) -> None:
        ctx, cat, n, t = self.ctx, self.ctx.catalogue, self.n, self.totals
        org, g = ctx.org, self.hh_group[self.household]
        disbursed = t[:, _DISB]
        repaid, written_off = t[:, _PRIN], t[:, _WO]
        outstanding = disbursed - repaid - written_off
        status = np.full(n, STATUSES.index("active"))
        status[~self.disbursed] = STATUSES.index("approved")
        status[self.freeze_now] = STATUSES.index("frozen")
        status[(outstanding == 0) & self.disbursed] = STATUSES.index("closed")
        status[(written_off > 0) & (outstanding == 0)] = STATUSES.index("written_off")
        entrusted = self.programme != (cat.codes.index("NOXH") if "NOXH" in cat.codes else -1)
        needs_list = cat.needs_list[self.programme]
        list_day = self.approved_on - 30
        micros, rate_code = np.unique(self.rate, return_inverse=True)
        rate_labels = [None, *(Decimal(int(m)) / 10000 for m in micros)]
        self.tables[Loan] = (
            n,
            {
                "id": self.ids,
                "contract_number": [f"{SIM}-{i:09d}" for i in self.ids.tolist()],
                "borrower_id": self.borrower_ids[self.household],
                "programme_id": cat.ids[self.programme],
                "purpose_id": np.ma.masked_array(self.purpose, mask=self.purpose < 0),
                "savings_group_id": np.ma.masked_array(org.group_ids[g], mask=~entrusted),
                "transaction_point_id": org.point_ids[g],
                "office_id": org.office_ids[g],
                "approved_amount": self.amount,
                "term_months": self.term,
                "grace_months": self.grace,
                "principal_frequency_months": self.frequency,
                "due_day": self.due_day,
                "approved_on": ("date", self.approved_on),
                "approved_list_ref": Choice(
                    needs_list.astype(np.int64), ["", "QĐ 456/QĐ-UBND phê duyệt danh sách"]
                ),
                "approved_list_date": ("date", np.ma.masked_array(list_day, mask=~needs_list)),
                "contract_rate": Choice(np.where(self.disbursed, rate_code + 1, 0), rate_labels),
                "first_disbursed_on": (
                    "date",
                    np.ma.masked_array(self.first_day, mask=~self.disbursed),
                ),
                "status": Choice(status, STATUSES),
                "disbursed_total": disbursed,
                "principal_repaid_total": repaid,
                "written_off_total": written_off,
                "outstanding_principal": outstanding,
                "interest_paid_total": t[:, _INT] - self._reversed_interest(),
                "interest_written_off_total": t[:, _IWO],
                "created_at": ctx.now,
                "created_by_id": None,
            },
        )

    def _reversed_interest(self) -> np.ndarray:
        j = self.journal
        rev = j["kind"] == _REV
        return np.bincount(j["loan"][rev], weights=j["amount"][rev], minlength=self.n).astype(
            np.int64
        )


RATE_DIVISOR = 1_000_000  # rate_micro per unit (6.6% -> 66000)


def _receipts(loan: np.ndarray, day: np.ndarray, amount: np.ndarray) -> tuple[np.ndarray, ...]:
    """Payments summed into one receipt per loan and day, sorted by loan then day."""
    order = np.lexsort((day, loan))
    loan, day, amount = loan[order], day[order], amount[order]
    if not len(loan):
        return loan, day, amount
    key = loan * (1 << 24) + day
    heads = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return loan[heads], day[heads], np.add.reduceat(amount, heads)


def _dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def _split(amount: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Each amount over `count` parts rounded down to thousands, the last taking the rest
    (loans.positions._split_in_thousands), flattened."""
    part = amount // count // 1000 * 1000
    rows = np.repeat(part, count)
    last = np.cumsum(count) - 1
    rows[last] = amount - part * (count - 1)
    return rows


def _running(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at each new value of the sorted group array."""
    if not len(values):
        return values.copy()
    total = np.cumsum(values)
    heads = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    offset = total[heads] - values[heads]
    return total - np.repeat(offset, np.diff(np.r_[heads, len(values)]))


# --- writing: PostgreSQL binary COPY, SQLite executemany --------------------------------------

_PG_EPOCH = _day(date(2000, 1, 1))  # binary dates and timestamps count from 2000-01-01
_PG_EPOCH_TIME = datetime(2000, 1, 1, tzinfo=UTC)
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_INT_TYPES = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "boolean": "u1"}


@dataclass
class _Field:
    """One column of a batch as PostgreSQL binary fields: a fixed-width array, one constant
    for every row (None = NULL), or variable-length payloads (length -1 = NULL)."""

    fixed: np.ndarray | None = None
    const: bytes | None = None
    is_const: bool = False
    lengths: np.ndarray | None = None  # variable: per-row length, -1 for NULL
    flat: np.ndarray | None = None  # variable: the payloads, concatenated in row order


def _db_kind(db_type: str) -> str:
    if db_type in _INT_TYPES or db_type in ("date", "numeric"):
        return db_type
    if db_type.startswith("numeric"):
        return "numeric"
    if db_type.startswith("timestamp"):
        return "timestamp"
    return "text"


def _scalar_bytes(kind: str, value) -> bytes | None:
    if value is None:
        return None
    if kind in _INT_TYPES:
        return np.array([int(value)], dtype=_INT_TYPES[kind]).tobytes()
    if kind == "date":
        return struct.pack(">i", _day(value) - _PG_EPOCH)
    if kind == "timestamp":
        micro = round((value - _PG_EPOCH_TIME).total_seconds() * 1_000_000)
        return struct.pack(">q", micro)
    if kind == "numeric":
        return _numeric_bytes(Decimal(value))
    return str(value).encode()


def _numeric_bytes(value: Decimal) -> bytes:
    """PostgreSQL's binary numeric: base-10000 digits, weight, sign and display scale."""
    sign = 0x4000 if value < 0 else 0
    text = format(abs(value), "f")
    whole, _, fraction = text.partition(".")
    scale = len(fraction)
    whole = whole.lstrip("0")
    whole = "0" * (-len(whole) % 4) + whole
    fraction = fraction + "0" * (-len(fraction) % 4)
    digits = [int(whole[i : i + 4]) for i in range(0, len(whole), 4)]
    weight = len(digits) - 1
    digits += [int(fraction[i : i + 4]) for i in range(0, len(fraction), 4)]
    while digits and digits[0] == 0:
        digits.pop(0)
        weight -= 1
    while digits and digits[-1] == 0:
        digits.pop()
    if not digits:
        weight = 0
    return struct.pack(f">hhhh{len(digits)}h", len(digits), weight, sign, scale, *digits)


@dataclass(frozen=True)
class Choice:
    """A column of few distinct values: a code per row and the values (None = NULL)."""

    codes: np.ndarray
    labels: list


def _pg_field(kind: str, value, n: int) -> _Field:
    if value is None or isinstance(value, str | int | Decimal | date) or hasattr(value, "tzinfo"):
        return _Field(const=_scalar_bytes(kind, value), is_const=True)
    if isinstance(value, Choice):
        return _choice_field(kind, value)
    if isinstance(value, tuple) and value[0] == "day_time":  # (tag, day numbers, seconds)
        micro = (np.asarray(value[1]) - _PG_EPOCH) * 86_400_000_000 + value[2] * 1_000_000
        return _Field(fixed=micro.astype(">i8"))
    if isinstance(value, tuple) and value[0] == "date":
        value = value[1] - _PG_EPOCH
    mask = np.ma.getmaskarray(value) if np.ma.isMaskedArray(value) else None
    data = np.ma.getdata(value) if mask is not None else np.asarray(value)
    if kind in _INT_TYPES or kind == "date":
        fixed = data.astype(_INT_TYPES.get(kind, ">i4"))
        if mask is None or not mask.any():
            return _Field(fixed=fixed)
        width = fixed.dtype.itemsize
        flat = fixed[~mask].view(np.uint8)
        return _Field(lengths=np.where(mask, -1, width), flat=flat)
    items = data.tolist() if isinstance(data, np.ndarray) else list(data)
    if mask is not None:
        items = [None if m else v for v, m in zip(items, mask.tolist(), strict=True)]
    payloads = [None if v is None else _scalar_bytes(kind, v) for v in items]
    lengths = np.fromiter((-1 if p is None else len(p) for p in payloads), np.int64, len(items))
    flat = np.frombuffer(b"".join(p for p in payloads if p), dtype=np.uint8)
    return _Field(lengths=lengths, flat=flat)


def _choice_field(kind: str, value: Choice) -> _Field:
    """Each distinct value encoded once, then gathered per row."""
    payloads = [_scalar_bytes(kind, label) for label in value.labels]
    sizes = np.array([-1 if p is None else len(p) for p in payloads], dtype=np.int64)
    lengths = sizes[value.codes]
    flat_labels = np.frombuffer(b"".join(p or b"" for p in payloads), dtype=np.uint8)
    starts = np.cumsum(np.maximum(sizes, 0)) - np.maximum(sizes, 0)
    size = np.maximum(lengths, 0)
    flat = flat_labels[np.repeat(starts[value.codes], size) + _within(size)]
    return _Field(lengths=lengths, flat=flat)


def _encode_rows(fields: list[_Field], n: int) -> bytes:
    """The rows of one batch in COPY BINARY format (without the signature and trailer)."""
    if all(f.is_const or f.fixed is not None for f in fields):
        return _encode_fixed(fields, n)
    return _encode_scattered(fields, n)


def _encode_fixed(fields: list[_Field], n: int) -> bytes:
    # Every row has the same layout: one structured array, written at memory speed.
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for i, f in enumerate(fields):
        layout.append((f"h{i}", ">i4"))
        width = len(f.const or b"") if f.is_const else f.fixed.dtype.itemsize
        if width:
            layout.append((f"v{i}", f.fixed.dtype.str if f.fixed is not None else f"S{width}"))
    rows = np.empty(n, dtype=np.dtype(layout))
    rows["count"] = len(fields)
    for i, f in enumerate(fields):
        if f.is_const:
            rows[f"h{i}"] = -1 if f.const is None else len(f.const)
            if f.const:
                rows[f"v{i}"] = f.const
        else:
            rows[f"h{i}"] = f.fixed.dtype.itemsize
            rows[f"v{i}"] = f.fixed
    return rows.tobytes()


def _encode_scattered(fields: list[_Field], n: int) -> bytes:
    # Rows of different lengths: compute where each field lands, then scatter the bytes.
    sizes = []
    for f in fields:
        if f.is_const:
            sizes.append(np.full(n, len(f.const or b""), dtype=np.int64))
        elif f.fixed is not None:
            sizes.append(np.full(n, f.fixed.dtype.itemsize, dtype=np.int64))
        else:
            sizes.append(np.maximum(f.lengths, 0))
    row_size = 2 + sum(4 + s for s in sizes)
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    pos = np.cumsum(row_size) - row_size
    _put(out, pos, np.full(n, len(fields), dtype=">i2"))
    pos = pos + 2
    for f, size in zip(fields, sizes, strict=True):
        header = np.full(n, -1 if f.is_const and f.const is None else 0, dtype=">i4")
        if f.is_const and f.const is not None:
            header[:] = len(f.const)
        elif f.fixed is not None:
            header[:] = f.fixed.dtype.itemsize
        elif not f.is_const:
            header[:] = f.lengths
        _put(out, pos, header)
        pos = pos + 4
        if f.is_const:
            if f.const:
                out[pos[:, None] + np.arange(len(f.const))] = np.frombuffer(f.const, np.uint8)
        elif f.fixed is not None:
            _put(out, pos, f.fixed)
        else:
            starts = np.cumsum(size) - size
            dest = np.repeat(pos - starts, size) + np.arange(int(size.sum()))
            out[dest] = f.flat
        pos = pos + size
    return out.tobytes()


def _put(out: np.ndarray, pos: np.ndarray, values: np.ndarray) -> None:
    width = values.dtype.itemsize
    out[pos[:, None] + np.arange(width)] = values.view(np.uint8).reshape(-1, width)


def _slice(value, lo: int, hi: int):
    if isinstance(value, Choice):
        return Choice(value.codes[lo:hi], value.labels)
    if isinstance(value, tuple):
        return (value[0], value[1][lo:hi], *value[2:])
    if isinstance(value, np.ndarray | list):
        return value[lo:hi]
    return value


def encode_rows(model, n: int, values: dict, *, vendor: str, ops, batch: int = 200_000) -> list:
    """n rows of `model` (column -> array or constant; every column must be given) as COPY
    BINARY chunks (PostgreSQL) or lists of tuples (SQLite). It touches no database, so it runs
    in another thread than the one that sends them (`send_rows`)."""
    columns = [(f.column, _db_kind(f.db_type(connection))) for f in model._meta.concrete_fields]
    missing = {c for c, _ in columns} - set(values)
    if missing:
        raise ValueError(f"{model.__name__}: no values for {sorted(missing)}")
    chunks: list = []
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        if vendor == "postgresql":
            fields = [_pg_field(k, _slice(values[c], lo, hi), hi - lo) for c, k in columns]
            chunks.append(_encode_rows(fields, hi - lo))
        else:
            lists = [_python_column(k, _slice(values[c], lo, hi), hi - lo, ops) for c, k in columns]
            chunks.append(list(zip(*lists, strict=True)))
    return chunks


def send_rows(model: type[models.Model], chunks: list) -> None:
    if not chunks:
        return
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
            with cursor.cursor.copy(sql) as copy:
                copy.write(_SIGNATURE)
                for chunk in chunks:
                    copy.write(chunk)
                copy.write(b"\xff\xff")
            return
        marks = ", ".join(["%s"] * len(columns))
        for chunk in chunks:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk)


def _python_column(kind: str, value, n: int, ops) -> list:
    """A column as Python values SQLite takes (dates as ISO text, as Django stores them)."""
    if isinstance(value, Choice):
        labels = [str(v) if isinstance(v, Decimal) else v for v in value.labels]
        return np.array(labels, dtype=object)[value.codes].tolist()
    if value is None or isinstance(value, str | int | Decimal | date) or hasattr(value, "tzinfo"):
        if hasattr(value, "tzinfo"):
            value = ops.adapt_datetimefield_value(value)
        elif isinstance(value, Decimal):
            value = str(value)
        return [value] * n
    if isinstance(value, tuple):
        tag, days = value[0], value[1]
        mask = np.ma.getmaskarray(days) if np.ma.isMaskedArray(days) else np.zeros(n, bool)
        days = np.ma.getdata(days)
        unique, inverse = np.unique(days, return_inverse=True)
        text = unique.astype("datetime64[D]").astype(str).astype(object)
        if tag == "day_time":
            stamp = str(timedelta(seconds=value[2])).rjust(8, "0")
            text = np.array([f"{t} {stamp}" for t in text], dtype=object)
        column = text[inverse]
        column[mask] = None
        return column.tolist()
    mask = np.ma.getmaskarray(value) if np.ma.isMaskedArray(value) else None
    data = np.ma.getdata(value) if mask is not None else value
    items = data.tolist() if isinstance(data, np.ndarray) else list(data)
    if kind == "numeric":
        items = [str(v) for v in items]
    if mask is not None:
        items = [None if m else v for v, m in zip(items, mask.tolist(), strict=True)]
    return items


def _journal_values(block: Block) -> dict:
    """The block's journal in posting order (by value date): a loan's entries are spread over
    the table as in a real journal, not clustered."""
    j, ids, org = block.journal, block.ids, block.ctx.org
    reverses = j["reverses"]
    g = block.hh_group[block.household][j["loan"]]
    notes = ["", "", "", "", "", "Nhập trùng biên lai", "Chuyển nợ quá hạn tự động"]
    return {
        "id": j["id"],
        "loan_id": ids[j["loan"]],
        "kind": Choice(j["kind"], list(KINDS)),
        "value_date": ("date", j["value_date"]),
        "amount": j["amount"],
        "office_id": org.office_ids[g],
        "transaction_point_id": org.point_ids[g],
        "receipt_number": "",
        "request_id": None,
        "reverses_id": np.ma.masked_array(reverses, mask=reverses < 0),
        "due_date": ("date", np.ma.masked_array(j["due_date"], mask=j["due_date"] < 0)),
        "note": Choice(j["kind"], notes),
        "posted_at": ("day_time", j["value_date"], 2 * 3600),  # 09:00 in Hà Nội
        "posted_by_id": None,
    }


# --- the whole run ---------------------------------------------------------------------------

TABLES = [Borrower, Loan, ScheduleVersion, Instalment, LoanFreeze, LoanTransaction]


def generate_portfolio(
    *,
    loans: int,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    until: date | None = None,
    batch_size: int = BATCH_LOANS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, float]:
    """Add `loans` synthetic loans (and their households) whose history ends on `until`
    (default: yesterday); `reset` first removes every loan and borrower. Returns row counts."""
    started = time.monotonic()
    until = until or timezone.localdate() - timedelta(days=1)
    if reset:
        reset_portfolio()
    catalogue = Catalogue.load()
    mean = sum(k * p for k, p in LOANS_PER_HOUSEHOLD.items())
    org = ensure_organisation(households=math.ceil(loans / mean), seed=seed)
    ctx = Context(catalogue, org, _day(until), Ids.allocate(TABLES), timezone.now())
    counts = dict.fromkeys((m._meta.db_table for m in TABLES), 0)
    bulk = _can_bulk_load()
    vendor, ops = connection.vendor, connection.ops

    def produce(number: int) -> tuple[int, list]:
        # Drawing and encoding (numpy, mostly outside the GIL) overlap with the database
        # ingesting the previous block: two cores, two stages.
        first = number * batch_size
        block = Block(ctx, np.random.default_rng([seed, number]), min(batch_size, loans - first))
        tables = [(model, *block.tables[model]) for model in TABLES[:-1]]
        tables.append((LoanTransaction, len(block.journal["id"]), _journal_values(block)))
        encoded = [(m, n, encode_rows(m, n, v, vendor=vendor, ops=ops)) for m, n, v in tables]
        return first + block.n, encoded

    # Into empty tables, load everything in one transaction with the secondary indexes dropped
    # and rebuilt at the end (a crash rolls back to the intact schema); otherwise one
    # transaction per block of loans.
    blocks = math.ceil(loans / batch_size)
    with (
        transaction.atomic() if bulk else _nothing(),
        _indexes_rebuilt(bulk),
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending = pool.submit(produce, 0) if blocks else None
        waited = sent = 0.0
        for number in range(blocks):
            block_started = time.monotonic()
            done, encoded = pending.result()
            if number + 1 < blocks:
                pending = pool.submit(produce, number + 1)
            waited += time.monotonic() - block_started
            with transaction.atomic(), _row_triggers_skipped():
                for model, rows, chunks in encoded:
                    send_rows(model, chunks)
                    counts[model._meta.db_table] += rows
            sent += time.monotonic() - block_started
            if progress:
                progress(done, loans)
        log.info("waited %.1fs for the generator, %.1fs sending rows", waited, sent - waited)
    finishing = time.monotonic()
    _finish()
    log.info("sequences and statistics in %.1fs", time.monotonic() - finishing)
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


@contextmanager
def _nothing():
    yield


def _can_bulk_load() -> bool:
    """PostgreSQL, every generated table empty, and a superuser (no deferred FK checks)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            return False
        for model in TABLES:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {model._meta.db_table})")
            if cursor.fetchone()[0]:
                return False
    return True


@contextmanager
def _indexes_rebuilt(enabled: bool):
    """Drop the generated tables' secondary indexes and unique constraints, and re-create them
    from their own definitions afterwards: a sorted build beats millions of index inserts."""
    if not enabled:
        yield
        return
    saved = []
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'u'",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            saved.append((table, constraints, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for table, constraints, indexes in saved:
            started = time.monotonic()
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            log.info("%s: indexes rebuilt in %.1fs", table, time.monotonic() - started)


@contextmanager
def _row_triggers_skipped():
    """On PostgreSQL, as a superuser, skip the foreign-key triggers while loading: the rows are
    consistent by construction, and millions of deferred checks would queue in memory. (The
    journal's append-only trigger guards UPDATE and DELETE only, never inserts.) Restored
    afterwards, so a caller's transaction (a test) keeps its triggers."""
    skip = connection.vendor == "postgresql"
    if skip:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            skip = cursor.fetchone()[0]
            if skip:
                cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    if skip:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


def _finish() -> None:
    """Move the id sequences past the explicit ids, and refresh the planner's statistics."""
    tables = [m._meta.db_table for m in TABLES]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        # VACUUM also sets the visibility map (index-only scans); it cannot run in a transaction.
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{verb} {', '.join(tables)}")


def reset_portfolio() -> list[str]:
    """Remove every borrower and loan and everything that refers to them (journal included:
    TRUNCATE on PostgreSQL, which the append-only trigger allows; raw DELETE on SQLite, as the
    journal's model refuses a queryset delete). The organisation stays."""
    tables = [m._meta.db_table for m in _dependants({Loan, Borrower})]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    return tables


def _dependants(roots: set[type[models.Model]]) -> list[type[models.Model]]:
    """The roots, their history tables, and every model that refers to any of them, repeatedly."""
    found = set(roots) | {m.history.model for m in roots if hasattr(m, "history")}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models(include_auto_created=True):
            if model in found:
                continue
            if any(f.is_relation and f.related_model in found for f in model._meta.concrete_fields):
                found.add(model)
                grown = True
    return sorted(found, key=lambda m: m._meta.db_table)


# --- checks ----------------------------------------------------------------------------------

MISMATCH_SQL = """
SELECT COUNT(*) FROM loans_loan l
LEFT JOIN (
    SELECT t.loan_id,
        SUM(CASE WHEN t.kind = 'disbursement' THEN t.amount
                 WHEN r.kind = 'disbursement' THEN -t.amount ELSE 0 END) AS disbursed,
        SUM(CASE WHEN t.kind = 'principal_repayment' THEN t.amount
                 WHEN r.kind = 'principal_repayment' THEN -t.amount ELSE 0 END) AS repaid,
        SUM(CASE WHEN t.kind = 'write_off' THEN t.amount
                 WHEN r.kind = 'write_off' THEN -t.amount ELSE 0 END) AS written_off,
        SUM(CASE WHEN t.kind = 'interest_payment' THEN t.amount
                 WHEN r.kind = 'interest_payment' THEN -t.amount ELSE 0 END) AS interest_paid,
        SUM(CASE WHEN t.kind = 'interest_write_off' THEN t.amount
                 WHEN r.kind = 'interest_write_off' THEN -t.amount ELSE 0 END) AS interest_wo
    FROM loans_loantransaction t
    LEFT JOIN loans_loantransaction r ON r.id = t.reverses_id
    GROUP BY t.loan_id
) j ON j.loan_id = l.id
WHERE l.disbursed_total <> COALESCE(j.disbursed, 0)
   OR l.principal_repaid_total <> COALESCE(j.repaid, 0)
   OR l.written_off_total <> COALESCE(j.written_off, 0)
   OR l.interest_paid_total <> COALESCE(j.interest_paid, 0)
   OR l.interest_written_off_total <> COALESCE(j.interest_wo, 0)
   OR l.outstanding_principal <> l.disbursed_total - l.principal_repaid_total - l.written_off_total
"""


def journal_mismatches() -> int:
    """How many loans' cached balances differ from their journal (one aggregate query)."""
    with connection.cursor() as cursor:
        cursor.execute(MISMATCH_SQL)
        return cursor.fetchone()[0]
