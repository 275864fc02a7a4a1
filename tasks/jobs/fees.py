"""Fees and commissions of a month (DOMAIN.md §5): each group's leader commission and
association fee by the rules in force, and their allocation to the group's loans.

The fee is exact Decimal arithmetic once per group and payee, rounded half-up once; the
association fee is split across its levels by largest remainder; each amount is then allocated
to the group's loans in proportion to their base, again by largest remainder (vectorised over
all groups), so loans, groups, associations, offices and programmes all add up.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from core.money import allocate_largest_remainder, round_dong
from loans.reconciliation.models import FeePayment
from programmes.models import FeeRule

LEVELS = FeeRule.LEVELS
# The association of each level, as a column of the reconciliation lines.
ASSOCIATION_COLUMNS = {
    "commune": "association_id",
    "district": "district_association_id",
    "province": "province_association_id",
    "central": "central_association_id",
}


def rules_in_force(on: date) -> dict[str, FeeRule]:
    """The rule of each payee in force on `on` (the latest-starting one, should two overlap)."""
    rules: dict[str, FeeRule] = {}
    for rule in FeeRule.objects.in_force(on):
        rules.setdefault(rule.payee, rule)
    return rules


@dataclass(frozen=True)
class GroupFee:
    """One payee's fee on one group for one month, before any split."""

    base_amount: int
    rate: Decimal  # percent, after the quality multiplier
    reduced: bool
    total: int


def group_fee(rule: FeeRule, *, base_amount: int, outstanding: int, overdue: int) -> GroupFee:
    """base × rate%, the rate multiplied when the group's overdue ratio at month end exceeds the
    threshold; rounded half-up to whole đồng once (DOMAIN.md §5)."""
    threshold = rule.overdue_ratio_threshold
    # overdue / outstanding > threshold%, compared exactly in integers and Decimals.
    reduced = threshold is not None and outstanding > 0 and overdue * 100 > threshold * outstanding
    rate = rule.rate * rule.quality_multiplier if reduced else rule.rate
    return GroupFee(base_amount, rate, reduced, round_dong(Decimal(base_amount) * rate / 100))


BASE_COLUMNS = {
    FeeRule.Base.INTEREST_COLLECTED: "interest_collected",
    FeeRule.Base.OUTSTANDING: "closing_outstanding",
}
FEE_COLUMNS = ["leader_commission", *(f"fee_{level}" for level in LEVELS)]


def apply_fee_rules(
    lines: pd.DataFrame, *, rules: dict[str, FeeRule]
) -> tuple[pd.DataFrame, list[dict]]:
    """Each group's commission and fees (one row per group and payee), and the lines with each
    amount allocated to the group's loans in proportion to their base (largest remainder), so
    groups, associations, offices and programmes all add up to the same totals.

    The fee itself is exact Decimal arithmetic once per group and payee (a loop over groups);
    the allocation to loans is vectorised over all groups at once."""
    lines = lines.assign(**{column: np.zeros(len(lines), dtype="int64") for column in FEE_COLUMNS})
    in_group = lines["savings_group_id"].notna().to_numpy()
    if not in_group.any() or not rules:
        return lines, []
    members = lines[in_group]
    group_codes, group_ids = pd.factorize(members["savings_group_id"], sort=True)
    weights = {
        base: members[column].clip(lower=0).to_numpy(dtype=np.int64)
        for base, column in BASE_COLUMNS.items()
    }
    groups = _group_table(members, group_codes, group_ids, weights)
    fees: list[dict] = []
    for rule in rules.values():
        per_group = {column: np.zeros(len(groups), dtype=np.int64) for column in FEE_COLUMNS}
        for g, group in enumerate(groups):
            fee = group_fee(
                rule,
                base_amount=group["bases"][rule.base],
                outstanding=group["outstanding"],
                overdue=group["overdue"],
            )
            for payee, column, amount in _split(rule, fee.total):
                per_group[column][g] = amount
                fees.append(_fee_row(group, rule, fee, payee, amount))
        for column, amounts in per_group.items():
            if amounts.any():
                lines.loc[in_group, column] += allocate_by_group(
                    amounts, weights[rule.base], group_codes
                )
    return lines, fees


