"""The API's JSON parser: the edge's rules that no serializer can state.

Python's `json` recurses once per nesting level, so 100,000 `[` end in a RecursionError (a 500);
and it keeps the last of two equal keys, so `{"amount": 1, "amount": 1000000}` is read as
whichever came last. This parser refuses both, and a NUL character anywhere in the text
(PostgreSQL cannot store one), with a 400 that says why.
"""

import codecs
import json
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

# Deep enough for any request this API defines (its deepest is three levels), shallow enough
# that the decoder's recursion stays far below Python's limit.
MAX_DEPTH = 32

# A JSON string literal, escapes included (the unrolled form: no backtracking on long strings).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
# \u0000 that is an escape of its own, not the tail of an escaped backslash (`\\u0000`).
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


class StrictJSONParser(JSONParser):
    """JSON with a nesting limit, no duplicate keys and no NUL characters."""

    max_depth = MAX_DEPTH

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # DRF hands JSON parsers the request's body, which Django has already held to
        # DATA_UPLOAD_MAX_MEMORY_SIZE (a larger body is a 400 before this runs).
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(stream.read(), encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(
                _("Nội dung yêu cầu không phải văn bản %(encoding)s.") % {"encoding": encoding}
            ) from exc
        check_text(text, max_depth=self.max_depth)
        try:
            return json.loads(
                text,
                object_pairs_hook=_refuse_duplicate_keys,
                parse_constant=_refuse_constant if api_settings.STRICT_JSON else None,
            )
        except ValueError as exc:
            raise ParseError(_("JSON không hợp lệ: %(error)s") % {"error": exc}) from exc


def check_text(text: str, *, max_depth: int) -> None:
    """Refuse NUL characters and nesting deeper than `max_depth` before the decoder runs."""
    if "\x00" in text or _NUL_ESCAPE.search(text):
        raise ParseError(_("Nội dung yêu cầu không được chứa ký tự NUL."))
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > max_depth:
                raise ParseError(
                    _("JSON lồng quá sâu (tối đa %(depth)s cấp).") % {"depth": max_depth}
                )
        else:
            depth -= 1


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ParseError(_("Khóa JSON bị lặp: %(key)s") % {"key": key})
        result[key] = value
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise ParseError(_("JSON không hợp lệ: %(value)s không phải số.") % {"value": name})
