"""The check cache gives back the model and problems the check made, or nothing at all."""

import dataclasses
import gc
import json
from pathlib import Path

import pytest
from callguide import collector
from callguide.check import check_pack
from callguide.load import cache
from callguide.model import Condition, Text
from callguide.problems import Pos
from msgspec.structs import replace

FLOWS = Path(__file__).resolve().parent.parent / "flows"
PACKS = sorted(path.parent.name for path in FLOWS.glob("*/pack.yaml"))


@pytest.fixture(autouse=True)
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CALLGUIDE_CACHE", str(folder))
    return folder


@pytest.mark.parametrize("name", PACKS)
def test_a_cached_pack_is_the_pack_the_check_built(name: str) -> None:
    checked = check_pack(FLOWS / name, cache=True)  # checks, and fills the cache
    cached = cache.load(FLOWS / name)
    assert cached is not None and checked.pack is not None
    pack, problems = cached
    assert Path(pack.root).resolve() == Path(checked.pack.root).resolve()
    # flows compare by identity: the encoded forms hold every field but those at their
    # defaults, classes included
    assert cache.encode(replace(pack, root=checked.pack.root), problems) == cache.encode(checked.pack, checked.problems)
    assert problems == checked.problems
    assert type(pack.flows).__name__ == "mappingproxy" and isinstance(
        pack.flows[next(iter(pack.flows))].steps, type(pack.flows)
    )


@pytest.mark.parametrize(
    "text",
    [
        b"{not json",
        b"[]",
        b'{"files": [], "places": [], "pack": {"@Pack": [1]}, "problems": []}',
        b'{"files": [], "places": [], "pack": {"@Pack": {"nonsense": 1}}, "problems": []}',
        b'{"files": [], "places": [], "pack": {"@os.system": {"command": "ls"}}, "problems": []}',
        b'{"files": ["a.yaml"], "places": [0, 1, 1], "pack": {"@Pos": 0}, "problems": []}',
        b'{"files": [], "places": [], "pack": {"@Pos": 3}, "problems": []}',
        b'{"files": [], "places": [], "pack": {"@map": {}, "@Pos": 0}, "problems": []}',
        b'{"files": ["a.yaml"], "places": [0, 1], "pack": {"@map": {}}, "problems": []}',
        b'{"files": ["a.yaml"], "places": [1, 1, 1], "pack": {"@map": {}}, "problems": []}',
        b'{"files": [1], "places": [], "pack": {"@map": {}}, "problems": []}',
    ],
)
def test_a_cache_file_that_is_not_a_pack_is_a_miss(text: bytes, cache_folder: Path) -> None:
    root = FLOWS / "helpdesk"
    check_pack(root, cache=True)
    (cache_folder / f"{cache.pack_key(root)}.json").write_bytes(text)
    assert cache.load(root) is None
    assert check_pack(root, cache=True).pack is not None  # checked again


def _pack_file(step_pos: object, step_places: object, **fields: object) -> bytes:
    """A cache file of one flow of one step, with that step's place, key places and any
    other fields as given."""
    step = {"@SayStep": {"id": "s", "pos": step_pos, "places": step_places, **fields}}
    flow = {"@Flow": {"name": "f", "pos": 0, "start": "s", "steps": {"@map": {"s": step}}}}
    pack = {"@Pack": {"name": "x", "pos": 0, "language": "en", "call_end": "c", "flows": {"@map": {"f": flow}}}}
    return json.dumps(
        {"files": ["a.yaml", "b.yaml"], "places": [0, 1, 1, 1, 2, 3], "pack": pack, "problems": []}
    ).encode()


def test_places_are_read_from_the_table_by_number() -> None:
    pack, _ = cache.decode(_pack_file(1, ["say", 0, "next", 1]))
    step = pack.flows["f"].steps["s"]
    assert (pack.pos, step.pos) == (Pos("a.yaml", 1, 1), Pos("b.yaml", 2, 3))
    assert dict(step.places) == {"say": Pos("a.yaml", 1, 1), "next": Pos("b.yaml", 2, 3)}


def test_a_place_read_from_the_table_is_a_whole_pos() -> None:
    made = cache._places(["a.yaml", "b.yaml"], [1, 2, 3, 0, 1, 1])
    assert made == [Pos("b.yaml", 2, 3), Pos("a.yaml", 1, 1)]
    assert [type(place) for place in made] == [Pos, Pos]
    assert hash(made[0]) == hash(Pos("b.yaml", 2, 3)) and str(made[0]) == "b.yaml:2:3"
    assert made[1] < made[0]  # ordered as Pos orders: by file first
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].line = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("step_pos", "step_places"),
    [(2, ["say", 0]), ("1", ["say", 0]), (None, ["say", 0]), (1, ["say", 2]), (1, ["say"]), (1, ["say", "0"])],
)
def test_a_place_that_is_not_a_number_of_the_table_is_not_a_pack(step_pos: object, step_places: object) -> None:
    with pytest.raises((LookupError, TypeError, ValueError)):
        cache.decode(_pack_file(step_pos, step_places))


