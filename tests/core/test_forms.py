"""The admin's date and month fields: what officers type, refused with a message otherwise."""

from datetime import date

import pytest

from core.forms import DateField, MonthField, MonthInput, parse_date, parse_month


@pytest.mark.parametrize(
    "typed", ["01/11/2026", "1/11/2026", "1-11-2026", "01.11.2026", "2026-11-01", " 1/11/2026 "]
)
def test_a_date_as_officers_type_it(typed):
    assert parse_date(typed) == date(2026, 11, 1)
    assert DateField().clean(typed) == date(2026, 11, 1)


@pytest.mark.parametrize("typed", ["11/2026", "11-2026", "2026-11", "2026/11", "11.2026"])
def test_a_month_as_officers_type_it(typed):
    assert parse_month(typed) == date(2026, 11, 1)
    assert MonthField().clean(typed) == date(2026, 11, 1)


def test_a_one_digit_month():
    assert parse_month("1/2026") == date(2026, 1, 1)


@pytest.mark.parametrize("typed", ["13/2026", "0/2026", "2026", "11/26", "abc", "2026-13"])
def test_a_month_that_is_not_one_is_refused_in_vietnamese(typed):
    with pytest.raises(ValueError):
        parse_month(typed)
    field = MonthField()
    with pytest.raises(Exception) as refused:
        field.clean(typed)
    assert "mm/yyyy" in str(refused.value)


@pytest.mark.parametrize("typed", ["31/02/2026", "2026/11/01", "11/2026", "1/1/26"])
def test_a_date_that_is_not_one_is_refused(typed):
    with pytest.raises(ValueError):
        parse_date(typed)
    with pytest.raises(Exception) as refused:
        DateField().clean(typed)
    assert "dd/mm/yyyy" in str(refused.value)


def test_the_fields_show_their_values_the_vietnamese_way():
    assert MonthInput().format_value(date(2026, 11, 1)) == "11/2026"
    assert 'value="01/11/2026"' in DateField().widget.render("d", date(2026, 11, 1))
    assert 'placeholder="mm/yyyy"' in MonthField().widget.render("m", None)


def test_an_empty_optional_month_is_none():
    assert MonthField(required=False).clean("") is None
