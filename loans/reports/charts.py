"""Bar charts drawn on the server as inline SVG: no JavaScript, no library, nothing fetched.

Horizontal bars, because the labels (offices, programmes) are long Vietnamese names.
"""

import textwrap
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.money import group_digits

ROW_HEIGHT = 24
LINE_HEIGHT = 14
LABEL_WIDTH = 230
VALUE_WIDTH = 120
TITLE_HEIGHT = 28
# Characters of a label's line: a longer label wraps onto more lines, never cut, so that
# "PGD NHCSXH huyện Văn Lãng" and "PGD NHCSXH huyện Văn Quan" stay told apart.
MAX_LABEL = 34
COLOURS = {"blue": "#417690", "red": "#ba2121", "amber": "#c28b00"}


def dots(amount: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese grouping)."""
    return group_digits(int(amount))


def label_lines(label: str) -> list[str]:
    """The label wrapped at spaces into lines of at most MAX_LABEL characters (a longer word
    is split); the whole label, always."""
    return textwrap.wrap(label, MAX_LABEL, break_on_hyphens=False) or [""]


def _label(lines: list[str], label: str, y: int) -> str:
    spans = "".join(
        f'<tspan x="{LABEL_WIDTH - 6}" dy="{0 if index == 0 else LINE_HEIGHT}">'
        f"{escape(line)}</tspan>"
        for index, line in enumerate(lines)
    )
    return (
        f'<text x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end">'
        f"<title>{escape(label)}</title>{spans}</text>"
    )


def bar_chart(
    title: str,
    bars: list[tuple[str, int | Decimal]],
    *,
    shown: Callable[[Any], str] = dots,
    colour: str = "blue",
    width: int = 720,
) -> SafeString:
    """An SVG of one bar per (label, value), scaled to the largest value; labels escaped."""
    area = width - LABEL_WIDTH - VALUE_WIDTH
    wrapped = [label_lines(label) for label, _value in bars]
    heights = [ROW_HEIGHT + LINE_HEIGHT * (len(lines) - 1) for lines in wrapped]
    height = TITLE_HEIGHT + (sum(heights) if bars else ROW_HEIGHT) + 8
    top = max((value for _label, value in bars), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'class="report-chart" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    if not bars:
        parts.append(f'<text x="0" y="{TITLE_HEIGHT + 16}">{escape(_("Không có số liệu"))}</text>')
    y = TITLE_HEIGHT
    for (label, value), lines, row_height in zip(bars, wrapped, heights, strict=True):
        length = 0 if top <= 0 else round(area * Decimal(value) / Decimal(top), 1)
        parts += [
            _label(lines, label, y),
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{max(length, 0)}" '
            f'height="{ROW_HEIGHT - 8}" fill="{COLOURS[colour]}"/>',
            f'<text x="{LABEL_WIDTH + float(length) + 6}" y="{y + 16}">'
            f"{escape(shown(value))}</text>",
        ]
        y += row_height
    parts.append("</svg>")
    return mark_safe("".join(parts))
