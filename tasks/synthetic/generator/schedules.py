"""A block's principal schedules: versions and instalments (the second stage of `Block`).

Exactly as loans.positions.build_schedule/spread_tranche and services.extend_due_date write
them (the tests check it): the first tranche's schedule, a second tranche spread over the
instalments after it, an extension (gia hạn nợ) moving one instalment already due.
Sets tranche1, tranche2, tranche2_day and `schedule` (the final one: loan, due, principal).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from loans.models import Instalment, ScheduleVersion

from .arrays import NEVER, month_of, on_day, split_in_thousands, within
from .encoding import Choice
from .params import EXTENDED, REASONS, TWO_TRANCHES, M


class Schedules:
    """Schedule versions and their instalments."""

    def _schedules(self) -> None:
        live = np.flatnonzero(self.disbursed)
        term, grace, freq = self.term[live], self.grace[live], self.frequency[live]
        count = np.where(term - grace - freq > 0, -(-(term - grace - freq) // freq), 0) + 1
        loan = np.repeat(live, count)
        j = within(count)
        last = j == np.repeat(count, count) - 1
        offset = np.where(
            last,
            np.repeat(term, count),
            np.repeat(grace + freq, count) + j * np.repeat(freq, count),
        )
        due = on_day(self.first_month[loan] + offset, self.due_day[loan])
        spread, second_on = self._tranches(live, offset[np.cumsum(count) - count])
        principal = split_in_thousands(self.tranche1[live], count)
        versions = [(loan, due, principal, np.repeat(self.first_day[live], count), "disbursement")]
        # later tranche: spread over the instalments after it (here: all of them)
        rows = np.repeat(spread, count)
        v2_principal = principal[rows] + split_in_thousands(
            self.tranche2[live[spread]], count[spread]
        )
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

    def _tranches(self, live: np.ndarray, first_offset: np.ndarray) -> tuple[np.ndarray, ...]:
        """Two tranches for some loans: the second 2-3 sessions after the first, before any
        instalment falls due (30% of loans with a grace period: houses built in two stages).
        Returns which live loans had their second tranche by the end of history, and when."""
        rng, ctx, n = self.rng, self.ctx, self.n
        share = np.where(self.grace[live] > 0, 0.3, TWO_TRANCHES)
        second = (
            (rng.random(len(live)) < share) & (first_offset >= 4) & (self.amount[live] >= 2 * M)
        )
        lag = rng.integers(2, 4, size=len(live))
        second_on = on_day(self.first_month[live] + lag, self.due_day[live])
        first_amount = np.where(second, self.amount[live] * 6 // 10 // M * M, self.amount[live])
        self.tranche2_day = np.full(n, NEVER)
        self.tranche2_day[live[second]] = second_on[second]
        self.tranche2 = np.zeros(n, dtype=np.int64)
        self.tranche2[live[second]] = self.amount[live[second]] - first_amount[second]
        self.tranche1 = np.zeros(n, dtype=np.int64)
        self.tranche1[live] = first_amount
        spread = second & (second_on <= ctx.until)
        self.tranche2_day[live[second & ~spread]] = NEVER  # approved, not yet disbursed
        return spread, second_on

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
        new = on_day(month_of(old) + months, self.due_day[loan[row]])
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
        """The ScheduleVersion and Instalment rows of every version, numbered per loan."""
        ids_of = self.ctx.ids
        v, i = defaultdict(list), defaultdict(list)
        number = np.zeros(self.n, dtype=np.int64)
        for loan, due, principal, effective, reason in versions:
            if not len(loan):
                continue
            heads = np.flatnonzero(np.r_[True, loan[1:] != loan[:-1]])
            counts = np.diff(np.r_[heads, len(loan)])
            owners = loan[heads]
            number[owners] += 1
            ids = ids_of.take(ScheduleVersion, len(owners))
            v["id"].append(ids)
            v["loan"].append(owners)
            v["number"].append(number[owners])
            v["from"].append(effective[heads])
            v["reason"].append(np.full(len(owners), REASONS.index(reason)))
            i["version"].append(np.repeat(ids, counts))
            i["loan"].append(loan)
            i["seq"].append(within(counts) + 1)
            i["due"].append(due)
            i["principal"].append(principal)
        v, i = ({k: np.concatenate(a) for k, a in d.items()} for d in (v, i))
        self.tables[ScheduleVersion] = (len(v["id"]), self._version_rows(v))
        self.tables[Instalment] = (
            len(i["loan"]),
            {
                "id": ids_of.take(Instalment, len(i["loan"])),
                "version_id": i["version"],
                "loan_id": self.ids[i["loan"]],
                "seq": i["seq"],
                "due_date": ("date", i["due"]),
                "principal": i["principal"],
            },
        )

    def _version_rows(self, v: dict[str, np.ndarray]) -> dict:
        return {
            "id": v["id"],
            "loan_id": self.ids[v["loan"]],
            "number": v["number"],
            "effective_from": ("date", v["from"]),
            "reason": Choice(v["reason"], REASONS),
            "note": "",
            # Written on the day it took effect, like the journal: history, not "now"
            # (a report then trusts a snapshot taken right after generating).
            "created_at": ("day_time", v["from"], 2 * 3600),
            "created_by_id": None,
        }