def _group_table(members, group_codes, group_ids, weights) -> list[dict]:
    """Per group: its id, office, month-end outstanding and overdue, each base, and its
    associations by level (from the group's first line: a group's lines share them)."""
    size = len(group_ids)

    def total(values: np.ndarray) -> np.ndarray:
        sums = np.zeros(size, dtype=np.int64)
        np.add.at(sums, group_codes, values)
        return sums

    outstanding = total(members["closing_outstanding"].to_numpy(dtype=np.int64))
    overdue = total(members["overdue_principal"].to_numpy(dtype=np.int64))
    bases = {base: total(values) for base, values in weights.items()}
    first_row = np.zeros(size, dtype=np.int64)
    first_row[group_codes[::-1]] = np.arange(len(group_codes))[::-1]  # first occurrence wins
    first = members.iloc[first_row]
    offices = first["office_id"].to_numpy()
    levels = {
        level: [None if pd.isna(v) else int(v) for v in first[column]]
        for level, column in ASSOCIATION_COLUMNS.items()
    }
    return [
        {
            "savings_group_id": int(group_ids[g]),
            "office_id": int(offices[g]),
            "outstanding": int(outstanding[g]),
            "overdue": int(overdue[g]),
            "bases": {base: int(values[g]) for base, values in bases.items()},
            "associations": {level: ids[g] for level, ids in levels.items()},
        }
        for g in range(size)
    ]


def _fee_row(group: dict, rule: FeeRule, fee: GroupFee, payee: str, amount: int) -> dict:
    return {
        "office_id": group["office_id"],
        "savings_group_id": group["savings_group_id"],
        "payee": payee,
        "association_id": group["associations"].get(payee),
        "rule_id": rule.pk,
        "base_amount": fee.base_amount,
        "group_outstanding": group["outstanding"],
        "group_overdue": group["overdue"],
        "rate": fee.rate,
        "reduced": fee.reduced,
        "total": fee.total,
        "amount": amount,
    }


def _split(rule: FeeRule, total: int) -> list[tuple[str, str, int]]:
    """(payee, line column, amount): the leader takes it whole; an association fee is split
    across the levels with a share, largest remainder first, so the parts add up."""
    if rule.payee == FeeRule.Payee.GROUP_LEADER:
        return [(FeePayment.Payee.GROUP_LEADER, "leader_commission", total)]
    # Shares have two decimals: in hundredths they are exact integer weights.
    weights = [int(share * 100) for share in rule.shares]
    parts = allocate_largest_remainder(total, weights)
    return [
        (level, f"fee_{level}", amount)
        for level, weight, amount in zip(LEVELS, weights, parts, strict=True)
        if weight > 0
    ]


def allocate_by_group(amounts: np.ndarray, weights: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """`allocate_largest_remainder` for many groups at once: each group's amount is split over
    its rows in proportion to their weights, floors first, then one đồng to each of the
    largest remainders (ties: the earlier row), so every group's parts add up exactly.

    amounts: one per group; weights (non-negative) and groups (codes 0..n-1): one per row.
    A group whose weights are all zero gets nothing (its fee, on a zero base, is zero)."""
    total_weight = np.zeros(len(amounts), dtype=np.int64)
    np.add.at(total_weight, groups, weights)
    amount, divisor = amounts[groups], np.maximum(total_weight[groups], 1)
    if len(weights) and int(np.abs(amounts).max()) * int(weights.max()) >= 2**62:
        product = amount.astype(object) * weights.astype(object)  # exact Python ints
    else:
        product = amount * weights
    floors = (product // divisor).astype(np.int64)
    remainders = (product % divisor).astype(np.int64)
    leftover = amounts.astype(np.int64)
    np.subtract.at(leftover, groups, floors)
    # Rows ordered by group, then largest remainder, then position: the first `leftover`
    # rows of each group get one more đồng.
    order = np.lexsort((np.arange(len(weights)), -remainders, groups))
    in_order = groups[order]
    rank = np.arange(len(order)) - np.searchsorted(in_order, in_order, side="left")
    bonus = np.zeros(len(weights), dtype=np.int64)
    bonus[order] = rank < leftover[in_order]
    return floors + bonus
