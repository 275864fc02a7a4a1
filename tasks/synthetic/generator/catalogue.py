"""The active programmes the generator draws loans from, with their rates and loan lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from programmes.models import InterestRate, LoanPurpose, Programme

from .arrays import NEVER, day
from .params import CATEGORIES, MIX_KEYS, PROGRAMME_MIX, TERMS


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
                (rate.household_category, day(rate.effective_from), rate.rate_micro)
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
        return min(general or [day for _, day, _ in self.rates[p]] or [NEVER])

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
