"""`sms_encoding` and `sms_segments` count as the GSM and UCS-2 rules say, character by
character (the reference below), whatever the text."""

from __future__ import annotations

import math

from callguide.filters import _GSM7, _GSM7_EXTENDED, sms_encoding, sms_segments
from hypothesis import example, given
from hypothesis import strategies as st


def encoding_by_characters(text: str) -> str:
    return "GSM-7" if all(ch in _GSM7 or ch in _GSM7_EXTENDED for ch in text) else "UCS-2"


def segments_by_characters(text: str) -> int:
    if encoding_by_characters(text) == "GSM-7":
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        return 1 if units <= 160 else math.ceil(units / 153)
    units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    return 1 if units <= 70 else math.ceil(units / 67)


GSM_TEXT = st.text(st.sampled_from(sorted(_GSM7 | _GSM7_EXTENDED)), max_size=400)
ANY_TEXT = st.text(max_size=200)  # surrogates and characters past U+FFFF included


@given(st.one_of(GSM_TEXT, ANY_TEXT, st.tuples(GSM_TEXT, ANY_TEXT).map("".join)))
@example("a" * 160)
@example("a" * 159 + "€")  # 161 units: two messages
@example("я" * 70)
@example("я" * 69 + "😀")  # 71 UTF-16 units
@example("\ud800" * 71)  # lone surrogates: one unit each
def test_sms_filters_count_as_the_rules_say(text: str) -> None:
    assert sms_encoding(text) == encoding_by_characters(text)
    assert sms_segments(text) == segments_by_characters(text)


def test_what_an_sms_costs() -> None:
    assert [sms_segments(t) for t in ("a" * 160, "a" * 161, "€" * 80, "€" * 81, "я" * 70, "я" * 71)] == [
        1,
        2,
        1,
        2,
        1,
        2,
    ]
    assert sms_encoding("Привет") == "UCS-2"
    assert sms_encoding("Hello [1]") == "GSM-7"
