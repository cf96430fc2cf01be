"""A `do` step's arguments (`with:`): maps and lists of texts and `{{ expression }}`s,
rendered into plain data that the host owns."""

from __future__ import annotations

from datetime import date
from typing import Any

from callguide.filters import make_environment
from callguide.model import Text
from callguide.problems import Pos
from callguide.texts import Texts, plain, render_value

TEXTS = Texts(make_environment(), "en")


def _text(*variants: tuple[str, str]) -> Text:
    return Text(variants=variants, pos=Pos("f.yaml", 3, 7))


def test_arguments_render_into_plain_data_made_anew_for_every_call() -> None:
    args = TEXTS.value(
        {
            "worklist": _text(("en", "calls")),
            "report": {"kind": _text(("en", "rejection")), "count": 2, "items": (_text(("en", "a")), 1)},
            "note": _text(("en", "Called {{ customer.name }}")),
            "phones": _text(("en", "{{ customer.phones }}")),
            "greeting": _text(("en", "Hello"), ("fr", "Bonjour")),
        }
    )
    context: dict[str, Any] = {"customer": {"name": "Ann", "phones": ["0712", "0713"]}}
    expected = {
        "worklist": "calls",
        "report": {"kind": "rejection", "count": 2, "items": ["a", 1]},
        "note": "Called Ann",
        "phones": ["0712", "0713"],
        "greeting": "Bonjour",
    }
    first = render_value(args, context, "fr")
    assert first == expected
    first["report"]["items"].append("changed by the host")
    first["phones"].append("changed by the host")
    assert render_value(args, context, "fr") == expected
    assert context["customer"]["phones"] == ["0712", "0713"]
    assert render_value(args, context, "en")["greeting"] == "Hello"


class _Name(str):
    """A text of a class of its own (a host's enum, say): stored as the text it is."""


def test_a_stored_value_is_plain_json_data_and_its_own_copy() -> None:
    record = {"name": _Name("Ann"), 7: [1.5, float("inf"), date(2026, 1, 2)], "tags": ("a", True, None)}
    value = [record, {"nested": {"deeper": [record]}}]
    expected_record = {"name": "Ann", "7": [1.5, None, "2026-01-02"], "tags": ["a", True, None]}
    stored = plain(value)
    assert stored == [expected_record, {"nested": {"deeper": [expected_record]}}]
    assert type(stored[0]["name"]) is _Name  # kept as it is: a text
    stored[1]["nested"]["deeper"][0]["tags"].append("changed")
    assert record["tags"] == ("a", True, None)
    assert plain(value)[1]["nested"]["deeper"][0]["tags"] == ["a", True, None]
