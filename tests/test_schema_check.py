"""The schema check looks each `$ref` up once (`_Refs`): it reports exactly what jsonschema,
looking every reference up wherever it meets it, reports; same errors, same order, same
places in the document and in the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from callguide.check.schema import validator
from callguide.load.files import SourceFile, read_file
from callguide.schemas import schema, source
from hostile.flow_strategies import mutated_flows
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(ROOT.glob("flows/*/**/*.yaml")) + sorted(ROOT.glob("tests/packs/**/*.yaml"))


def _plain(kind: str) -> Draft202012Validator:
    found = schema(kind)
    if "any_step" in found["$defs"]:
        found["$defs"]["step"] = found["$defs"]["any_step"]
    return Draft202012Validator(found)


def _errors(checker: Any, data: Any) -> list[tuple[Any, ...]]:
    def one(error: Any) -> tuple[Any, ...]:
        inner = [one(sub) for sub in error.context or ()]
        where = (list(error.absolute_path), list(error.relative_schema_path), list(error.absolute_schema_path))
        return (error.validator, error.message, *where, error.schema, error.instance, inner)

    return [one(error) for error in checker.iter_errors(data)]


def test_the_files_cover_every_kind() -> None:
    kinds = {read.kind for read in map(read_file, FILES) if isinstance(read, SourceFile)}
    assert kinds == set(source.KINDS)


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_bundled_and_test_file_gets_the_same_errors(path: Path) -> None:
    read = read_file(path)
    if not isinstance(read, SourceFile):
        return
    assert _errors(validator(read.kind), read.document.data) == _errors(_plain(read.kind), read.document.data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_flows())
def test_a_mutated_flow_gets_the_same_errors(flow: dict[str, Any]) -> None:
    found = _errors(validator("flow"), flow)
    assert found == _errors(_plain("flow"), flow)
