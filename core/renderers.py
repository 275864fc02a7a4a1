"""The API's JSON renderer: REST framework's, written by orjson.

A whole-branch report is a document of 10-20 thousand rows (the reconciliation per savings
group, the fee statement); `json.dumps` took longer to write it than the database to read it.
orjson writes the same JSON several times faster. What it would write differently is sent
through REST framework's encoder instead (dates and times, decimals, lazy strings), so a
client reads the same values REST framework writes; anything orjson refuses (an integer beyond
64 bits, a type neither knows) and an indented answer are REST framework's renderer's. Two
differences remain: a float's exponent is spelled shorter (a ratio of 0.000001 is 1e-6 where
json writes 1e-06: the same number), and a float that is not a number (none in a report:
amounts are integers, ratios decimals) is written as null where REST framework raises.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
# REST framework escapes these two so that its JSON is also a JavaScript literal.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))
_SEPARATOR_LEAD = b"\xe2\x80"  # both begin so (as do U+2000-U+203F: dashes, quotes)


class JSONRenderer(renderers.JSONRenderer):
    """`rest_framework.renderers.JSONRenderer` with orjson doing the writing (compact JSON,
    UTF-8, the settings' defaults); an indented answer (`Accept: ...; indent=4`, the browsable
    API) is REST framework's."""

    _encoder_default = staticmethod(JSONEncoder().default)

    @classmethod
    def _default(cls, value: Any) -> Any:
        # A report's ratios are decimals, tens of thousands of them: straight to a float, as
        # REST framework's encoder writes them.
        if type(value) is Decimal:
            return float(value)
        return cls._encoder_default(value)

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent is not None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self._default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if _SEPARATOR_LEAD in content:  # one pass over the document; rarely there
            for raw, escaped in _LINE_SEPARATORS:
                content = content.replace(raw, escaped)
        return content
