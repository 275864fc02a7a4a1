"""A block's households and their loans' terms (the first stage of `Block`).

Sets, per household: hh_group, hh_category, hh_ethnicity, borrower_ids (and the Borrower
rows); per loan: household, programme, amount, term, grace, frequency, due_day, purpose,
first_day, first_month, disbursed, approved_on, category, ids, rate.
The draws follow a fixed order, so one seed always gives the same portfolio.
"""

from __future__ import annotations

import numpy as np

from borrowers import reference_data as ref
from borrowers.models import Borrower
from core.text import fold
from loans.models import Loan

from .arrays import NEVER, month_of, on_day
from .encoding import Choice
from .organisation import names
from .params import (
    CATEGORIES,
    CATEGORY_WEIGHTS,
    FREQUENCIES,
    FREQUENCY_WEIGHTS,
    HISTORY_YEARS,
    LOANS_PER_HOUSEHOLD,
    NOT_DISBURSED,
    PROVINCE_CODES,
    RECENCY_MONTHS,
    TERMS,
    M,
)

ETHNIC_NAMES = [name for name, _ in ref.ETHNIC_MIX_LANG_SON]


class People:
    """Households (Borrower rows) and the terms of their loans."""

    def _households(self) -> None:
        rng, ctx = self.rng, self.ctx
        per = np.array(list(LOANS_PER_HOUSEHOLD.values()))
        choices, p = np.array(list(LOANS_PER_HOUSEHOLD)), per / per.sum()
        if self.households is not None:  # so many households, with however many loans
            h = self.households
            counts = rng.choice(choices, size=h, p=p)
            self.n = int(counts.sum())
        else:  # so many loans, in as many households as they come to
            counts = rng.choice(choices, size=self.n, p=p)
            h = int(np.searchsorted(np.cumsum(counts), self.n)) + 1
            counts = counts[:h]
            counts[-1] -= int(counts.sum()) - self.n
        self.household = np.repeat(np.arange(h), counts)  # per loan
        group = rng.integers(len(ctx.org.group_ids), size=h)
        category = rng.choice(len(CATEGORIES), size=h, p=np.array(CATEGORY_WEIGHTS) / 100)
        weights = np.array([w for _, w in ref.ETHNIC_MIX_LANG_SON])
        ethnicity = rng.choice(len(ETHNIC_NAMES), size=h, p=weights / weights.sum())
        female = rng.random(h) < 0.55
        born = ctx.until - rng.integers(20 * 365, 70 * 365, size=h)
        self.hh_group, self.hh_category, self.hh_ethnicity = group, category, ethnicity
        self.borrower_ids = ctx.ids.take(Borrower, h)
        self.tables[Borrower] = (h, self._borrower_rows(female, born))

    def _borrower_rows(self, female: np.ndarray, born: np.ndarray) -> dict:
        rng, ctx, org, ids = self.rng, self.ctx, self.ctx.org, self.borrower_ids
        group, h = self.hh_group, len(ids)
        province = np.array(PROVINCE_CODES)[(ids // 1_000_000) % len(PROVINCE_CODES)]
        born_year = born.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        century_sex = (born_year // 100 - 19) * 2 + female
        listed = self.hh_category < 3
        full_names = names(rng, h, female)
        folded = {name: fold(name) for name in set(full_names)}  # few distinct names
        return {
            "id": ids,
            "full_name": full_names,
            "full_name_folded": [folded[name] for name in full_names],
            "national_id": _national_ids(province, century_sex, born_year, ids),
            "date_of_birth": ("date", born),
            "gender": Choice(female.astype(np.int64), ["male", "female"]),
            "ethnicity": Choice(self.hh_ethnicity, ETHNIC_NAMES),
            "household_category": Choice(self.hh_category, list(CATEGORIES)),
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
            "is_active": True,
            "created_at": ctx.now,
        }

    def _loans(self) -> None:
        rng, n, cat = self.rng, self.n, self.ctx.catalogue
        category = self.hh_category[self.household]
        minority = self.hh_ethnicity[self.household] != ETHNIC_NAMES.index("Kinh")
        key = np.where(category == 0, np.where(minority, 0, 1), category + 1)
        programme = (rng.random(n)[:, None] > cat.mix()[key]).sum(axis=1)
        programme = np.minimum(programme, len(cat.codes) - 1)
        amount, term, grace, purpose, earliest = self._terms(programme)
        self.frequency = rng.choice(FREQUENCIES, size=n, p=np.array(FREQUENCY_WEIGHTS) / 100)
        self.due_day = self.ctx.org.session_day[self.hh_group[self.household]]
        self.programme, self.amount, self.term, self.grace = programme, amount, term, grace
        self.purpose, self.category = purpose, category
        self._first_disbursements(earliest)
        self.ids = self.ctx.ids.take(Loan, n)
        self.rate = self._contract_rates()

    def _terms(self, programme: np.ndarray) -> tuple[np.ndarray, ...]:
        """Amount, term, grace, loan line and earliest first disbursement of each loan, drawn
        from its programme's terms within the programme's caps."""
        rng, n, cat = self.rng, self.n, self.ctx.catalogue
        amount, term, grace = (np.zeros(n, dtype=np.int64) for _ in range(3))
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
        return amount, term, np.minimum(grace, term - 1), purpose, earliest

    def _first_disbursements(self, earliest: np.ndarray) -> None:
        """First disbursement on a session day, ages exponential, within 10 years and the
        programme's rates; a few loans approved and still waiting for their session."""
        rng, ctx, n, due_day = self.rng, self.ctx, self.n, self.due_day
        first = np.maximum(earliest, ctx.until - HISTORY_YEARS * 3652 // 10)
        span = np.maximum(month_of(ctx.until) - month_of(first), 0)
        u = rng.random(n)
        age = -RECENCY_MONTHS * np.log1p(-u * (1 - np.exp(-(span + 1) / RECENCY_MONTHS)))
        month = month_of(ctx.until) - np.minimum(age.astype(np.int64), span)
        month = np.where(on_day(month, due_day) > ctx.until, month - 1, month)
        month = np.where(on_day(month, due_day) < first, month + 1, month)
        disbursed_on = on_day(month, due_day)
        waiting = (rng.random(n) < NOT_DISBURSED) | (disbursed_on > ctx.until)
        self.approved_on = np.where(
            waiting, ctx.until - rng.integers(0, 45, size=n), disbursed_on - rng.integers(7, 31, n)
        )
        self.first_day = np.where(waiting, NEVER, disbursed_on)
        self.first_month = month_of(np.where(waiting, ctx.until, disbursed_on))
        self.disbursed = ~waiting

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


def _national_ids(
    province: np.ndarray, century_sex: np.ndarray, born_year: np.ndarray, ids: np.ndarray
) -> list[str]:
    """Twelve digits: province, century and sex, year of birth, a serial (the borrower's id)."""
    columns = (province.tolist(), century_sex.tolist(), born_year.tolist(), ids.tolist())
    return [
        f"{p:03d}{c}{y % 100:02d}{i % 1_000_000:06d}" for p, c, y, i in zip(*columns, strict=True)
    ]
