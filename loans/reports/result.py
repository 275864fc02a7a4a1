"""A computed report: its rows and totals in the API's JSON shape, and as a table to export."""

from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.money import ratio

from . import exports
from .dimensions import UNKNOWN_NAME, Dimension
from .params import ReportRequest

SOURCE_LABELS = {
    "aggregate": gettext_noop("Số liệu tổng hợp cuối ngày do tác vụ đêm ghi lại"),
    "snapshot": gettext_noop("Số liệu cuối ngày do tác vụ đêm ghi lại"),
    "engine": gettext_noop("Tính trực tiếp từ sổ nhật ký giao dịch"),
    "journal": gettext_noop("Sổ nhật ký giao dịch, theo ngày giá trị"),
}


@dataclass(frozen=True)
class Measure:
    """A figure of a report: JSON key, Vietnamese heading, kind ("count", "money", "ratio")."""

    key: str
    label: str
    kind: str = "money"


# Ratio measures (fractions of 1, 6 places, `core.money.ratio`): key -> (numerator, denominator).
RATIOS = {"overdue_ratio": ("overdue_principal", "outstanding_principal")}


def with_constant_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(_all=0)


def merge_groups(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Outer-join per-group figures from several sources; a group missing from one gets 0."""
    on = [*keys, "_all"]
    merged = with_constant_key(frames[0])
    for frame in frames[1:]:
        merged = merged.merge(with_constant_key(frame), on=on, how="outer")
    values = [c for c in merged.columns if c not in on]
    merged[values] = merged[values].fillna(0).astype("int64")
    return merged.drop(columns="_all")


@dataclass
class Report:
    """Rows (one per group) and totals of one report, with what was asked for."""

    kind: str
    title: str
    request: ReportRequest
    dims: list[Dimension]
    measures: list[Measure]
    rows: list[dict]
    totals: dict
    source: str | None = None
    # The business date of the nightly snapshot the figures were read from (source "snapshot").
    source_date: date | None = None
    # Read from the reports replica: how far behind the primary it was (core.db); else None.
    replica_lag_seconds: float | None = None

    @classmethod
    def build(cls, *, frame: pd.DataFrame, distinct: dict, **kwargs) -> "Report":
        """Shape a frame of per-group figures (int64) into rows and totals; `distinct` gives
        the totals that are not sums of the rows (households counted once)."""
        report = cls(rows=[], totals={}, **kwargs)
        report.rows = report._rows(frame)
        report.totals = report._totals(frame, distinct)
        return report

    def _rows(self, frame: pd.DataFrame) -> list[dict]:
        names = {dim.key: dim.name_map(frame[dim.key]) for dim in self.dims if dim.name_key}
        rows = []
        for record in frame.to_dict("records"):
            row = {}
            for dim in self.dims:
                value = record[dim.key]
                known = value not in (0, "")
                row[dim.key] = (int(value) if dim.numeric else str(value)) if known else None
                if dim.name_key:
                    row[dim.name_key] = names[dim.key].get(value, str(value)) if known else None
            row |= self._figures(record)
            rows.append(row)
        return sorted(rows, key=self._sort_key)

    def _figures(self, values: dict) -> dict:
        figures = {}
        for measure in self.measures:
            if measure.kind == "ratio":
                numerator, denominator = RATIOS[measure.key]
                figures[measure.key] = ratio(values[numerator], values[denominator])
            else:
                figures[measure.key] = int(values[measure.key])
        return figures

    def _sort_key(self, row: dict) -> tuple:
        parts = []
        for dim in self.dims:
            shown = row[dim.name_key] if dim.name_key else row[dim.key]
            parts += [row[dim.key] is None, str(shown or ""), str(row[dim.key] or "")]
        return tuple(parts)

    def _totals(self, frame: pd.DataFrame, distinct: dict) -> dict:
        sums = {
            m.key: int(frame[m.key].sum()) if len(frame) else 0
            for m in self.measures
            if m.kind != "ratio"
        }
        sums |= {key: int(value) for key, value in distinct.items()}
        return self._figures(sums)

    # --- outputs ---------------------------------------------------------------------------

    @property
    def period(self) -> dict[str, date]:
        if self.request.as_of is not None:
            return {"as_of": self.request.as_of}
        return {"from": self.request.start, "to": self.request.end}

    def as_json(self) -> dict:
        return {
            **{key: value.isoformat() for key, value in self.period.items()},
            "group_by": list(self.request.group_by),
            "source": self.source,
            "source_date": self.source_date.isoformat() if self.source_date else None,
            "replica_lag_seconds": self.replica_lag_seconds,
            "rows": self.rows,
            "totals": self.totals,
        }

    def table(self) -> exports.Table:
        columns = []
        for dim in self.dims:
            if not dim.numeric and dim.name_key:  # a code people read: programme, loan line
                columns.append(exports.Column(dim.key, f"Mã {dim.label.lower()}", "text"))
            key = dim.name_key or dim.key
            columns.append(exports.Column(key, dim.label, "text"))
        columns += [exports.Column(m.key, m.label, m.kind) for m in self.measures]
        rows = [
            {
                **row,
                **{d.name_key: row[d.name_key] or UNKNOWN_NAME for d in self.dims if d.name_key},
            }
            for row in self.rows
        ]
        return exports.Table(
            title=self.title,
            parameters=self.parameters(),
            columns=columns,
            rows=rows,
            totals=self.totals,
        )

    def download(self) -> exports.Download:
        """The report as a CSV or Excel file, named after its kind and dates."""
        dates = "_".join(value.isoformat() for value in self.period.values())
        table = self.table()
        return exports.Download(
            name=f"{self.kind.replace('_', '-')}_{dates}",
            writers={"csv": lambda: exports.to_csv(table), "xlsx": lambda: exports.to_xlsx(table)},
        )

    def parameters(self) -> list[tuple[str, str]]:
        lines = [(gettext_noop("Báo cáo"), self.title)]
        if self.request.as_of is not None:
            lines.append((gettext_noop("Số liệu đến hết ngày"), f"{self.request.as_of:%d/%m/%Y}"))
        else:
            lines.append((gettext_noop("Từ ngày"), f"{self.request.start:%d/%m/%Y}"))
            lines.append((gettext_noop("Đến ngày"), f"{self.request.end:%d/%m/%Y}"))
        grouping = ", ".join(dim.label for dim in self.dims) or gettext_noop("Toàn bộ")
        lines.append((gettext_noop("Nhóm theo"), grouping))
        lines += self.request.filters.described()
        if self.source:
            source = SOURCE_LABELS[self.source]
            if self.source_date:
                source += f", ngày {self.source_date:%d/%m/%Y}"
            lines.append((gettext_noop("Nguồn số liệu"), source))
        lines.append((gettext_noop("Lập lúc"), f"{timezone.localtime():%d/%m/%Y %H:%M}"))
        return lines
