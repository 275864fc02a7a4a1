"""What a report can group by and filter on, each defined once on `Loan` and reused from the
snapshot table, the journal and the loans themselves (with the ORM prefix that leads to a loan).

A grouping is one or more SQL columns whose combination partitions the loans exactly as the
grouping does, so a database GROUP BY and a pandas groupby over the same columns agree, and a
distinct count (households) per group is right in both.

The 2025 commune merger: a transaction point keeps its old area, so its `commune` is the former
commune (xã cũ); the current commune (xã mới) is the end of that unit's successor chain.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from borrowers.models import (
    AdministrativeUnit,
    Association,
    HouseholdCategory,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from programmes.models import LoanPurpose, Programme

UNKNOWN_NAME = gettext_noop("Không xác định")
# The headings of the code columns (result.Report.table: "Mã " + the label, lower case).
CODE_HEADINGS = [gettext_noop("Mã chương trình"), gettext_noop("Mã dòng vay")]
# Successor links followed for the current commune; DOMAIN.md: chains are short (one merger).
SUCCESSOR_DEPTH = 3
# Association levels below the central one: commune -> district -> province -> central.
ASSOCIATION_DEPTH = 4


@dataclass(frozen=True)
class Dimension:
    """A grouping of a report: its JSON key, Vietnamese heading and where its value lives."""

    key: str
    label: str
    columns: tuple[str, ...]  # ORM paths from Loan; grouped together
    numeric: bool = True  # an id (missing -> 0) or a code (missing -> "")
    name_key: str | None = None  # the JSON key of the readable name
    names: Callable[[list], dict] | None = field(default=None, compare=False)
    # Combine the columns into the key (default: the only column).
    compose: Callable[[pd.DataFrame, list[str]], pd.Series] | None = field(
        default=None, compare=False
    )

    def exprs(self, prefix: str) -> dict[str, object]:
        """The SELECT/GROUP BY expressions of this grouping, aliased `g_<key>_<i>`."""
        if self.key == "commune":
            chain = [
                "transaction_point__commune" + "__successor" * depth + "_id"
                for depth in range(SUCCESSOR_DEPTH, -1, -1)
            ]
            return {self._alias(0): Coalesce(*(F(prefix + path) for path in chain))}
        return {self._alias(i): F(prefix + path) for i, path in enumerate(self.columns)}

    def aliases(self) -> list[str]:
        return [self._alias(i) for i in range(len(self.columns))]

    def _alias(self, i: int) -> str:
        return f"g_{self.key}_{i}"

    def key_values(self, frame: pd.DataFrame) -> pd.Series:
        """The grouping's value per row, with a missing value as 0 (ids) or "" (codes)."""
        aliases = self.aliases()
        values = frame[aliases[0]] if self.compose is None else self.compose(frame, aliases)
        if self.numeric:
            return pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
        return values.astype(object).where(values.notna(), "").astype(str)

    def name_map(self, values: Iterable) -> dict:
        present = [v for v in set(values) if v not in (0, "")]
        return self.names(present) if self.names and present else {}


def _pairs(queryset, key: str, name: str = "name") -> Callable[[list], dict]:
    def lookup(values: list) -> dict:
        return dict(queryset().filter(**{f"{key}__in": values}).values_list(key, name))

    return lookup


def _loan_line_key(frame: pd.DataFrame, aliases: list[str]) -> pd.Series:
    programme, purpose = frame[aliases[0]].astype(str), frame[aliases[1]]
    with_purpose = purpose.notna() & (purpose.astype(object) != "")
    return programme.where(~with_purpose, programme + "/" + purpose.astype(str))


def _loan_line_names(values: list) -> dict:
    names = dict(
        Programme.objects.filter(code__in={v.split("/")[0] for v in values}).values_list(
            "code", "name"
        )
    )
    for code, purpose, name in LoanPurpose.objects.filter(
        programme__code__in=list(names)
    ).values_list("programme__code", "code", "name"):
        names[f"{code}/{purpose}"] = f"{names[code]}: {name}"
    return {v: names.get(v, v) for v in values}


