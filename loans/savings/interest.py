"""Savings interest, set-based for every account at once (DOMAIN.md §7).

Each day's end-of-day balance, without that day's own interest credit, earns one day at the
rate in force that day, actual/365. The half-year's sum is rounded half-up once. With the rate
in basis points (0.50 %/year -> 50) a day earns balance × bp / (365 × 10,000) đồng, so a
period's interest is round_half_up_div(Σ balance × bp, 3,650,000), exact in integers.

The balance is piecewise constant between the days it changes, and so is the rate: with the
cumulated rate R[d] = Σ bp over the days before d, a balance held from day a to day b (excluded)
contributes balance × (R[b] − R[a]); numpy does this for all accounts' segments at once.
"""

from datetime import date

import numpy as np
import pandas as pd
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.money import round_half_up_div
from programmes.models import SavingsRate

from .errors import SavingsError
from .models import SavingsKind, SavingsTransaction

DENOMINATOR = 365 * 10_000  # days of the year (actual/365) × basis points per unit


def half_year(day: date) -> tuple[date, date]:
    """The half-year (1 Jan–30 Jun or 1 Jul–31 Dec) that contains `day`."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def check_period_end(day: date) -> tuple[date, date]:
    """The half-year ending on `day`, which must be a 30 Jun or a 31 Dec."""
    start, end = half_year(day)
    if day != end:
        raise SavingsError(
            _("Kỳ tính lãi tiền gửi kết thúc ngày 30/06 hoặc 31/12."), field="period_end"
        )
    return start, end


def daily_rates(start: date, through: date) -> np.ndarray:
    """The rate in force each day from `start` through `through`, in basis points."""
    days = (through - start).days + 1
    rates = np.zeros(days, dtype=np.int64)
    earlier = SavingsRate.objects.filter(effective_from__lte=start).order_by("-effective_from")
    first = earlier.first()
    if first is not None:
        rates[:] = first.basis_points
    later = SavingsRate.objects.filter(effective_from__gt=start, effective_from__lte=through)
    for rate in later.order_by("effective_from"):  # a handful of rows, not one per account
        rates[(rate.effective_from - start).days :] = rate.basis_points
    return rates


def _movements(start: date, through: date, account_ids) -> pd.DataFrame:
    """Per account the balance before `start` (day 0) and the net change of each later day
    through `through`, as (account, day, delta); an interest credit counts from its next day."""
    journal = SavingsTransaction.objects.all()
    if account_ids is not None:
        journal = journal.filter(account_id__in=account_ids)
    opening = (
        journal.filter(value_date__lt=start)
        .values("account_id")
        .annotate(delta=Sum("delta"))
        .values_list("account_id", "delta")
    )
    changes = (
        journal.filter(value_date__gte=start, value_date__lte=through)
        .values("account_id", "value_date", "kind")
        .annotate(delta=Sum("delta"))
        .values_list("account_id", "value_date", "kind", "delta")
    )
    frame_open = pd.DataFrame(list(opening), columns=["account", "delta"], dtype="int64")
    frame_open["day"] = 0
    frame = pd.DataFrame(list(changes), columns=["account", "value_date", "kind", "delta"])
    if len(frame):
        day = (pd.to_datetime(frame["value_date"]) - pd.Timestamp(start)).dt.days
        frame["day"] = day + (frame["kind"] == SavingsKind.INTEREST_CREDIT).astype("int64")
    else:
        frame["day"] = pd.Series(dtype="int64")
    frame = frame[["account", "day", "delta"]].astype("int64")
    both = pd.concat([frame_open[["account", "day", "delta"]], frame], ignore_index=True)
    return both.groupby(["account", "day"], as_index=False, sort=True)["delta"].sum()


def interest_between(start: date, through: date, account_ids=None) -> dict[int, int]:
    """Per account the interest earned from `start` through `through`, rounded once; accounts
    that earn nothing are left out. One query for the balances, one for the rates."""
    rates = daily_rates(start, through)
    cumulated = np.concatenate([[0], np.cumsum(rates)]).astype(np.int64)
    moves = _movements(start, through, account_ids)
    moves = moves[moves["day"] < len(rates)]
    if moves.empty:
        return {}
    account = moves["account"].to_numpy()
    day = moves["day"].to_numpy()
    first = np.r_[True, account[1:] != account[:-1]]
    group = np.cumsum(first) - 1
    running = np.cumsum(moves["delta"].to_numpy())
    balance = running - (running - moves["delta"].to_numpy())[first][group]
    # A balance holds until the account's next change, or through the last day.
    following = np.where(np.r_[first[1:], True], len(rates), np.r_[day[1:], len(rates)])
    numerator = balance * (cumulated[following] - cumulated[day])
    sums = np.add.reduceat(numerator, np.flatnonzero(first))
    amounts = round_half_up_div(sums, DENOMINATOR)
    ids = account[first]
    return {int(a): int(v) for a, v in zip(ids, amounts, strict=True) if v > 0}
