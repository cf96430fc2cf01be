"""A pack's files are inside its folder, and `callguide fmt` reads them as `validate` does.

`validate` never follows a link out of the pack (it quoted the first key of whatever the link
pointed at); `fmt` reads with the same reader and limits (a hostile file gives a problem at
its place, never a traceback) and never writes through a link nor outside the folder given.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from callguide.cli.main import main
from click.testing import CliRunner

from .packs import MANIFEST, say_flow, write_pack

SECRET = "root_password: hunter2\n"
FLOW = say_flow("Hello")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file, and a folder holding one, outside the pack; each starts with a key of its own."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.yaml").write_text(SECRET, encoding="utf-8")
    return folder


# --- 7. validate does not follow links out of the pack ---------------------------------------


def test_validate_refuses_a_link_out_of_the_pack_and_quotes_nothing_of_it(tmp_path: Path, outside: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": FLOW})
    (pack / "passwords.yaml").symlink_to(outside / "secret.yaml")
    (pack / "more").symlink_to(outside, target_is_directory=True)
    code, out = invoke("validate", str(pack))
    assert code == 1
    assert "root_password" not in out and "hunter2" not in out and "elsewhere" not in out
    lines = [line for line in out.splitlines() if "file-outside-pack" in line]
    assert lines == [
        f"{pack / 'more'}:1:1: error file-outside-pack: the folder links to a place outside"
        " the pack's folder; a pack's files must be inside it",
        f"{pack / 'passwords.yaml'}:1:1: error file-outside-pack: the file links to a place outside"
        " the pack's folder; a pack's files must be inside it",
    ]


def test_a_link_to_a_file_inside_the_pack_is_read(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": FLOW})
    (pack / "sub").mkdir()
    (pack / "sub" / "other.yaml").write_text(FLOW.replace("flow: main", "flow: other"), encoding="utf-8")
    (pack / "linked.yaml").symlink_to(pack / "sub" / "other.yaml")
    _, out = invoke("validate", str(pack))
    assert "file-outside-pack" not in out
    assert "duplicate" in out  # the link is read: the flow `other` is there twice


def test_a_manifest_linked_out_of_the_pack_is_refused(tmp_path: Path, outside: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": FLOW})
    (outside / "pack.yaml").write_text((pack / "pack.yaml").read_text(), encoding="utf-8")
    (pack / "pack.yaml").unlink()
    (pack / "pack.yaml").symlink_to(outside / "pack.yaml")
    code, out = invoke("validate", str(pack))
    assert code == 1 and f"{pack / 'pack.yaml'}:1:1: error file-outside-pack" in out


def test_a_link_out_of_a_pack_under_the_working_folder_is_shown_as_itself(
    tmp_path: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": FLOW})
    (pack / "passwords.yaml").symlink_to(outside / "secret.yaml")
    monkeypatch.chdir(tmp_path)  # the target is under the working folder too
    _, out = invoke("validate", "pack")
    assert "pack/passwords.yaml:1:1: error file-outside-pack" in out and "elsewhere" not in out


def test_sample_records_linked_out_of_the_pack_are_not_read(tmp_path: Path, outside: Path) -> None:
    flow = (
        "flow: main\ntitle: Main\nstart: find\nsteps:\n  find:\n    ask: Find\n    lookup: clients\n"
        "    save: client\n    next: greet\n  greet:\n    say: Hi {{ client.nickname }}\n    next: bye\n"
        "  bye:\n    end: resolved\n"
    )
    pack = write_pack(tmp_path / "pack", {"main.yaml": flow}, manifest=MANIFEST + "lookups: {clients: Clients}\n")
    (outside / "records.yaml").write_text("- {root_password: hunter2}\n", encoding="utf-8")
    (pack / "data").mkdir()
    (pack / "data" / "clients.yaml").symlink_to(outside / "records.yaml")
    _, out = invoke("validate", str(pack))
    assert "root_password" not in out and "unknown-field" not in out


# --- 6. fmt reads like validate, and writes only inside ---------------------------------------

HOSTILE = {
    "deep.yaml": (b"a: " + b"[" * 5_000 + b"]" * 5_000 + b"\n", "deep.yaml:1:"),
    "latin1.yaml": (b"flow: caf\xe9\n", "latin1.yaml:1:"),
    "huge_int.yaml": (b"flow: x\nn: " + b"9" * 5_000 + b"\n", "huge_int.yaml:2:"),
    "merge.yaml": (b"a: &a\n  <<: *a\n", "merge.yaml:"),
    "big.yaml": (b"flow: x\nnote: '" + b"x" * 2_000_000 + b"'\n", "big.yaml:1:1: error yaml-limit"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_fmt_reports_a_hostile_file_at_its_place_and_leaves_it_alone(tmp_path: Path, name: str) -> None:
    raw, where = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(raw)
    code, out = invoke("fmt", str(path))
    assert code == 1
    assert "Traceback" not in out and "Error:" not in out.split(": error ")[0]
    problem = next(line for line in out.splitlines() if " error " in line)
    assert problem.startswith(str(tmp_path / where)), out
    assert "1 unreadable" in out
    assert path.read_bytes() == raw


def test_fmt_uses_the_packs_own_limits(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": FLOW.replace("title: Main", "title: '" + "x" * 300 + "'")})
    (pack / "pack.yaml").write_text((pack / "pack.yaml").read_text() + "limits: {max_line_length: 100}\n")
    code, out = invoke("fmt", "--check", str(pack))
    assert code == 1 and f"{pack / 'main.yaml'}:2:" in out and "yaml-limit" in out


def test_fmt_never_writes_through_a_link(tmp_path: Path, outside: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": FLOW})
    target = outside / "secret.yaml"
    target.write_text("flow:    x\nsteps:     {}\n", encoding="utf-8")
    before = target.read_bytes()
    (pack / "linked.yaml").symlink_to(target)
    code, out = invoke("fmt", str(pack))
    assert code == 1
    assert f"{pack / 'linked.yaml'}:1:1: error file-outside-pack" in out
    assert target.read_bytes() == before
    # a link named on the command line is refused the same way
    code, out = invoke("fmt", str(pack / "linked.yaml"))
    assert code == 1 and target.read_bytes() == before


def test_fmt_never_writes_through_a_link_inside_the_pack(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": FLOW.replace("title: Main", "title:    Main")})
    (pack / "alias.yaml").symlink_to(pack / "main.yaml")
    _, out = invoke("fmt", str(pack))
    assert os.path.islink(pack / "alias.yaml")
    assert f"{pack / 'alias.yaml'}:1:1: warning file-is-link" in out
    assert "title: Main" in (pack / "main.yaml").read_text()  # the file itself is formatted
