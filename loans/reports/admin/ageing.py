"""The arrears-ageing table as the page shows it: pivoted, one line per ageing bucket under each
group (loans, outstanding, overdue), so that it fits a 1366-px screen whatever the number of
buckets. The Excel and CSV files keep the wide table (one column per bucket and figure)."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from ..builders import bucket_labels, bucket_slug
from ..exports import Column
from ..result import Report

FIGURES = [("loans", "count"), ("outstanding_principal", "money"), ("overdue_principal", "money")]
Cell = tuple[str, bool]  # (text, is a number)


def bucket_heading(label: str) -> str:
    """A bucket in the interface language: "Trong hạn", "Quá hạn 31–90 ngày", ..."""
    if label == "current":
        return _("Trong hạn")
    if label.startswith(">"):
        return _("Quá hạn trên %(days)s ngày") % {"days": label[1:]}
    low, high = label.split("-")
    return _("Quá hạn %(low)s–%(high)s ngày") % {"low": low, "high": high}


def _lines(values: dict, labels: list[str], cell: Callable) -> list[list[Cell]]:
    """A group's line of all its loans, then one line per bucket; its labels on the first."""
    suffixes = [("", _("Tất cả"))] + [
        (f"_{bucket_slug(label)}", bucket_heading(label)) for label in bucket_labels()
    ]
    lines = []
    for index, (suffix, bucket) in enumerate(suffixes):
        shown = labels if index == 0 else [""] * len(labels)
        lines.append(
            [(text, False) for text in [*shown, bucket]]
            + [(cell(values.get(key + suffix), kind), True) for key, kind in FIGURES]
        )
    return lines


def ageing_table(report: Report, cell: Callable) -> dict:
    """Columns, rows and footer of the pivoted table; `cell(value, kind)` formats a figure."""
    table = report.table()
    groups = [column for column in table.columns if column.kind == "text"]
    measures = {m.key: m.label for m in report.measures}
    columns = [
        *[Column(c.key, _(c.heading), "text") for c in groups],
        Column("bucket", _("Nhóm nợ"), "text"),
        *[Column(key, _(measures[key]), kind) for key, kind in FIGURES],
    ]
    rows = []
    for row in table.rows:
        rows += _lines(row, [str(row.get(c.key) or "") for c in groups], cell)
    total = [_("Tổng cộng"), *[""] * (len(groups) - 1)] if groups else []
    return {"columns": columns, "rows": rows, "footer": _lines(report.totals, total, cell)}
