"""Names as people type them: one normal form, and no character that is not shown as itself."""

import unicodedata

import pytest

from core.text import InvalidName, normalise_name


def test_it_composes_vietnamese_letters_typed_as_base_and_marks():
    typed = unicodedata.normalize("NFD", "Nguyễn Thị Huế")  # e + circumflex + tilde, ...
    assert typed != "Nguyễn Thị Huế"
    assert normalise_name(typed) == "Nguyễn Thị Huế"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("  Vi Văn Thắng  ", "Vi Văn Thắng"),
        ("Vi   Văn  Thắng", "Vi Văn Thắng"),
        ("Vi\u00a0Văn\u3000Thắng", "Vi Văn Thắng"),  # no-break and ideographic spaces
        ("Bản Piềng\n", "Bản Piềng"),  # a line break around the name is whitespace
    ],
)
def test_it_trims_and_collapses_spaces(typed, name):
    assert normalise_name(typed) == name


@pytest.mark.parametrize(
    "typed",
    [
        "Vi Văn\u202eThắng",  # right-to-left override
        "Vi Văn\u2066Thắng\u2069",  # left-to-right isolate ... pop
        "Vi\u200bVăn",  # zero-width space
        "Vi\u200dVăn",  # zero-width joiner
        "\ufeffVi Văn",  # byte-order mark
        "Vi\x00Văn",  # NUL
        "Vi\x1b[31mVăn",  # a terminal escape
        "Vi\tVăn",  # a tab inside the name
        "Vi\nVăn",  # a line break inside the name
        "Vi\u2028Văn",  # line separator
    ],
)
def test_it_refuses_invisible_and_control_characters(typed):
    with pytest.raises(InvalidName) as refused:
        normalise_name(typed, field="full_name")
    assert refused.value.field == "full_name"
    assert refused.value.code == "invalid_name"
    assert "ký tự điều khiển" in refused.value.message
