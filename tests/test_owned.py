"""`owned`: a copy that shares no map or list with what it copies, whatever the data holds."""

from __future__ import annotations

from datetime import date
from typing import Any

from callguide.owned import owned


def maps_and_lists(value: Any) -> list[int]:
    """The ids of every map and list in `value`."""
    if isinstance(value, dict):
        return [id(value), *(found for item in value.values() for found in maps_and_lists(item))]
    if isinstance(value, list | tuple):
        inner = [found for item in value for found in maps_and_lists(item)]
        return [id(value), *inner] if isinstance(value, list) else inner
    return []


def test_plain_data_is_copied_sharing_no_map_or_list_and_keeping_its_texts() -> None:
    shared = ["a", "b"]
    data = {"name": "Ann", "n": 1, "x": 1.5, "ok": True, "none": None, "items": [shared, {"in": shared}]}
    copied = owned(data)
    assert copied == data and copied is not data
    assert not set(maps_and_lists(copied)) & set(maps_and_lists(data))
    assert copied["name"] is data["name"]
    assert copied["items"][0] is not copied["items"][1]["in"]  # a list held twice is two lists
    assert owned([]) == [] and owned({}) == {}
    assert owned("text") == "text" and owned(None) is None


def test_what_is_not_plain_is_deep_copied_as_a_whole() -> None:
    inner = {"when": date(2026, 12, 4), "list": [1]}
    for data in ({"a": {"b": inner}}, [inner], {("a", 1): [1]}, ({"x": [1]},)):
        copied = owned(data)
        assert copied == data
        assert not set(maps_and_lists(copied)) & set(maps_and_lists(data))
    deep: dict[str, Any] = {}
    deep["self"] = deep  # a map that holds itself: deepcopy keeps the loop
    copied = owned(deep)
    assert copied["self"] is copied and copied is not deep
