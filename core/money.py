"""Whole-đồng helpers: parse, format, round and allocate. No floats anywhere.

Pure Python (no Django), so the position engine, the jobs and the interfaces share one rounding
rule and one way of writing an amount.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

IntOrArray = TypeVar("IntOrArray")


def round_dong(value: Decimal | int) -> int:
    """Round a Decimal amount to whole đồng, half-up (the one rounding rule of DOMAIN.md)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_half_up_div(numerator: IntOrArray, denominator: IntOrArray) -> IntOrArray:
    """numerator / denominator rounded half-up to an integer, exactly (non-negative integers,
    or numpy int64 arrays of them element by element)."""
    if not hasattr(denominator, "shape") and denominator <= 0:  # type: ignore[operator]
        raise ValueError("denominator must be positive")
    return (2 * numerator + denominator) // (2 * denominator)  # type: ignore[operator]


def group_digits(number: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands grouping)."""
    sign = "-" if number < 0 else ""
    return f"{sign}{abs(int(number)):,}".replace(",", ".")


def format_dong(amount: int | None) -> str:
    """1234567 -> '1.234.567 ₫' (Vietnamese grouping)."""
    if amount is None:
        return "–"
    return f"{group_digits(amount)} ₫"


def parse_dong(text: str | int) -> int:
    """Accept '1.234.567', '1,234,567', '1 234 567 ₫' or an int; refuse fractions of a đồng."""
    if isinstance(text, int):
        return text
    cleaned = str(text).replace("₫", "").replace("đ", "").strip()
    for sep in (".", ",", " ", "\u00a0"):
        cleaned = cleaned.replace(sep, "")
    if not cleaned.lstrip("-").isdigit():
        raise ValueError(f"not a whole number of đồng: {text!r}")
    return int(cleaned)


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
