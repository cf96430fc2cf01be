"""`.pre-commit-hooks.yaml` offers validate, fmt and test as pre-commit hooks that run."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import yaml
from callguide.cli.main import main

from .helpers import invoke

ROOT = Path(__file__).parent.parent.parent


def hooks() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def test_the_hooks_are_callguide_commands_pre_commit_can_install() -> None:
    found = hooks()
    assert set(found) == {"callguide-validate", "callguide-fmt", "callguide-test"}
    for hook in found.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"  # pre-commit installs this repository's package
        program, command = shlex.split(str(hook["entry"]))
        assert program == "callguide" and command in main.commands


def test_each_hook_passes_on_the_bundled_packs_and_fmt_fails_on_a_misformatted_file(tmp_path: Path) -> None:
    pack = tmp_path / "flows" / "acm"
    shutil.copytree(ROOT / "flows" / "acm", pack)
    changed = [str(pack / "pack.yaml"), str(pack / "call_end.yaml")]
    for hook in hooks().values():
        command = shlex.split(str(hook["entry"]))[1]
        args = [str(tmp_path / arg) for arg in hook.get("args", [])]
        files = [] if hook.get("pass_filenames") is False else changed
        code, out = invoke(command, *args, *files)
        assert code == 0, (hook["id"], out)
    (pack / "call_end.yaml").write_text(
        "catalog:   call_end\n" + (pack / "call_end.yaml").read_text().split("catalog: call_end\n", 1)[1]
    )
    assert invoke("fmt", *changed)[0] == 0  # the hook rewrites the file ...
    assert "catalog: call_end\n" in (pack / "call_end.yaml").read_text()
    assert invoke("fmt", "--check", *changed)[0] == 0  # ... and pre-commit sees it settled
