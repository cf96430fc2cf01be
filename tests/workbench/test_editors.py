"""Editor help anywhere: the `$schema` modelines `new`, `test --generate` and `schema --write`
make resolve to the schema files wherever the pack lives; what the tool writes passes `fmt --check`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from callguide.schemas import schema

from .helpers import invoke

ROOT = Path(__file__).parent.parent.parent
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\n")


def modeline_target(file: Path) -> Path:
    match = MODELINE.match(file.read_text(encoding="utf-8"))
    assert match, f"{file} has no modeline"
    return (file.parent / match.group(1)).resolve()


def test_a_pack_made_far_from_the_repository_gets_schemas_its_modelines_reach(tmp_path: Path) -> None:
    code, out = invoke("new", "pack", "shop", "--dir", str(tmp_path))
    assert code == 0 and f"created {tmp_path / 'shop' / 'schemas' / 'flow.json'}" in out
    pack = tmp_path / "shop"
    kinds = {"pack.yaml": "pack", "call_end.yaml": "catalog", "welcome.yaml": "flow"}
    for name, kind in {**kinds, "tests/welcome_question.yaml": "scenario"}.items():
        target = modeline_target(pack / name)
        assert target == (pack / "schemas" / f"{kind}.json").resolve()
        assert json.loads(target.read_text(encoding="utf-8")) == schema(kind)
    assert invoke("new", "flow", "returns", "--dir", str(pack))[0] == 0
    assert modeline_target(pack / "returns.yaml") == (pack / "schemas" / "flow.json").resolve()
    assert invoke("validate", str(pack)) == (0, "1 pack checked: 0 error(s), 0 warning(s)\n")
    assert invoke("test", str(pack), "--generate")[0] == 0
    generated = sorted((pack / "tests").glob("generated_*.yaml"))
    assert generated and all(
        modeline_target(file) == (pack / "schemas" / "scenario.json").resolve() for file in generated
    )
    code, out = invoke("fmt", "--check", str(pack))
    assert code == 0, out


def test_a_pack_under_a_schemas_folder_points_at_it(tmp_path: Path) -> None:
    assert invoke("schema", "--write", str(tmp_path / "schemas"))[0] == 0
    assert sorted(p.stem for p in (tmp_path / "schemas").glob("*.json")) == sorted(
        ["pack", "flow", "rules", "catalog", "lifecycle", "worklist", "phrases", "scenario"]
    )
    assert invoke("new", "pack", "shop", "--dir", str(tmp_path / "flows"))[0] == 0
    pack = tmp_path / "flows" / "shop"
    assert not (pack / "schemas").exists()
    assert (
        (pack / "welcome.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=../../schemas/flow.json\n")
    )


def test_the_bundled_packs_modelines_resolve() -> None:
    for file in sorted((ROOT / "flows").glob("*/*.yaml")):
        if MODELINE.match(file.read_text(encoding="utf-8")):
            assert modeline_target(file).is_file(), file
