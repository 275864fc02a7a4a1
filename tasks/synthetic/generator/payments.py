"""Who pays what, when (the third stage of `Block`): behaviour, principal and interest receipts.

Sets stop_day, principal_stop, freeze_start, frozen, write_off_day; the interest periods
(p_loan, p_start, p_due, p_head, p_pay_day, p_paid, p_target, period_count); early repayments;
the principal receipts (pr_loan, pr_day, pr_amount), repaid, disbursed_total, closed_day; the
interest receipts (ip_loan, ip_day, ip_amount) and unpaid_interest.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from loans import positions as engine

from .arrays import DAY_KEY, NEVER, as_dates, month_of, on_day, receipts, running, within
from .params import (
    CAUGHT_UP,
    FROZEN_OF_STOPPED,
    INTEREST_ONLY,
    LATE,
    MISSED,
    PREPAY,
    RATE_DIVISOR,
    STOPPED,
    WRITTEN_OFF_OF_STOPPED,
    M,
)


class Payments:
    """Behaviour and the receipts it leads to."""

    def _behaviour(self) -> None:
        self._stops()
        self._periods()
        self._sessions()
        self._prepayments()

    def _stops(self) -> None:
        """Who stops paying (and when), pays only interest, is frozen or written off."""
        rng, ctx, n = self.rng, self.ctx, self.n
        live = self.disbursed
        room = ctx.until - (self.first_day + 45)
        late_in_life = ctx.until - (
            rng.exponential(365, size=n).astype(np.int64) % np.maximum(room, 1)
        )
        stopped = live & (rng.random(n) < STOPPED) & (room > 0)
        self.stop_day = np.where(stopped, late_in_life, NEVER)
        only_interest = live & ~stopped & (rng.random(n) < INTEREST_ONLY) & (room > 0)
        self.principal_stop = np.where(only_interest, late_in_life, self.stop_day)
        frozen = stopped & (rng.random(n) < FROZEN_OF_STOPPED)
        self.freeze_start = np.where(frozen, self.stop_day + rng.integers(30, 150, size=n), NEVER)
        frozen &= self.freeze_start <= ctx.until
        self.freeze_start[~frozen] = NEVER
        self.frozen = frozen
        write_off = stopped & ~frozen & (rng.random(n) < WRITTEN_OFF_OF_STOPPED)
        self.write_off_day = np.where(
            write_off, self.stop_day + rng.integers(365, 1000, size=n), NEVER
        )
        self.write_off_day[self.write_off_day > ctx.until] = NEVER

    def _periods(self) -> None:
        """Interest periods: due dates D_1..D_K on or before the end of history."""
        ctx, n = self.ctx, self.n
        um = month_of(ctx.until)
        k = um - self.first_month - (on_day(um, self.due_day) > ctx.until)
        k = np.where(self.disbursed, np.maximum(k, 0), 0)
        self.period_count = k
        loan = np.repeat(np.arange(n), k)
        kk = within(k) + 1
        self.p_loan = loan
        self.p_due = on_day(self.first_month[loan] + kk, self.due_day[loan])
        self.p_start = np.where(
            kk == 1,
            self.first_day[loan],
            on_day(self.first_month[loan] + kk - 1, self.due_day[loan]),
        )
        self.p_head = np.cumsum(k) - k

    def _sessions(self) -> None:
        """Each period paid at its session, some late; a missed one paid at the next, or never."""
        rng, ctx, loan = self.rng, self.ctx, self.p_loan
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
        next_ok = np.r_[loan[1:] == loan[:-1], False]
        caught = missed & (rng.random(len(loan)) < CAUGHT_UP) & next_ok
        target = np.arange(len(loan)) + caught
        self.p_target = np.where(~missed | caught, target, -1)
        valid = self.p_target >= 0
        valid[valid] = self.p_paid[self.p_target[valid]]
        self.p_target[~valid] = -1

    def _prepayments(self) -> None:
        """Principal paid early at a session after the last tranche; 40% settle in full."""
        rng, n, k = self.rng, self.n, self.period_count
        prepay = self.disbursed & (rng.random(n) < PREPAY) & (k > 3) & (self.stop_day == NEVER)
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
        k = month_of(due) - self.first_month[loan]
        row = self.p_head[loan] + k - 1
        known = (due <= ctx.until) & (k <= self.period_count[loan])
        target = np.full(len(loan), -1)
        target[known] = self.p_target[row[known]]
        paid = (target >= 0) & (due < self.principal_stop[loan])
        pre = self.prepay_row >= 0
        pay_loan = np.r_[loan[paid], np.flatnonzero(pre)]
        pay_day = np.r_[self.p_pay_day[target[paid]], self.p_due[self.prepay_row[pre]]]
        pay_amount = np.r_[amount[paid], self.prepay_amount[pre]]
        keep = (pay_day >= self.tranche2_day[pay_loan]) | (self.tranche2_day[pay_loan] == NEVER)
        pay_loan, pay_day, pay_amount = receipts(pay_loan[keep], pay_day[keep], pay_amount[keep])
        disbursed = self.tranche1 + np.where(self.tranche2_day <= ctx.until, self.tranche2, 0)
        self.disbursed_total = disbursed
        before = running(pay_amount, pay_loan) - pay_amount
        pay_amount = np.clip(disbursed[pay_loan] - before, 0, pay_amount)
        keep = pay_amount > 0
        self.pr_loan, self.pr_day, self.pr_amount = pay_loan[keep], pay_day[keep], pay_amount[keep]
        repaid = np.bincount(self.pr_loan, weights=self.pr_amount, minlength=self.n)
        self.repaid = np.rint(repaid).astype(np.int64)
        self._closings()

    def _closings(self) -> None:
        """A loan that repaid all it was disbursed closes on its last principal receipt."""
        done = (self.repaid == self.disbursed_total) & self.disbursed
        self.closed_day = np.full(self.n, NEVER)
        last = (
            np.flatnonzero(np.r_[self.pr_loan[1:] != self.pr_loan[:-1], True])
            if len(self.pr_loan)
            else np.arange(0)
        )
        ends = np.full(self.n, NEVER)
        ends[self.pr_loan[last]] = self.pr_day[last]
        self.closed_day[done] = ends[done]
        # Written off only if still owing then.
        self.write_off_day[self.closed_day < self.write_off_day] = NEVER

    def _paid_by(self, loan: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Principal repaid by each loan with a value date on or before each day."""
        key = self.pr_loan * DAY_KEY + self.pr_day
        cumulative = np.r_[0, np.cumsum(self.pr_amount)]
        base = np.searchsorted(key, loan * DAY_KEY, side="left")
        upto = np.searchsorted(key, loan * DAY_KEY + day, side="right")
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
        closes = alive & (self.p_due > closing) & (closing < NEVER)
        target[closes] = np.flatnonzero(closes)
        ok = alive & (target >= 0)
        pay_day = np.where(closes, closing, self.p_pay_day[np.maximum(target, 0)])
        pay_day = np.minimum(pay_day, closing)
        ok &= (pay_day <= ctx.until) & (pay_day < self.write_off_day[loan]) & (self.p_interest > 0)
        self.ip_loan, self.ip_day, self.ip_amount = receipts(
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
        closed = np.flatnonzero(self.closed_day < NEVER)
        if not len(closed):
            return
        positions = self._closed_positions(closed)
        owed = (
            positions["interest_due"]
            + positions["interest_accrued_not_due"]
            - positions["interest_paid"]
        ).to_numpy()
        top = owed > 0
        self.ip_loan, self.ip_day, self.ip_amount = receipts(
            np.r_[self.ip_loan, closed[top]],
            np.r_[self.ip_day, self.closed_day[closed[top]]],
            np.r_[self.ip_amount, owed[top]],
        )

    def _closed_positions(self, closed: np.ndarray) -> pd.DataFrame:
        """The engine's positions of the closed loans at the end of history, from the
        block's own arrays (nothing is in the database yet)."""
        year_days = self.ctx.catalogue.year_days[self.programme[closed]]
        no_freezes = {"loan_id": np.arange(0), "start": as_dates(np.arange(0))}
        return engine.compute_positions(
            as_of=date(1970, 1, 1) + timedelta(days=int(self.ctx.until)),
            loans=pd.DataFrame(
                {
                    "loan_id": closed,
                    "first_disbursed_on": as_dates(self.first_day[closed]),
                    "due_day": self.due_day[closed],
                    "day_count": np.where(year_days == 360, "month30", "act365"),
                }
            ),
            instalments=self._closed_instalments(closed),
            transactions=pd.DataFrame(self._closed_transactions(closed)),
            rates=pd.DataFrame(
                {
                    "loan_id": closed,
                    "effective_from": as_dates(self.first_day[closed]),
                    "rate_micro": self.rate[closed],
                }
            ),
            freezes=pd.DataFrame({**no_freezes, "end": as_dates(np.arange(0))}),
        )

    def _closed_instalments(self, closed: np.ndarray) -> pd.DataFrame:
        inside = np.zeros(self.n, dtype=bool)
        inside[closed] = True
        s = self.schedule
        rows = inside[s["loan"]]
        return pd.DataFrame(
            {
                "loan_id": s["loan"][rows],
                "due_date": as_dates(s["due"][rows]),
                "principal": s["principal"][rows],
            }
        )

    def _closed_transactions(self, closed: np.ndarray) -> dict[str, np.ndarray]:
        """The closed loans' disbursements and receipts so far, as the engine reads them."""
        inside = np.zeros(self.n, dtype=bool)
        inside[closed] = True
        pr, ip = inside[self.pr_loan], inside[self.ip_loan]
        t2 = closed[self.tranche2_day[closed] <= self.ctx.until]
        days = [self.first_day[closed], self.tranche2_day[t2], self.pr_day[pr], self.ip_day[ip]]
        return {
            "loan_id": np.r_[closed, t2, self.pr_loan[pr], self.ip_loan[ip]],
            "value_date": as_dates(np.concatenate(days)),
            "kind": np.r_[
                np.full(len(closed) + len(t2), "disbursement", dtype=object),
                np.full(int(pr.sum()), "principal_repayment", dtype=object),
                np.full(int(ip.sum()), "interest_payment", dtype=object),
            ],
            "amount": np.r_[
                self.tranche1[closed], self.tranche2[t2], self.pr_amount[pr], self.ip_amount[ip]
            ],
        }