def _category_names(values: list) -> dict:
    labels = dict(HouseholdCategory.choices)
    return {v: str(labels.get(v, v)) for v in values}


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in [
        Dimension(
            "programme",
            gettext_noop("Chương trình"),
            ("programme__code",),
            numeric=False,
            name_key="programme_name",
            names=_pairs(Programme.objects.all, "code"),
        ),
        Dimension(
            "loan_line",
            gettext_noop("Dòng vay"),
            ("programme__code", "purpose__code"),
            numeric=False,
            name_key="loan_line_name",
            names=_loan_line_names,
            compose=_loan_line_key,
        ),
        Dimension(
            "office",
            gettext_noop("Phòng giao dịch"),
            ("office_id",),
            name_key="office_name",
            names=_pairs(TransactionOffice.objects.all, "id"),
        ),
        Dimension(
            "transaction_point",
            gettext_noop("Điểm giao dịch"),
            ("transaction_point_id",),
            name_key="transaction_point_name",
            names=_pairs(TransactionPoint.objects.all, "id"),
        ),
        Dimension(
            "commune",
            gettext_noop("Xã/phường (hiện nay)"),
            ("transaction_point__commune_id",),  # + its successors, see Dimension.exprs
            name_key="commune_name",
            names=_pairs(AdministrativeUnit.objects.all, "id"),
        ),
        Dimension(
            "former_commune",
            gettext_noop("Xã cũ (trước 01/7/2025)"),
            ("transaction_point__commune_id",),
            name_key="former_commune_name",
            names=_pairs(AdministrativeUnit.objects.all, "id"),
        ),
        Dimension(
            "association",
            gettext_noop("Hội đoàn thể nhận ủy thác"),
            ("savings_group__association_id",),
            name_key="association_name",
            names=_pairs(Association.objects.all, "id"),
        ),
        Dimension(
            "savings_group",
            gettext_noop("Tổ TK&VV"),
            ("savings_group_id",),
            name_key="savings_group_name",
            names=_pairs(SavingsGroup.objects.all, "id"),
        ),
        Dimension("ethnicity", gettext_noop("Dân tộc"), ("borrower__ethnicity",), numeric=False),
        Dimension(
            "household_category",
            gettext_noop("Loại hộ"),
            ("borrower__household_category",),
            numeric=False,
            name_key="household_category_name",
            names=_category_names,
        ),
    ]
}
GROUPINGS = tuple(DIMENSIONS)


def dimensions(names: Iterable[str]) -> list[Dimension]:
    return [DIMENSIONS[name] for name in names]


# Columns the snapshot and the journal carry themselves (copied from the loan when written,
# and a loan never changes office or programme): grouping by them needs no join with the loan.
SNAPSHOT_COLUMNS = {"office": "office_id", "programme": "programme__code"}
JOURNAL_COLUMNS = {"office": "office_id"}


def group_exprs(
    dims: list[Dimension], prefix: str, own: dict[str, str] | None = None
) -> dict[str, object]:
    """The GROUP BY expressions of `dims` on a model reaching the loan through `prefix`, using
    the model's `own` copy of a column where it has one."""
    exprs: dict[str, object] = {}
    for dim in dims:
        if own and dim.key in own:
            exprs[dim.aliases()[0]] = F(own[dim.key])
        else:
            exprs |= dim.exprs(prefix)
    return exprs


def add_keys(frame: pd.DataFrame, dims: list[Dimension]) -> pd.DataFrame:
    """Replace the aliased SQL columns by one normalised key column per grouping."""
    aliases = [alias for dim in dims for alias in dim.aliases()]
    keys = {dim.key: dim.key_values(frame) for dim in dims}
    return frame.drop(columns=aliases).assign(**keys)


# --- filters -----------------------------------------------------------------------------


def association_q(association_id: int, prefix: str) -> Q:
    """Loans of groups managed by the association or by one below it (a district association
    covers its communes' associations)."""
    q = Q()
    for depth in range(ASSOCIATION_DEPTH):
        path = "savings_group__association" + "__parent" * depth
        q |= Q(**{f"{prefix}{path}_id": association_id})
    return q


def commune_q(unit_id: int, prefix: str) -> Q:
    """Loans whose point lies in the unit, as a former commune or as the current one."""
    q = Q()
    for depth in range(SUCCESSOR_DEPTH + 1):
        path = "transaction_point__commune" + "__successor" * depth
        q |= Q(**{f"{prefix}{path}_id": unit_id})
    return q
