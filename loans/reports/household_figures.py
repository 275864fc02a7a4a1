"""Per-household figures an app above the reports adds to the portfolio report, such as the
members' savings (loans.savings registers them in its ready(); the reports import nothing of
it, like collection_list.MEMBER_FIGURES).

A provider gives its measures and, as of the report date, a queryset with one row per account
of a household (the household reached through `household`, e.g. "borrower__"), and the
aggregates of its measures over those rows. The portfolio groups those rows by the report's
groupings, read on the household (its office, point, group, commune, association, ethnicity,
category as recorded now), in one GROUP BY query per provider, and merges them with the loans'
figures: a group with savings and no loan owing shows as a row with zero loans.

Savings belong to a household, not to a loan line: grouped by programme or loan line, or
filtered on a programme (Decree 28), the portfolio leaves these figures out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from django.db.models import F, QuerySet

from .dimensions import Dimension, add_keys
from .params import ReportFilters
from .result import Measure, merge_groups
from .source import grouped

# Groupings (and filters) that belong to a loan, not to a household.
LOAN_ONLY = ("programme", "loan_line")


@dataclass(frozen=True)
class HouseholdFigures:
    """A provider's measures, its rows as of a date and the aggregates of its measures."""

    measures: tuple[Measure, ...]
    rows: Callable[[date], QuerySet]
    aggregates: Callable[[], dict[str, Any]]
    household: str = "borrower__"


PORTFOLIO_FIGURES: list[HouseholdFigures] = []


def applies(filters: ReportFilters, dims: list[Dimension]) -> bool:
    """Whether the household figures have a meaning for this grouping and these filters."""
    loan_only = any(dim.key in LOAN_ONLY for dim in dims)
    return not (loan_only or filters.programme is not None or filters.decree_28_only)


def _exprs(dims: list[Dimension], household: str) -> dict[str, object]:
    """The groupings' expressions on the household: a loan's path `borrower__x` is the
    household's own `x`; the others (office, point, group, ...) the household has as well."""
    exprs: dict[str, object] = {}
    for dim in dims:
        if dim.columns[0].startswith("borrower__"):
            exprs[dim.aliases()[0]] = F(household + dim.columns[0].removeprefix("borrower__"))
        else:
            exprs |= dim.exprs(household)
    return exprs


def with_household_figures(
    frame: pd.DataFrame, *, as_of: date, filters: ReportFilters, dims: list[Dimension]
) -> tuple[pd.DataFrame, list[Measure]]:
    """The portfolio's frame merged with every provider's figures per group, and the measures
    added; the frame unchanged (and no measure) where they do not apply."""
    if not PORTFOLIO_FIGURES or not applies(filters, dims):
        return frame, []
    keys = [dim.key for dim in dims]
    parts: list[pd.DataFrame] = [frame]
    measures: list[Measure] = []
    for provider in PORTFOLIO_FIGURES:
        rows = provider.rows(as_of).filter(filters.q(provider.household))
        figures = grouped(rows, _exprs(dims, provider.household), provider.aggregates())
        parts.append(add_keys(figures, dims))
        measures += provider.measures
    return merge_groups(parts, keys), measures
