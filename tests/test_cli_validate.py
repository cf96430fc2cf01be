"""`callguide validate` and `callguide schema`, through click's test runner."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from callguide.cli.main import main
from callguide.schemas import schema as load_schema
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent

PACK = """\
pack: demo
language: en
call_end: call_end
"""
CALL_END = """\
catalog: call_end
reasons:
  done: {label: Done, close: true, locked: true}
"""
GOOD = """\
flow: main
start: hello
steps:
  hello:
    say: Hello
    next: bye
  bye:
    end: resolved
"""
BROKEN = """\
flow: broken
start: hello
steps:
  hello:
    say: Hello {{ nmae }}
    next: bey
  bye:
    end: resolved
  lost:
    end: resolved
"""
# A branch after one without `if` is a warning, not an error.
WARNED = GOOD.replace("next: bye", "next:\n      - go: bye\n      - go: bye")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write_pack(folder: Path, **flows: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "pack.yaml").write_text(PACK, encoding="utf-8")
    (folder / "call_end.yaml").write_text(CALL_END, encoding="utf-8")
    for name, text in flows.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so that problems name files as `demo/main.yaml`."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_bundled_packs_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke("validate", "flows")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d+ packs? checked: 0 error\(s\), 0 warning\(s\)\n", result.output)


def test_a_valid_pack(here: Path) -> None:
    write_pack(here / "demo", main=GOOD)
    result = invoke("validate", "demo")
    assert (result.exit_code, result.output) == (0, "1 pack checked: 0 error(s), 0 warning(s)\n")


def test_problems_exit_1(here: Path) -> None:
    write_pack(here / "demo", main=GOOD, broken=BROKEN)
    result = invoke("validate", "demo")
    assert result.exit_code == 1
    assert result.output == (
        "demo/broken.yaml:5:10: error undefined-variable: `nmae` is not stored by any step nor given as `input`\n"
        "demo/broken.yaml:6:11: error unknown-step: step `hello` goes to `bey`, which is not a step of `broken`"
        " - did you mean `bye`?\n"
        "demo/broken.yaml:9:3: error unreachable-step: no path from `hello` leads to step `lost`\n"
        "1 pack checked: 3 error(s), 0 warning(s)\n"
    )


def test_a_missing_path_is_a_usage_error(here: Path) -> None:
    result = invoke("validate", "nowhere")
    assert result.exit_code == 2
    assert "Path 'nowhere' does not exist." in result.output


def test_no_path_is_a_usage_error() -> None:
    result = invoke("validate")
    assert result.exit_code == 2
    assert "Missing argument 'PATHS...'" in result.output


def test_a_folder_without_packs(here: Path) -> None:
    (here / "empty").mkdir()
    result = invoke("validate", "empty")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "empty:1:1: error missing-pack: no `pack.yaml` in or below this folder: nothing to check"
    )


def test_json_format(here: Path) -> None:
    write_pack(here / "demo", main=GOOD, broken=BROKEN)
    result = invoke("validate", "--format", "json", "demo")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["packs"] == ["demo"]
    assert (report["errors"], report["warnings"]) == (3, 0)
    assert report["problems"][0] == {
        "file": "demo/broken.yaml",
        "line": 5,
        "col": 10,
        "severity": "error",
        "code": "undefined-variable",
        "message": "`nmae` is not stored by any step nor given as `input`",
    }
    assert [problem["code"] for problem in report["problems"]] == [
        "undefined-variable",
        "unknown-step",
        "unreachable-step",
    ]


def test_json_format_of_a_valid_pack(here: Path) -> None:
    write_pack(here / "demo", main=GOOD)
    result = invoke("validate", "--format", "json", "demo")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"packs": ["demo"], "errors": 0, "warnings": 0, "problems": []}


def test_a_single_file_inside_a_pack_reports_only_its_own_problems(here: Path) -> None:
    write_pack(here / "demo", main=GOOD, broken=BROKEN)
    result = invoke("validate", "demo/main.yaml")
    assert (result.exit_code, result.output) == (0, "1 pack checked: 0 error(s), 0 warning(s)\n")
    result = invoke("validate", "demo/broken.yaml")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "1 pack checked: 3 error(s), 0 warning(s)"


def test_a_single_file_is_checked_with_the_rest_of_its_pack(here: Path) -> None:
    # `send` exists in another file of the pack: calling it is fine
    caller = GOOD.replace("    say: Hello\n", "    call: send\n")
    write_pack(here / "demo", main=caller, send=GOOD.replace("flow: main", "flow: send"))
    result = invoke("validate", "demo/main.yaml")
    assert (result.exit_code, result.output) == (0, "1 pack checked: 0 error(s), 0 warning(s)\n")


def test_a_file_outside_any_pack_gets_its_yaml_and_schema_checked(here: Path) -> None:
    (here / "lonely.yaml").write_text(
        "flow: lonely\nstart: a\nsteps:\n  a:\n    say: Hi\n    nxet: b\n", encoding="utf-8"
    )
    result = invoke("validate", "lonely.yaml")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "lonely.yaml:6:5: error unknown-key: unknown key `nxet` in `a` - did you mean `next`?"
    )


def test_several_paths_check_each_pack_once(here: Path) -> None:
    write_pack(here / "packs" / "one", main=GOOD)
    write_pack(here / "packs" / "two", main=GOOD)
    result = invoke("validate", "packs", "packs/one", "packs/two/main.yaml")
    assert (result.exit_code, result.output) == (0, "2 packs checked: 0 error(s), 0 warning(s)\n")


def test_warnings_pass_unless_strict(here: Path) -> None:
    write_pack(here / "demo", main=WARNED)
    warning = (
        "demo/main.yaml:8:9: warning dead-branch: the branch before has no `if`,"
        " so the 1 branch(es) after it in `hello` are never taken\n"
    )
    result = invoke("validate", "demo")
    assert (result.exit_code, result.output) == (0, warning + "1 pack checked: 0 error(s), 1 warning(s)\n")
    result = invoke("validate", "--strict", "demo")
    assert (result.exit_code, result.output) == (1, warning + "1 pack checked: 0 error(s), 1 warning(s)\n")


def test_an_unknown_format_is_a_usage_error(here: Path) -> None:
    write_pack(here / "demo", main=GOOD)
    assert invoke("validate", "--format", "xml", "demo").exit_code == 2


def test_schema_lists_the_kinds() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [
        "pack",
        "flow",
        "rules",
        "catalog",
        "lifecycle",
        "worklist",
        "phrases",
        "scenario",
    ]
    assert lines[1] == f"{'flow':<10} Flow"


def test_schema_of_a_kind() -> None:
    result = invoke("schema", "flow")
    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert printed == load_schema("flow")
    assert printed == json.loads((ROOT / "schemas" / "flow.json").read_text(encoding="utf-8"))


def test_schema_of_an_unknown_kind() -> None:
    result = invoke("schema", "flows")
    assert result.exit_code == 2
    assert "'flows' is not one of" in result.output
