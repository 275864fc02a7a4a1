"""Whole numbers are strict at both doors (issue 12, item 6).

The API takes a JSON integer or a string of ASCII digits; the admin's forms take ASCII digits
or the Vietnamese grouping 1.234.567 (an amount may end in ₫ as `format_dong` writes it).
Everything that Python's int() would also read - "1_000", full-width "１０００", "+5", " 5",
5.0, "5.0", True - is refused, with nothing posted.
"""

from datetime import date

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework import serializers

from borrowers.models import TransactionPoint
from core.api import IntegerField, ModelSerializer, money
from core.forms import IntegerField as FormIntegerField
from core.forms import MoneyField
from core.money import parse_dong
from loans import services
from loans.models import LoanTransaction
from tests.api.conftest import token_client
from tests.conftest import approved_loan

# Each of these is 1,000 (or 5) to int(str(x)) - and a typing mistake, not an amount.
LENIENT_SPELLINGS = ["1_000", "１０００", "+5", " 5", "5 ", "5.0", "1e3", "٥", "0x10"]
NOT_INTEGERS = [5.0, 5.5, True, False, None, [], {}]
# A form strips the spaces a browser or a paste may add around a value, as Django's fields do.
TYPED_LENIENT = [t for t in LENIENT_SPELLINGS if t.strip() != "5"]


class Amounts(serializers.Serializer):
    amount = money()
    count = IntegerField(min_value=0, max_value=100)


@pytest.mark.parametrize("value", LENIENT_SPELLINGS + NOT_INTEGERS, ids=repr)
def test_the_api_refuses_an_integer_spelled_any_other_way(value):
    body = Amounts(data={"amount": value, "count": value})
    assert not body.is_valid()
    assert set(body.errors) == {"amount", "count"}


@pytest.mark.parametrize(("amount", "count"), [(1000, 0), ("1000", "0"), (2_000_000_000, 100)])
def test_the_api_takes_json_integers_and_ascii_digit_strings(amount, count):
    body = Amounts(data={"amount": amount, "count": count})
    assert body.is_valid(), body.errors
    assert body.validated_data == {"amount": int(amount), "count": int(count)}


def test_the_api_keeps_its_bounds_on_a_strict_integer():
    body = Amounts(data={"amount": 2_000_000_001, "count": -1})
    assert not body.is_valid()
    assert set(body.errors) == {"amount", "count"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1234567", 1_234_567), ("1.234.567", 1_234_567), ("1.234.567 ₫", 1_234_567), ("7", 7)],
)
def test_a_form_takes_ascii_digits_or_the_vietnamese_grouping(typed, expected):
    assert MoneyField().clean(typed) == expected
    assert parse_dong(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [*TYPED_LENIENT, "1,234,567", "1 234 567", "1.23.456", "1.2345", "-5", "1.234,5", ""],
)
def test_a_form_refuses_every_other_spelling_of_an_amount(typed):
    with pytest.raises(ValidationError):
        MoneyField().clean(typed)


@pytest.mark.parametrize("typed", [*TYPED_LENIENT, "1.000"])
def test_a_form_refuses_every_other_spelling_of_a_count(typed):
    with pytest.raises(ValidationError):
        FormIntegerField().clean(typed)


def test_a_form_count_is_ascii_digits_with_the_spaces_a_browser_may_add():
    assert FormIntegerField().clean("36") == 36
    assert FormIntegerField().clean(" 36 ") == 36


@pytest.fixture
def disbursed(household, cast):
    loan = approved_loan(
        household, "HN", amount=50_000_000, term=36, by=cast.alice, approved_on=date(2024, 1, 2)
    )
    services.disburse(loan, amount=50_000_000, on=date(2024, 3, 15), by=cast.alice)
    return loan


@pytest.mark.parametrize("value", ["1_000", "１０００", "+1000", " 1000", 1000.0, True], ids=repr)
def test_a_repayment_through_the_api_refuses_a_lenient_amount(cast, disbursed, value):
    before = LoanTransaction.objects.count()
    response = token_client(cast.alice).post(
        f"/api/v1/loans/{disbursed.pk}/repayments/",
        {"value_date": "2024-04-21", "interest": value},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert list(response.json()) == ["interest"]
    assert LoanTransaction.objects.count() == before


@pytest.mark.parametrize("typed", ["1_000", "１０００", "+1000", "1,000", "1000.0"])
def test_a_repayment_in_the_admin_refuses_a_lenient_amount(client, cast, disbursed, typed):
    client.force_login(cast.alice)
    before = LoanTransaction.objects.count()
    response = client.post(
        reverse("admin:loans_loan_repay", args=[disbursed.pk]),
        {"value_date": "21/04/2024", "interest": typed, "receipt_number": "BL-8"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["interest"]
    assert LoanTransaction.objects.count() == before


def test_a_repayment_in_the_admin_takes_the_vietnamese_grouping(client, cast, disbursed):
    client.force_login(cast.alice)
    response = client.post(
        reverse("admin:loans_loan_repay", args=[disbursed.pk]),
        {"value_date": "21/04/2024", "interest": "100.000", "receipt_number": "BL-9"},
    )
    assert response.status_code == 302
    assert LoanTransaction.objects.get(receipt_number="BL-9").amount == 100_000


# --- the same rule for every model field and relation (core.api.ModelSerializer, the admin) --


class PointDays(ModelSerializer):
    class Meta:
        model = TransactionPoint
        fields = ["session_day", "office"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2_1", "２１", "+21", "21.0", 21.0, True], ids=repr)
def test_a_model_serializers_integer_field_is_strict(cast, value):
    # The session day 21 spelled any other way than 21 or "21" is refused, on the field.
    bad = PointDays(data={"session_day": value, "office": cast.van_quan.pk})
    assert not bad.is_valid() and list(bad.errors) == ["session_day"]
    good = PointDays(data={"session_day": "21", "office": cast.van_quan.pk})
    assert good.is_valid(), good.errors
    assert good.validated_data["session_day"] == 21


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1_0", "１", "+1", 1.0, True], ids=repr)
def test_a_related_id_is_strict(cast, value):
    bad = PointDays(data={"session_day": 21, "office": value})
    assert not bad.is_valid() and list(bad.errors) == ["office"]


@pytest.mark.django_db
def test_every_model_form_of_the_admin_takes_strict_integers(rf, cast):
    # The admin's form for a transaction point: its session day is core.forms.IntegerField,
    # which refuses "2_1" and "２１" where Django's own field would read 21.
    request = rf.get("/")
    request.user = cast.carol
    form_class = admin.site._registry[TransactionPoint].get_form(request)
    assert isinstance(form_class.base_fields["session_day"], FormIntegerField)
    for typed in ["2_1", "２１", "+21"]:
        field = form_class.base_fields["session_day"]
        with pytest.raises(ValidationError):
            field.clean(typed)
    assert form_class.base_fields["session_day"].clean("21") == 21
