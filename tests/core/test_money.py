"""Ratios: one representation (a fraction of 1, six places) and one display (a percent)."""

from decimal import Decimal

from django.utils import translation

from core.money import format_percent, format_rate, ratio


def test_a_ratio_is_a_fraction_of_one_rounded_half_up_to_six_places():
    # 8,333,000 / 90,000,000 = 0.0925888… → 0.092589; 1 / 8 = 0.125 exactly.
    assert ratio(8_333_000, 90_000_000) == Decimal("0.092589")
    assert str(ratio(1, 8)) == "0.125000"
    # 1 / 2,000,000 = 0.0000005, half-up → 0.000001; nothing over a whole of 0 is 0.
    assert ratio(1, 2_000_000) == Decimal("0.000001")
    assert str(ratio(0, 5)) == str(ratio(5, 0)) == "0.000000"


def test_a_ratio_reads_as_a_percent_with_two_decimals_in_each_language():
    # 0.094500 = 9.45 %; 0.092589 = 9.2589 % → 9.26 %.
    with translation.override("vi"):
        assert format_percent(Decimal("0.094500")) == "9,45 %"
        assert format_percent(Decimal("0.092589")) == "9,26 %"
    with translation.override("en"):
        assert format_percent(Decimal("0.094500")) == "9.45%"
        assert format_percent(Decimal("1.818131")) == "181.81%"
    assert format_percent(None) == ""


def test_a_rate_in_percent_per_year_reads_like_a_ratios_percent():
    # A contract rate stored as 9.50 (% per year) is 0.095 of the balance a year: "9,50 %" in
    # Vietnamese, "9.50%" in English; the example savings rate 0.50 → "0,50 %".
    with translation.override("vi"):
        assert format_rate(Decimal("9.50")) == "9,50 %"
        assert format_rate(Decimal("0.50")) == "0,50 %"
    with translation.override("en"):
        assert format_rate(Decimal("9.50")) == "9.50%"
    assert format_rate(None) == ""
