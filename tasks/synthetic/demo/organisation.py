"""The Lạng Sơn organisation of the demo: the branch, its offices and transaction points, the
administrative units before and after 1 July 2025, associations at four levels and the savings
groups. Found again by natural keys on a rerun, which then writes nothing.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from django.db import models, transaction
from django.utils.text import slugify

from borrowers.models import (
    AdministrativeUnit,
    Association,
    Branch,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from borrowers.reference_data import ASSOCIATIONS, BRANCH, OFFICES, VILLAGE_NAMES

from .people import person, phone, weighted

DEFAULT_SEED = 2026
UNITS_FROM = date(2000, 1, 1)
# Resolution 1672/NQ-UBTVQH15: districts abolished, communes merged.
MERGER_DAY = date(2025, 7, 1)
PROVINCE = "Tỉnh Lạng Sơn"

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


def lower_first(name: str) -> str:
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
            kind, "province", f"{kind_name} {lower_first(PROVINCE)}", central
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
            kind, "district", f"{name} {lower_first(district_name)}", provincial[kind], office
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
                f"{name} {lower_first(point_spec['commune'])}",
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
            "name": f"Điểm giao dịch {lower_first(spec['commune'])}",
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
        kind = weighted(rng, GROUP_KIND_WEIGHTS)
        village = _village(rng, village_name)
        values = {
            "name": f"Tổ TK&VV {lower_first(village)}",
            "association": associations[kind],
            "transaction_point": point,
            "village": village,
            "leader": person(rng)[0],
            "leader_phone": phone(rng),
        }
        group = _sync(SavingsGroup, {"code": f"{point.code}-T{number:02d}"}, values)
        group.transaction_point = point
        groups.append(group)
    return groups


def _village(rng: random.Random, name: str) -> str:
    if name.startswith("Bản "):
        return name
    return f"{rng.choices(('Thôn', 'Bản', 'Khu'), weights=(70, 25, 5))[0]} {name}"
