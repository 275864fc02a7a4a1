"""Whole-đồng helpers: parse, format, round and allocate; ratios and their one display. No
floats anywhere.

Pure Python, so the position engine, the jobs and the interfaces share one rounding rule and one
way of writing an amount; only `format_percent` asks Django for the active language's format.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.utils.formats import number_format
from django.utils.translation import pgettext

IntOrArray = TypeVar("IntOrArray")


def round_dong(value: Decimal | int) -> int:
    """Round a Decimal amount to whole đồng, half-up (the one rounding rule of DOMAIN.md)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_half_up_div(numerator: IntOrArray, denominator: IntOrArray) -> IntOrArray:
    """numerator / denominator rounded half-up to an integer, exactly (non-negative integers,
    or numpy int64 arrays of them element by element)."""
    if not hasattr(denominator, "shape") and denominator <= 0:  # type: ignore[operator]
        raise ValueError("denominator must be positive")
    return (2 * numerator + denominator) // (2 * denominator)  # type: ignore[operator,return-value]


def group_digits(number: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands grouping)."""
    sign = "-" if number < 0 else ""
    return f"{sign}{abs(int(number)):,}".replace(",", ".")


def format_dong(amount: int | None) -> str:
    """1234567 -> '1.234.567 ₫' (Vietnamese grouping)."""
    if amount is None:
        return "–"
    return f"{group_digits(amount)} ₫"


# The one spelling of a whole number a person may type: ASCII digits, plainly or grouped by
# threes with dots (1234567, 1.234.567). No sign, no spaces inside, no underscores, no other
# script's digits, no fraction: "1_000", "１０００", "+5", "1,5" are typing mistakes, not amounts.
_PLAIN_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_GROUPED_DIGITS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+", re.ASCII)
_CURRENCY_SIGNS = ("₫", "đ")


def parse_dong(text: str | int) -> int:
    """Accept '1234567', '1.234.567' (optionally followed by '₫' or 'đ', as `format_dong`
    writes it) or an int; refuse anything else with ValueError."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if not isinstance(text, str):
        raise ValueError(f"not a whole number of đồng: {text!r}")
    cleaned = text.strip()
    for sign in _CURRENCY_SIGNS:
        cleaned = cleaned.removesuffix(sign).rstrip()
    if _PLAIN_DIGITS.fullmatch(cleaned) or _GROUPED_DIGITS.fullmatch(cleaned):
        return int(cleaned.replace(".", ""))
    raise ValueError(f"not a whole number of đồng: {text!r}")


def allocate_largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` so the parts add up exactly to `total`.

    Each part is floored, then the leftover đồng go to the largest remainders (ties: first).
    """
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise ValueError("weights must add up to a positive number")
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    leftover = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors


# --- ratios ----------------------------------------------------------------------------------

RATIO_PLACES = 6
PERCENT_PLACES = 2


RATIO_QUANTUM = Decimal(1).scaleb(-RATIO_PLACES)


def ratio(part: int, whole: int) -> Decimal:
    """part / whole (non-negative) as a fraction of 1, rounded half-up to 6 places (0.094500
    for 9.45 %); 0 when there is no whole. How every report carries a ratio, and how the API
    gives it: a JSON number."""
    if whole <= 0:
        return Decimal(0).quantize(RATIO_QUANTUM)
    scaled = round_half_up_div(int(part) * 10**RATIO_PLACES, int(whole))
    return (Decimal(scaled) * RATIO_QUANTUM).quantize(RATIO_QUANTUM)


def format_rate(value: Decimal | None) -> str:
    """A rate stored in percent per year (9.50 = 9,5 %/năm) with two decimals in the active
    language, written like a ratio's percent: "9,50 %" in Vietnamese, "9.50%" in English."""
    if value is None:
        return ""
    return format_percent(Decimal(value) / 100)


def format_percent(value: Decimal | None) -> str:
    """A ratio (a fraction of 1) as a percent with two decimals in the active language:
    "9,45 %" in Vietnamese, "9.45%" in English; empty for None. The one display of a ratio on
    pages and charts (files keep the number and format the cell)."""
    if value is None:
        return ""
    percent = (Decimal(value) * 100).quantize(Decimal(1).scaleb(-PERCENT_PLACES), ROUND_HALF_UP)
    shown = number_format(percent, decimal_pos=PERCENT_PLACES)
    return pgettext("a percentage", "%(number)s %%") % {"number": shown}
