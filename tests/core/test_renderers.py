"""The API's JSON renderer (core/renderers.py) writes what REST framework's writes, faster."""

import datetime as dt
import json
from decimal import Decimal
from uuid import UUID

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.renderers import JSONRenderer

UTC = dt.UTC
HANOI = dt.timezone(dt.timedelta(hours=7))


def _both(data, media_type="application/json"):
    return (
        JSONRenderer().render(data, media_type, {}),
        renderers.JSONRenderer().render(data, media_type, {}),
    )


def test_a_report_shaped_answer_is_the_same_bytes():
    # What a report holds: ids, whole đồng, Vietnamese text, decimal ratios (REST framework
    # writes them as floats), dates, an aware time (UTC is "Z", microseconds kept), a lazy
    # translation, the serializers' ReturnDict/ReturnList, None, booleans, int keys.
    data = ReturnDict(
        {
            "month": dt.date(2026, 11, 1),
            "finished_at": dt.datetime(2026, 12, 1, 2, 3, 4, 567891, tzinfo=UTC),
            "read_at": dt.datetime(2026, 12, 1, 9, 3, 4, tzinfo=HANOI),
            "title": gettext_lazy("Không tìm thấy phòng giao dịch."),
            "rows": ReturnList(
                [
                    {
                        "savings_group": 9_223_372_036_854_775_807,
                        "savings_group_name": "Tổ TK&VV thôn Nà Pàn, xã Hữu Liên",
                        "closing_outstanding": 825_744_488_000,
                        "overdue_ratio": Decimal("0.055556"),
                        "collection_rate": None,
                        "reduced": True,
                        "rate": "4",
                    }
                ],
                serializer=None,
            ),
            "by_office": {1: 2, 3: None},
            "token": UUID("12345678-1234-5678-1234-567812345678"),
        },
        serializer=None,
    )
    ours, theirs = _both(data)
    assert ours == theirs
    assert b'"finished_at":"2026-12-01T02:03:04.567891Z"' in ours


def test_no_data_is_no_body():
    assert _both(None) == (b"", b"")


def test_line_separators_are_escaped_as_rest_framework_does():
    ours, theirs = _both({"name": "a\u2028b\u2029c"})
    assert ours == theirs == b'{"name":"a\\u2028b\\u2029c"}'


def test_what_orjson_refuses_is_written_by_rest_framework():
    # Beyond 64 bits orjson raises; REST framework's renderer writes the integer.
    ours, theirs = _both({"big": 2**70, "set": {1}} | {"amount": -(2**65)})
    assert (
        ours
        == theirs
        == json.dumps({"big": 2**70, "set": [1], "amount": -(2**65)}).replace(" ", "").encode()
    )


def test_an_indented_answer_is_rest_frameworks():
    ours, theirs = _both({"rows": [1, 2]}, "application/json; indent=4")
    assert ours == theirs == b'{\n    "rows": [\n        1,\n        2\n    ]\n}'


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.decimals(allow_nan=False, allow_infinity=False, places=6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.dates()
    | st.datetimes(timezones=st.sampled_from([None, UTC, HANOI])),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
def test_any_answer_reads_the_same(data):
    # The same JSON values (a float's exponent may be spelled shorter: 1e-6 for 1e-06).
    ours, theirs = _both({"value": data})
    assert json.loads(ours) == json.loads(theirs)
