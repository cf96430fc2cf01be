"""The JSON Schemas in schemas/: in step with schemas/source.py, valid, and documented.

Editors show a property's `title` and `description` as hover help: every property of every
file kind, at every depth, must have both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from callguide.cli.main import main
from callguide.load.files import SourceFile, read_file
from callguide.model import Step, keys_of
from callguide.schemas import source
from click.testing import CliRunner
from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_every_kind_has_a_file_and_nothing_else_is_there() -> None:
    assert sorted(path.stem for path in SCHEMAS.glob("*.json")) == sorted(source.KINDS)


@pytest.mark.parametrize("kind", source.KINDS)
def test_file_is_what_source_renders(kind: str) -> None:
    on_disk = (SCHEMAS / f"{kind}.json").read_text(encoding="utf-8")
    assert on_disk == source.render(kind), "run `callguide schema --write schemas` to regenerate them"


@pytest.mark.parametrize("kind", source.KINDS)
def test_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    schema = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", source.KINDS)
def test_is_self_contained(kind: str) -> None:
    """No `$ref` leaves the file: a language server never needs the network."""
    text = (SCHEMAS / f"{kind}.json").read_text(encoding="utf-8")
    refs = [ref for ref in _values_of(json.loads(text), "$ref")]
    assert refs and all(ref.startswith("#/") for ref in refs)


@pytest.mark.parametrize("kind", source.KINDS)
def test_a_reference_means_the_same_wherever_it_is_met(kind: str) -> None:
    """The checker looks each `$ref` up once (check/schema.py `_Refs`): no part below the root
    may set a base of its own (`$id`) or resolve by where it is met (`$dynamicRef`)."""
    found = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    parts = [value for key, value in found.items() if key != "$id"]
    for keyword in ("$id", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor"):
        assert not list(_values_of(parts, keyword)), keyword


def _values_of(node: Any, keyword: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == keyword:
                yield value
            yield from _values_of(value, keyword)
    elif isinstance(node, list):
        for item in node:
            yield from _values_of(item, keyword)


def _properties(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    """Every property schema at every depth, with a readable path to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, spec in value.items():
                    yield f"{where}.{name}", spec
                    yield from _properties(spec, f"{where}.{name}")
            elif key in ("enum", "const", "title", "description"):
                continue
            else:
                yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(item, f"{where}[{index}]")


@pytest.mark.parametrize("kind", source.KINDS)
def test_every_property_has_a_title_and_a_description(kind: str) -> None:
    schema = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    found = list(_properties(schema, kind))
    assert found, "the walk must find the properties"
    undocumented = [
        where
        for where, spec in found
        if not (isinstance(spec, dict) and _text(spec.get("title")) and _text(spec.get("description")))
    ]
    assert undocumented == []


@pytest.mark.parametrize("kind", source.KINDS)
def test_the_root_and_every_definition_have_a_title_and_a_description(kind: str) -> None:
    schema = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    assert _text(schema["title"]) and _text(schema["description"])
    for name, definition in schema["$defs"].items():
        assert _text(definition.get("title")) and _text(definition.get("description")), name


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def test_the_walk_finds_deep_properties() -> None:
    found = dict(_properties(json.loads((SCHEMAS / "flow.json").read_text(encoding="utf-8")), "flow"))
    assert "flow/$defs/Attempts.then" in found and "flow/$defs/Case.go" in found  # the definitions msgspec writes
    assert "flow/$defs/step/anyOf[1].text/oneOf[1].min_length" in found


def test_the_command_regenerates_the_files_from_the_model(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--write", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for kind in source.KINDS:
        assert (tmp_path / f"{kind}.json").read_text(encoding="utf-8") == source.render(kind)


def _flow_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / "flow.json").read_text(encoding="utf-8"))
    return loaded


def _editor_branches() -> dict[str, dict[str, Any]]:
    """The branches an editor sees for a step, by the key that makes the kind."""
    schema = _flow_schema()
    assert schema["properties"]["steps"]["additionalProperties"] == {"$ref": "#/$defs/step"}
    return {branch["required"][0]: branch for branch in schema["$defs"]["step"]["anyOf"]}


def test_an_editor_completes_only_the_keys_of_the_kind_of_step_being_written() -> None:
    branches = _editor_branches()
    assert sorted(branches) == ["ask", "call", "do", "end", "next", "say"]
    assert all(branch["additionalProperties"] is False for branch in branches.values())
    keys = {kind: set(branch["properties"]) for kind, branch in branches.items()}
    every_step = {key.name for key in keys_of(Step)}  # the keys of every kind, declared on `Step`
    assert {"hint", "title", "set", "warn", "back"} <= every_step
    assert keys["say"] == every_step | {"say", "next"}
    assert keys["next"] == every_step | {"next"}
    assert {"ask", "choice", "lookup", "by", "save", "attempts", "default", "optional"} <= keys["ask"]
    assert keys["do"] & {"choice", "end", "close"} == set() and {"with", "confirm", "on_failure"} <= keys["do"]
    assert {"end", "reason", "close", "description"} <= keys["end"] and "next" not in keys["end"]
    # the hover help is the same in every branch as in the step the checker validates
    every = _flow_schema()["$defs"]["any_step"]["properties"]
    assert all(spec == every[key] for branch in branches.values() for key, spec in branch["properties"].items())


BUNDLED = sorted(SCHEMAS.parent.glob("flows/*/*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_bundled_step_fits_exactly_the_branch_of_its_kind(path: Path) -> None:
    read = read_file(path)
    assert isinstance(read, SourceFile)
    if read.kind != "flow":
        return
    data = read.document.data
    schema = _flow_schema()
    branches = {
        kind: Draft202012Validator({"$defs": schema["$defs"], **branch}) for kind, branch in _editor_branches().items()
    }
    for name, step in data["steps"].items():
        fits = [kind for kind, validator in branches.items() if validator.is_valid(step)]
        assert len(fits) == 1, f"step `{name}` fits {fits}"
