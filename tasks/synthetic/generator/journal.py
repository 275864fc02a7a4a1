"""A block's write-offs, freezes, journal and loan rows (the last stage of `Block`).

The journal holds every disbursement and receipt, the write-offs, a few receipts keyed twice
and reversed, and the historical transfers to overdue as the nightly job would have written
them; the loans' cached balances are the journal's totals.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from loans.models import Loan, LoanFreeze, LoanTransaction

from .arrays import DAY_KEY, NEVER, running
from .encoding import Choice
from .params import (
    DISB,
    DUPLICATE_REVERSED,
    INT,
    IWO,
    KINDS,
    PRIN,
    REV,
    SIM,
    STATUSES,
    WO,
    XFER,
)

NOTES = ["", "", "", "", "", "Nhập trùng biên lai", "Chuyển nợ quá hạn tự động"]  # by kind


class Journal:
    """Exceptions, the journal entries and the loans' cached balances."""

    def _exceptions(self) -> None:
        """Write-offs (xóa nợ) of what is still owed, and freezes (khoanh nợ)."""
        ctx, n = self.ctx, self.n
        wo = self.write_off_day < NEVER
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

    def _journal(self) -> None:
        parts, twice = self._journal_parts()
        transfers = self._transfers()
        parts.append((*transfers[:3], XFER))
        loan = np.concatenate([p[0] for p in parts]).astype(np.int64)
        day = np.concatenate([p[1] for p in parts]).astype(np.int64)
        amount = np.concatenate([p[2] for p in parts]).astype(np.int64)
        kind = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
        due = np.full(len(loan), -1)
        due[kind == XFER] = transfers[3]
        # The duplicate (second-to-last part) precedes its reversal (last before transfers).
        seq = np.arange(len(loan))
        dup_start = len(loan) - len(transfers[0]) - 2 * twice
        # Ids in posting order (value date), as a real journal; a copy precedes its reversal.
        order = np.lexsort((seq, loan, kind, day))
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        ids = self.ctx.ids.take(LoanTransaction, len(loan))
        reverses = np.full(len(loan), -1)
        rev_rows = np.arange(dup_start + twice, dup_start + 2 * twice)
        reverses[rev_rows] = ids[position[np.arange(dup_start, dup_start + twice)]]
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
        self.totals = np.zeros((self.n, len(KINDS)), dtype=np.int64)
        np.add.at(self.totals, (loan, kind), amount)

    def _journal_parts(self) -> tuple[list[tuple], int]:
        """(loan, day, amount, kind) of every money entry, the duplicated receipts and their
        reversals last; and how many receipts were keyed twice."""
        n = self.n
        live = np.flatnonzero(self.disbursed)
        t2 = np.flatnonzero(self.tranche2_day <= self.ctx.until)
        wo = np.flatnonzero(self.wo_principal > 0)
        iwo = np.flatnonzero(self.wo_interest > 0)
        parts = [
            (live, self.first_day[live], self.tranche1[live], DISB),
            (t2, self.tranche2_day[t2], self.tranche2[t2], DISB),
            (self.pr_loan, self.pr_day, self.pr_amount, PRIN),
            (self.ip_loan, self.ip_day, self.ip_amount, INT),
            (wo, self.write_off_day[wo], self.wo_principal[wo], WO),
            (iwo, self.write_off_day[iwo], self.wo_interest[iwo], IWO),
        ]
        # A receipt keyed twice, the copy reversed the same day.
        receipts_of = np.bincount(self.ip_loan, minlength=n)
        twice = np.flatnonzero((receipts_of > 0) & (self.rng.random(n) < DUPLICATE_REVERSED))
        firsts = np.searchsorted(self.ip_loan, twice)
        dup_rows = firsts + (self.rng.random(len(twice)) * receipts_of[twice]).astype(np.int64)
        copy = (self.ip_loan[dup_rows], self.ip_day[dup_rows], self.ip_amount[dup_rows])
        parts += [(*copy, INT), (*copy, REV)]
        return parts, len(twice)

    def _transfers(self) -> tuple[np.ndarray, ...]:
        """Chuyển nợ quá hạn, as the nightly job journals it: each instalment's part still
        unpaid at the end of its due date, value-dated the day after, once per due date."""
        s, ctx = self.schedule, self.ctx
        past = s["due"] < ctx.until
        loan, due, amount = s["loan"], s["due"], s["principal"]
        cumulative = running(amount, loan)
        loan, due, amount, cumulative = loan[past], due[past], amount[past], cumulative[past]
        # several instalments on one date (an extension onto another) count once
        key = loan * DAY_KEY + due
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

    def _statuses(self) -> np.ndarray:
        """Each loan's status code (STATUSES) from its journal totals and its freeze."""
        t = self.totals
        outstanding = t[:, DISB] - t[:, PRIN] - t[:, WO]
        status = np.full(self.n, STATUSES.index("active"))
        status[~self.disbursed] = STATUSES.index("approved")
        status[self.freeze_now] = STATUSES.index("frozen")
        status[(outstanding == 0) & self.disbursed] = STATUSES.index("closed")
        status[(t[:, WO] > 0) & (outstanding == 0)] = STATUSES.index("written_off")
        return status

    def _loan_rows(self) -> None:
        cat = self.ctx.catalogue
        needs_list = cat.needs_list[self.programme]
        micros, rate_code = np.unique(self.rate, return_inverse=True)
        rate_labels = [None, *(Decimal(int(m)) / 10000 for m in micros)]
        self.tables[Loan] = (
            self.n,
            {
                "id": self.ids,
                "contract_number": [f"{SIM}-{i:09d}" for i in self.ids.tolist()],
                **self._placement(),
                "approved_amount": self.amount,
                "term_months": self.term,
                "grace_months": self.grace,
                "principal_frequency_months": self.frequency,
                "due_day": self.due_day,
                "approved_on": ("date", self.approved_on),
                "approved_list_ref": Choice(
                    needs_list.astype(np.int64), ["", "QĐ 456/QĐ-UBND phê duyệt danh sách"]
                ),
                "approved_list_date": (
                    "date",
                    np.ma.masked_array(self.approved_on - 30, mask=~needs_list),
                ),
                "contract_rate": Choice(np.where(self.disbursed, rate_code + 1, 0), rate_labels),
                "first_disbursed_on": (
                    "date",
                    np.ma.masked_array(self.first_day, mask=~self.disbursed),
                ),
                "status": Choice(self._statuses(), STATUSES),
                **self._balances(),
                "created_at": self.ctx.now,
                "created_by_id": None,
            },
        )

    def _placement(self) -> dict[str, np.ndarray]:
        """Household, programme and loan line; group (entrusted loans only), point, office."""
        cat, org, g = self.ctx.catalogue, self.ctx.org, self.hh_group[self.household]
        entrusted = self.programme != (cat.codes.index("NOXH") if "NOXH" in cat.codes else -1)
        return {
            "borrower_id": self.borrower_ids[self.household],
            "programme_id": cat.ids[self.programme],
            "purpose_id": np.ma.masked_array(self.purpose, mask=self.purpose < 0),
            "savings_group_id": np.ma.masked_array(org.group_ids[g], mask=~entrusted),
            "transaction_point_id": org.point_ids[g],
            "office_id": org.office_ids[g],
        }

    def _balances(self) -> dict[str, np.ndarray]:
        """The cached balances: the journal's totals (a reversed receipt nets out)."""
        t = self.totals
        return {
            "disbursed_total": t[:, DISB],
            "principal_repaid_total": t[:, PRIN],
            "written_off_total": t[:, WO],
            "outstanding_principal": t[:, DISB] - t[:, PRIN] - t[:, WO],
            "interest_paid_total": t[:, INT] - self._reversed_interest(),
            "interest_written_off_total": t[:, IWO],
        }

    def _reversed_interest(self) -> np.ndarray:
        j = self.journal
        rev = j["kind"] == REV
        return np.bincount(j["loan"][rev], weights=j["amount"][rev], minlength=self.n).astype(
            np.int64
        )

    def journal_values(self) -> dict:
        """The block's journal in posting order (by value date): a loan's entries are spread
        over the table as in a real journal, not clustered."""
        j, ids, org = self.journal, self.ids, self.ctx.org
        reverses = j["reverses"]
        g = self.hh_group[self.household][j["loan"]]
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
            "note": Choice(j["kind"], NOTES),
            "posted_at": ("day_time", j["value_date"], 2 * 3600),  # 09:00 in Hà Nội
            "posted_by_id": None,
        }