@pytest.mark.parametrize("variants", [(("en", "Hello"),), (("en", "Hello"), ("ru", "Привет"))])
def test_a_text_and_a_condition_are_read_from_their_rows(variants: tuple[tuple[str, str], ...]) -> None:
    say = {"@Text": [1, *(part for variant in variants for part in variant)]}
    next_ = [{"@Case": {"pos": 0, "condition": {"@Condition": [1, "x == 1"]}, "go": "s"}}]
    pack, _ = cache.decode(_pack_file(1, [], say=say, next=next_))
    step = pack.flows["f"].steps["s"]
    assert step.say == Text(variants, Pos("b.yaml", 2, 3))
    assert step.next[0].condition == Condition("x == 1", Pos("b.yaml", 2, 3))


@pytest.mark.parametrize(
    "say",
    [
        {"@Text": [1, "en"]},  # a language without its source
        {"@Text": [2, "en", "Hello"]},  # a place not in the table
        {"@Text": ["1", "en", "Hello"]},
        {"@Text": []},
        {"@Text": {"0": 1, "1": "en", "2": "Hello"}},
        {"@Text": {"variants": [["en", "Hello"]], "pos": 1}},
        {"@Condition": [1]},
        {"@Condition": [1, "x", "y"]},
        {"@Condition": [7, "x"]},
    ],
)
def test_a_text_or_condition_row_that_is_not_one_is_not_a_pack(say: object) -> None:
    with pytest.raises((LookupError, TypeError, ValueError)):
        cache.decode(_pack_file(1, [], say=say))


def test_the_collector_is_paused_while_loading_and_left_as_it_was() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested: the outer pause still holds after the inner one
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # a host that turned it off keeps it off
    finally:
        gc.enable()


class _Node:
    """An object in a reference cycle, as a loaded engine's machines are."""

    def __init__(self) -> None:
        self.itself = self


def test_what_a_pause_made_goes_to_the_oldest_generation_and_stays_collectable() -> None:
    import weakref

    with collector.paused():
        made = _Node()
    assert not any(item is made for item in gc.get_objects(generation=0))
    assert any(item is made for item in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0  # nothing kept out of the collector's reach
    gone = weakref.ref(made)
    del made
    gc.collect()
    assert gone() is None  # a dropped engine's cycles are freed


# A process that does nothing but check a small pack, as an editor checking at every change
# or the loader's fuzzer does: the largest number of objects the collector tracks, after each
# check, before and after the checks
CHECKING_AGAIN_AND_AGAIN = """
import gc, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from hostile.packs import say_flow, write_pack
from callguide.check import check_pack
pack = write_pack(Path(sys.argv[2]) / "pack", {"main.yaml": say_flow("Hello {{ x }}")})
check_pack(pack)
gc.collect()
before = len(gc.get_objects())
most = 0
for _ in range(300):
    check_pack(pack)
    most = max(most, len(gc.get_objects()))
print(json.dumps({"before": before, "most": most}))
"""


def test_a_process_that_only_checks_packs_does_not_keep_their_garbage(tmp_path: Path) -> None:
    """Each check of the pack leaves 321 objects of garbage in reference cycles (its sandbox
    and filters), which the pauses move to the oldest generation. A pause collects it once the
    pauses have moved as many objects as that generation held: the objects tracked never grow
    past twice what they were, and a check (a few hundred objects). Without it they grew by
    the garbage of every check (to 127,000 after these 300, from 31,000)."""
    import subprocess
    import sys

    tests = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", CHECKING_AGAIN_AND_AGAIN, str(tests), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    counted = json.loads(done.stdout)
    assert counted["most"] <= 2 * counted["before"] + 2_000


def test_a_pause_leaves_what_a_host_froze_frozen() -> None:
    kept = _Node()
    gc.freeze()
    try:
        with collector.paused():
            made = _Node()
        # a frozen object is in no generation (the collector never looks at it) yet tracked
        assert gc.is_tracked(kept) and not any(item is kept for item in gc.get_objects())
        assert any(item is made for item in gc.get_objects(generation=0))  # left where it was made
    finally:
        gc.unfreeze()


def test_the_cache_knows_every_model_field_default_as_msgspec_declares_it() -> None:
    """A field at its default is left out of a cache file: the defaults the cache reads from
    each class's own tuples must be the ones `msgspec.structs.fields` declares."""
    import dataclasses

    import msgspec

    for cls in cache._CLASSES.values():
        if issubclass(cls, msgspec.Struct):
            fields = [(f.name, f.default, f.default_factory, msgspec.NODEFAULT) for f in msgspec.structs.fields(cls)]
        else:
            fields = [(f.name, f.default, f.default_factory, dataclasses.MISSING) for f in dataclasses.fields(cls)]
        declared = {
            name: factory() if factory is not none else cache._NO_DEFAULT if default is none else default
            for name, default, factory, none in fields
        }
        assert cache._defaults(cls) == declared, cls.__name__
