"""Names as people type them: one normal form, and no invisible characters.

A name is printed on contracts, the 13/TD sheet and every export; a character that cannot be seen
(zero-width), that reorders the text around it (bidi override or isolate) or that controls a
terminal would make two names that look the same differ, or make a name look like another.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _

from .errors import DomainError

# Unicode's "other" categories: control (Cc: tab and line feed too), format (Cf: bidi overrides
# and isolates, zero-width space and joiners, the BOM, soft hyphen), surrogates (Cs), private use
# (Co) and unassigned (Cn); and the line and paragraph separators (Zl, Zp).
REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
INVISIBLE_MESSAGE = _(
    "Tên không được chứa ký tự điều khiển, ký tự đảo chiều văn bản hoặc ký tự không độ rộng."
)


class InvalidName(DomainError):
    """A name holds a character that is not shown as itself."""


def normalise_name(value: str, *, field: str | None = None) -> str:
    """A person's or a place's name in NFC, without whitespace around it and with each run of
    spaces inside made one space; InvalidName if a character is invisible or controls the text.

    NFC, because the same Vietnamese letter can be typed precomposed (ế) or as e + two marks.
    """
    name = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in name):
        raise InvalidName(str(INVISIBLE_MESSAGE), field=field, code="invalid_name")
    # Only spaces remain as whitespace here (Zs: the no-break and ideographic ones too).
    return " ".join(name.split())


def fold(value: str) -> str:
    """A name for searching without diacritics: "Bùi Hải Tuyết" -> "bui hai tuyet" (the marks
    dropped, đ/Đ made d, lower case, one space between words)."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.lower().split())
