"""Lạng Sơn demo data (`seed_demo`): the real organisation, and synthetic households whose loans
are posted through `loans.services`, so schedules, journal and cached balances always agree.

Everything is deterministic: each transaction point and each household draws from its own
`random.Random` seeded with (seed, natural key), so a rerun rebuilds the same plan, finds the
existing rows by their codes or national IDs and creates nothing; `--borrowers 30` is the first
30 households of the default 2,000.

Modules: organisation (branch, offices, points, units, associations, groups), people (names,
citizen IDs), plans (each household's plan), history (posting it through the services).
"""

from .history import seed_households, system_user
from .organisation import DEFAULT_SEED, seed_organisation
from .plans import DEFAULT_BORROWERS, DEFAULT_MONTHLY_MONTHS, HISTORY_END, behaviour_of

__all__ = [
    "DEFAULT_BORROWERS",
    "DEFAULT_MONTHLY_MONTHS",
    "DEFAULT_SEED",
    "HISTORY_END",
    "behaviour_of",
    "seed_households",
    "seed_organisation",
    "system_user",
]
