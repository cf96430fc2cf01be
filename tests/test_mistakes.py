"""A corpus of the mistakes analysts really make, each a change to a copy of a bundled pack.

Every file of `tests/mistakes/` describes one mistake:

* `pack`: the bundled pack (a folder of `flows/`) the mistake is made in;
* `change`: what the analyst typed - in `file`, the text `find` (found exactly once)
  becomes `write`; without `find`, `write` is the whole file;
* `expect`: every problem the checker must report, and nothing else: the place
  (`file:line`), the `code`, and a piece of the message that is the `hint`;
* `fix`: doing what the hint says, on top of the mistake; the pack must then validate
  with no problem at all - a hint that, followed, fixes the pack.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from callguide.check import check_pack
from callguide.load.yaml_source import read_yaml

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "tests" / "mistakes").glob("*.yaml"))


@dataclass(frozen=True, slots=True)
class Change:
    file: str
    write: str
    find: str | None = None

    def apply(self, root: Path) -> None:
        target = root / self.file
        if self.find is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.write, encoding="utf-8")
            return
        text = target.read_text(encoding="utf-8")
        assert text.count(self.find) == 1, f"`{self.find}` must be in {self.file} exactly once"
        target.write_text(text.replace(self.find, self.write), encoding="utf-8")


def changes(items: list[dict[str, Any]]) -> list[Change]:
    return [Change(item["file"], item["write"], item.get("find")) for item in items]


def copy_pack(name: str, into: Path) -> Path:
    root = into / name
    shutil.copytree(ROOT / "flows" / name, root, ignore=shutil.ignore_patterns("tests"))
    return root


def problems(root: Path) -> list[tuple[str, str, str]]:
    found = check_pack(Path(root.name)).problems
    return [(f"{Path(p.pos.file).relative_to(root.name)}:{p.pos.line}", p.code, p.message) for p in found]


def test_the_corpus_is_large_and_every_case_is_told() -> None:
    assert len(CASES) >= 50
    for path in CASES:
        case = read_yaml(path.read_bytes(), path.name).data
        assert case["mistake"] and case["expect"] and case["fix"], path.name


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_mistake(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = read_yaml(path.read_bytes(), path.name).data
    monkeypatch.chdir(tmp_path)
    root = copy_pack(case["pack"], tmp_path)
    for change in changes(case["change"]):
        change.apply(root)
    found = problems(root)
    expected = [(item["at"], item["code"]) for item in case["expect"]]
    assert [(at, code) for at, code, _ in found] == expected, "\n".join(map(str, found))
    for (_, _, message), item in zip(found, case["expect"], strict=True):
        assert item["hint"] in message
    for change in changes(case["fix"]):
        change.apply(root)
    assert problems(root) == []
