"""DomainError: one message, reported by a form or a serializer on the field it names."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.errors import DomainError, validated


def refuse(value):
    raise DomainError("Sai.", field="village", code="bad")


class VillageForm(forms.Form):
    village = forms.CharField()
    other = forms.CharField(required=False)

    def clean_village(self):
        return validated(refuse, self.cleaned_data["village"])

    def clean(self):
        raise DomainError("Cả hai sai.", field="other").as_validation_error()


def test_a_field_hook_reports_the_message_on_its_field():
    with pytest.raises(ValidationError) as raised:
        validated(refuse, "x")
    assert raised.value.messages == ["Sai."]
    assert raised.value.code == "bad"


def test_a_form_shows_the_domain_messages_next_to_their_fields():
    form = VillageForm({"village": "Nà Lầu", "other": "y"})
    assert not form.is_valid()
    assert form.errors == {"village": ["Sai."], "other": ["Cả hai sai."]}


def test_an_error_without_a_field_is_about_the_whole_input():
    error = DomainError("Không hợp lệ.").as_validation_error()
    assert not hasattr(error, "error_dict")
    assert error.messages == ["Không hợp lệ."]


def test_a_check_that_passes_returns_its_value():
    assert validated(str.strip, "  x ") == "x"
