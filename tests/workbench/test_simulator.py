"""The simulator a trainer would use: what `callguide run` shows in a real 80-column terminal
(pexpect), its wrap-up, line editing, `:record`, and its messages when a call cannot start."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from .helpers import invoke

ROOT = Path(__file__).parent.parent.parent
DEMO = ROOT / "tests" / "packs" / "demo"
CALLGUIDE = str(Path(sys.executable).parent / "callguide")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
LONG_WARNING = (
    "I must ask you not to insult me. If the insults go on I will have to end this call, "
    "and the call will be recorded as ended for abuse."
)

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """The demo pack, with a warning phrase longer than a line of the terminal."""
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    phrases = copy / "phrases.yaml"
    text = phrases.read_text(encoding="utf-8")
    phrases.write_text(re.sub(r"warn_insult: .*", f"warn_insult: {LONG_WARNING}", text), encoding="utf-8")
    return copy


def terminal(pack: Path, *args: str, home: Path) -> pexpect.spawn:
    """`callguide run PACK main` in an 80-column pseudo-terminal, the clock frozen."""
    return pexpect.spawn(
        CALLGUIDE,
        ["run", str(pack), "main", "--customer", "C1", "--clock", "2026-11-23 10:00", *args],
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 80),
        env={"TERM": "xterm", "HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def screen(child: pexpect.spawn) -> str:
    """What the terminal showed so far, without colours and control codes."""
    return ANSI.sub("", child.before or "")


def test_a_rule_warning_wraps_in_its_panel_and_is_never_clipped(pack: Path, tmp_path: Path) -> None:
    child = terminal(pack, home=tmp_path)
    child.expect("> ")
    child.sendline("!insult")
    child.expect("> ")
    shown = screen(child)
    panel = [line for line in shown.splitlines() if line.startswith("│")]
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert len(panel) >= 2  # wrapped onto two lines inside the panel, not cut at the border
    said = " ".join(line.strip("│ ") for line in panel)
    assert said == LONG_WARNING
    child.sendline(":quit")
    child.expect(pexpect.EOF)


def test_arrow_keys_edit_the_line_and_bring_back_what_was_typed(pack: Path, tmp_path: Path) -> None:
    child = terminal(pack, home=tmp_path)
    child.expect("> ")
    child.sendline("")
    child.expect("> ")
    child.sendline("billing")
    child.expect("How much\\?")
    child.expect("> ")
    child.sendline("9999")
    child.expect("must be at most 500")
    child.expect("> ")
    child.send("\x1b[A")  # up: the line typed before
    child.sendline("")
    child.expect("must be at most 500")
    child.expect("> ")
    child.send("5\x1b[D1")  # 5, left, 1: "15"
    child.sendline("")
    child.expect("When did you pay\\?")
    assert "^[[" not in screen(child)
    child.sendline(":quit")
    child.expect(pexpect.EOF)


def test_the_wrap_up_warns_reviews_and_goes_back(pack: Path, tmp_path: Path) -> None:
    child = terminal(pack, home=tmp_path)
    child.expect("> ")
    child.sendline(":hangup")
    child.expect("Pick the end-of-call reason")
    child.expect("> ")
    child.sendline("abusive")
    child.expect("Describe the call")
    warned = " ".join(screen(child).split())
    assert "⚠ `abusive` is the reason rules `insult`, `obscene` end a call with, but no such rule ended this call" in (
        warned
    )
    child.expect("> ")
    child.sendline("")
    child.expect("Enter saves the call; :back changes the wrap-up > ")
    review = screen(child)
    assert re.search(r"reason\s+│ Abusive caller \(abusive\)", review)
    assert re.search(r"close the request\s+│ yes", review)
    child.sendline(":back")  # to the description
    child.expect("Describe the call")
    child.expect("> ")
    child.sendline(":back")  # to the reason
    child.expect("Pick the end-of-call reason")
    child.expect("> ")
    child.sendline("test_call")
    child.expect("Describe the call")
    child.expect("> ")
    child.sendline("")
    child.expect("Enter saves the call")
    assert "⚠" not in screen(child)
    child.sendline("")
    child.expect(pexpect.EOF)
    record = ANSI.sub("", child.before or "")
    assert re.search(r"reason\s+│ Test call", record)
    assert re.search(r"close the request\s+│ yes", record) and "True" not in record and "None" not in record
    child.close()
    assert child.exitstatus == 0


def test_record_writes_the_call_as_a_scenario_that_passes(pack: Path) -> None:
    scenario = pack / "tests" / "recorded.yaml"
    assert invoke("schema", "--write", str(pack / "schemas"))[0] == 0  # the modeline's target
    code, out = invoke(
        "run",
        str(pack),
        "main",
        "--customer",
        "C1",
        "--clock",
        "2026-11-23 10:00",
        stdin=f"\nbilling\n9999\n15\n2026-11-20\n\n:hangup\nfollow_up\n\n\nthe bill was late\n:record {scenario}\n\n",
    )
    assert code == 0, out
    assert f"wrote {scenario}: `callguide test {scenario}` plays the call again" in out
    text = scenario.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/scenario.json\n")
    assert "given:\n  agent: {name: Agent, permissions: []}\n  customer: C1\n" in text
    assert "  - answer: '9999'\n    expect: {error: " in text
    assert invoke("fmt", "--check", str(scenario))[0] == 0
    assert invoke("test", str(scenario)) == (0, "1 passed, 0 failed\n")


def test_a_refused_permission_is_a_clear_message_not_a_usage_error() -> None:
    code, out = invoke("run", str(ROOT / "flows" / "bboxx"), "manual_outgoing", stdin="")
    assert code == 1
    assert "Usage:" not in out
    assert out.startswith("✗ the call cannot start: Only an agent authorised by the supervisor")


def test_a_mistyped_flow_or_command_gets_a_did_you_mean(pack: Path) -> None:
    code, out = invoke("run", str(pack), "mian", stdin="")
    assert code == 2 and "pack `demo` has no flow `mian` - did you mean `main`?" in out
    code, out = invoke("run", str(pack), "main", "--customer", "C1", stdin=":hangpu\n:quit\n")
    assert code == 0 and "✗ no command `:hangpu` - did you mean `hangup`?" in out
    code, out = invoke("run", str(pack), "main", "--customer", "C9", stdin="")
    assert code == 2 and "no customer `C9` in the pack's sample data (data/customers.yaml)" in out


def test_a_missing_input_says_how_to_give_it() -> None:
    code, out = invoke("run", str(ROOT / "flows" / "beeline"), "incoming", stdin="")
    assert code == 2 and "flow `incoming` needs `caller_number`: give --input caller_number=VALUE" in out


def test_data_is_a_table_and_effects_are_shown_whole(pack: Path) -> None:
    code, out = invoke("run", str(pack), "main", "--customer", "C1", stdin=":data\n:quit\n")
    assert code == 0
    assert re.search(r"│ name\s+│ Ann Smith\s+│", out) and re.search(r"│ phone\s+│ 0712345678\s+│", out)


def test_simulate_says_where_the_answers_ran_out(pack: Path, tmp_path: Path) -> None:
    moves = tmp_path / "moves.yaml"
    moves.write_text("- answer: null\n", encoding="utf-8")
    code, out = invoke("simulate", str(pack), "main", "--customer", "C1", "--answers", str(moves))
    assert code == 1
    assert "  > (Enter)" in out
    assert f"{moves}: the answers ran out at step `topic` of flow `main`, before the call ended" in out
