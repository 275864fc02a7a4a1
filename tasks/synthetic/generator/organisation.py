"""The savings groups, points and offices synthetic households are drawn into.

An empty database first gets the Lạng Sơn organisation of the demo; beyond it, synthetic groups
fill the points (codes ``SIM…``), then synthetic points and offices follow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import models, transaction

from borrowers import reference_data as ref
from borrowers.models import (
    AdministrativeUnit,
    Association,
    Branch,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)

from ..demo import seed_organisation
from .params import GROUPS_PER_POINT, MEMBERS_PER_GROUP, POINTS_PER_OFFICE, SIM


@dataclass
class Organisation:
    """The savings groups households are drawn into, with their point and office, as arrays."""

    group_ids: np.ndarray
    group_village: list[str]
    point_ids: np.ndarray  # per group
    office_ids: np.ndarray  # per group
    commune_ids: np.ndarray  # per group, -1 = none
    session_day: np.ndarray  # per group


def ensure_organisation(*, households: int, seed: int, spread: bool = False) -> Organisation:
    """Enough groups for `households` (about 37 members each), reusing existing ones first;
    with `spread`, every existing group (a small book over the whole organisation, as the
    demo's), and more only if they are too few.

    An empty database gets the Lạng Sơn organisation of `seed_demo`; beyond it, synthetic
    groups fill the points up to ~17 groups each, then synthetic points and offices follow.
    """
    if not TransactionOffice.objects.exists():
        seed_organisation(seed=seed)
    rng = np.random.default_rng([seed, 7])
    needed = max(1, math.ceil(households / MEMBERS_PER_GROUP))
    if spread:
        needed = max(needed, _groups().count())
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
    leaders = names(rng, count)
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
    slots = _office_slots(count)
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


def _office_slots(count: int) -> list[TransactionOffice]:
    """The office of each of `count` new points: the least-filled offices first, round-robin
    (so the nightly job's partitions stay about the same size), then new synthetic offices."""
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
    return slots[:count]


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


def names(rng: np.random.Generator, n: int, female: np.ndarray | None = None) -> list[str]:
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
