"""The demo's people: Vietnamese names by ethnic group, phone numbers, citizen ID numbers."""

from __future__ import annotations

import random
from datetime import date

from borrowers.reference_data import (
    ETHNIC_MIX_LANG_SON,
    GIVEN_NAMES_FEMALE,
    GIVEN_NAMES_MALE,
    MIDDLE_NAMES_FEMALE,
    MIDDLE_NAMES_MALE,
    SURNAMES,
)


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def person(rng: random.Random) -> tuple[str, str, str]:
    """(full name, gender, ethnicity): a surname of the group, most common ones most often."""
    ethnicity = weighted(rng, dict(ETHNIC_MIX_LANG_SON))
    gender = rng.choices(("female", "male"), weights=(55, 45))[0]
    surnames = SURNAMES.get(ethnicity, SURNAMES["Kinh"])
    surname = rng.choices(surnames, weights=range(len(surnames) + 5, 5, -1))[0]
    if gender == "female":
        middle, given = rng.choice(MIDDLE_NAMES_FEMALE), rng.choice(GIVEN_NAMES_FEMALE)
    else:
        middle, given = rng.choice(MIDDLE_NAMES_MALE), rng.choice(GIVEN_NAMES_MALE)
    return f"{surname} {middle} {given}", gender, ethnicity


def phone(rng: random.Random) -> str:
    return rng.choice(("09", "08", "03")) + f"{rng.randrange(10**8):08d}"


def national_id(index: int, *, born: date, gender: str) -> str:
    """A CCCD number: province 020 (Lạng Sơn), gender-and-century digit, year of birth, then six
    digits that are a permutation of the household index (7919 is prime to 10^6), so unique."""
    century_digit = (born.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
    serial = (index * 7919 + 271_828) % 1_000_000
    return f"020{century_digit}{born.year % 100:02d}{serial:06d}"
