"""docs/language.md: its examples are checked like flow files, so the guide cannot drift.

The convention (see "How to read this guide" in the guide):

* A ```yaml block whose first line is `# file: NAME.yaml` is a complete file.
* Without a second marker line it belongs to the guide's example pack: all those files
  together (each name once) must validate with no error and no warning. `tests/NAME.yaml`
  files are scenario tests of that pack and must pass; `data/NAME.yaml` files are its
  sample data.
* `# expect: CODE, CODE` as the second line: a broken example. It replaces (or joins) the
  file of that name in a copy of the example pack, and the checker must report exactly those
  codes.
* `# expect: nothing` as the second line: a fixed example, checked the same way; the checker
  must report nothing at all.
* Every other ```yaml block is a fragment: it must at least be YAML the reader accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from callguide.check import check_pack
from callguide.effects import BUILTIN_EFFECTS
from callguide.filters import make_environment
from callguide.load.yaml_source import YamlProblem, read_yaml
from callguide.model import BUILTIN_OUTCOMES
from callguide.sandbox import Sandbox
from callguide.schemas import schema
from callguide.schemas.source import KINDS
from callguide.testing import run_scenario

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
ENGINE = ROOT / "engine"
# Codes no markdown example can show: bytes that are not UTF-8 text, a file the system cannot
# read, a link out of the pack.
NO_EXAMPLE = frozenset({"yaml-encoding", "file-read", "file-outside-pack"})


@dataclass(frozen=True, slots=True)
class Example:
    line: int  # where the block starts in the guide
    section: str  # the heading above it
    file: str | None  # `# file:` name, None for a fragment
    expect: frozenset[str] | None  # None: part of the example pack; empty: must give nothing
    text: str

    @property
    def id(self) -> str:
        what = "nothing" if self.expect == frozenset() else ",".join(sorted(self.expect or ()))
        return f"line {self.line}: {self.file} ({what})"


def parse(markdown: str) -> list[Example]:
    found: list[Example] = []
    section = ""
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#") and not line.startswith("#!"):
            section = line.lstrip("#").strip()
        if line.strip() == "```yaml":
            start = index + 1
            end = start
            while lines[end].strip() != "```":
                end += 1
            body = lines[start:end]
            found.append(_example(start, section, body))
            index = end
        index += 1
    return found


def _example(line: int, section: str, body: list[str]) -> Example:
    text = "\n".join(body) + "\n"
    head = re.fullmatch(r"# file: (\S+\.yaml)", body[0].strip()) if body else None
    if head is None:
        return Example(line, section, None, None, text)
    expect = None
    marker = re.fullmatch(r"# expect: (.+)", body[1].strip()) if len(body) > 1 else None
    if marker:
        codes = marker.group(1).strip()
        expect = frozenset() if codes == "nothing" else frozenset(code.strip() for code in codes.split(","))
    return Example(line, section, head.group(1), expect, text)


EXAMPLES = parse(DOC.read_text(encoding="utf-8"))
PACK = [example for example in EXAMPLES if example.file and example.expect is None]
CHECKED = [example for example in EXAMPLES if example.file and example.expect is not None]
FRAGMENTS = [example for example in EXAMPLES if example.file is None]
SCENARIOS = [example for example in PACK if example.file and example.file.startswith("tests/")]


def write_pack(root: Path) -> None:
    for example in PACK:
        assert example.file is not None
        target = root / example.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example.text, encoding="utf-8")


def problems_of(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(root.parent)
    return [str(problem) for problem in check_pack(Path(root.name)).problems]


def test_the_guide_has_examples_of_every_kind() -> None:
    assert len(PACK) >= 10 and len(CHECKED) >= 2 * 40
    kinds: set[str] = set()
    for example in PACK:
        data = read_yaml(example.text.encode(), example.file or "").data
        if isinstance(data, dict):
            kinds.update(key for key in data if key in KINDS)
    assert set(KINDS) <= kinds


def test_every_file_of_the_example_pack_is_shown_once() -> None:
    names = [example.file or "" for example in PACK]
    assert len(names) == len(set(names)), sorted(name for name in names if names.count(name) > 1)


def test_the_example_pack_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sunlight"
    write_pack(root)
    assert problems_of(root, monkeypatch) == []


@pytest.mark.parametrize("example", CHECKED, ids=[example.id for example in CHECKED])
def test_broken_and_fixed_examples(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sunlight"
    write_pack(root)
    assert example.file is not None and example.expect is not None
    (root / example.file).write_text(example.text, encoding="utf-8")
    problems = problems_of(root, monkeypatch)
    codes = {problem.split(": ", 2)[1].split()[1] for problem in problems}
    if example.expect:
        assert codes == example.expect, "\n".join(problems)
    else:
        assert problems == []


@pytest.fixture(scope="module")
def scenario_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("guide") / "sunlight"
    write_pack(root)
    return root


@pytest.mark.parametrize("example", SCENARIOS, ids=[example.id for example in SCENARIOS])
def test_scenario_examples_pass(example: Example, scenario_pack: Path) -> None:
    assert example.file is not None
    result = run_scenario(scenario_pack / example.file, pack=scenario_pack)
    assert result.passed, "\n".join(map(str, result.failures)) + "\n" + "\n".join(result.transcript)


@pytest.mark.parametrize("example", FRAGMENTS, ids=[f"line {example.line}" for example in FRAGMENTS])
def test_fragments_are_yaml(example: Example) -> None:
    try:
        read_yaml(example.text.encode(), f"{DOC.name}:{example.line}")
    except YamlProblem as err:  # pragma: no cover - the message says where
        pytest.fail(str(err))


def engine_codes() -> set[str]:
    sources = [*ENGINE.glob("check/*.py"), *ENGINE.glob("load/*.py")]
    return {code for path in sources for code in re.findall(r'"([a-z]+(?:-[a-z]+)+)"', path.read_text())}


def test_every_checker_code_has_a_section_with_a_broken_and_a_fixed_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for code in sorted(engine_codes()):
        if f"\n### `{code}`" not in text:
            missing.append(f"no section `### \\`{code}\\``")
            continue
        if code in NO_EXAMPLE:
            continue
        here = [example for example in CHECKED if example.section == f"`{code}`"]
        if not any(code in (example.expect or ()) for example in here):
            missing.append(f"{code}: no broken example (`# expect: {code}`) in its section")
        if not any(example.expect == frozenset() for example in here):
            missing.append(f"{code}: no fixed example (`# expect: nothing`) in its section")
    assert missing == []


def _property_names(node: object) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                names.update(value)
            names |= _property_names(value)
    elif isinstance(node, list):
        for item in node:
            names |= _property_names(item)
    return names


@pytest.mark.parametrize("kind", KINDS)
def test_every_key_is_explained(kind: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    unexplained = sorted(name for name in _property_names(schema(kind)) if f"`{name}" not in text)
    assert unexplained == []


def test_every_filter_test_effect_and_outcome_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    plain = Sandbox()
    env = make_environment()
    ours = [*(set(env.filters) - set(plain.filters)), *(set(env.tests) - set(plain.tests))]
    names = [*ours, *BUILTIN_EFFECTS, *BUILTIN_OUTCOMES]
    assert sorted(name for name in names if f"`{name}" not in text) == []
