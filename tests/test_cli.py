"""The command line through click's runner (and `run` through a real pseudo-terminal)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from callguide.cli.main import main
from click.testing import CliRunner
from hostile.packs import SHARES, write_pack

ROOT = Path(__file__).parent.parent
DEMO = Path(__file__).parent / "packs" / "demo"
CUSTOMER = "customer:\n  id: C1\n  name: Ann Smith\n  phone: '0712345678'\n"


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def given(tmp_path: Path) -> Path:
    path = tmp_path / "given.yaml"
    path.write_text(CUSTOMER)
    return path


def test_run_reads_answers_from_a_pipe_and_prints_the_record(given: Path) -> None:
    code, out = invoke(
        "run",
        str(DEMO),
        "main",
        "--given",
        str(given),
        "--clock",
        "2026-11-23 10:00",
        stdin="\n2\nthe unit is broken\n\n1\n\n\n",
    )
    assert code == 0, out
    assert "Hello Ann Smith" in out
    assert "1. Billing (billing)" in out
    assert "Call record" in out and "resolved" in out


def test_run_shows_the_engines_message_and_asks_again(given: Path) -> None:
    code, out = invoke("run", str(DEMO), "main", "--given", str(given), stdin="\nnonsense\n:quit\n")
    assert code == 0
    assert "✗ `nonsense` is not one of the options: 1. Billing" in out
    assert out.count("What is it about?") == 2


@pytest.mark.parametrize("typed", ["[/foo]", "[reverse]x[/reverse]", "[bold red]x", "[link=file:///etc]y"])
def test_run_shows_what_the_agent_typed_as_typed(given: Path, typed: str) -> None:
    code, out = invoke("run", str(DEMO), "main", "--given", str(given), stdin=f"\n{typed}\n:quit\n")
    assert code == 0, out
    assert f"> {typed}\n" in out
    assert f"✗ `{typed}` is not one of the options: 1. Billing" in out


def test_run_shows_flow_texts_and_the_record_as_written(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(DEMO, pack)
    main = pack / "main.yaml"
    main.write_text(
        main.read_text(encoding="utf-8").replace("billing: Billing", "billing: '[/b] Billing'"), encoding="utf-8"
    )
    given = tmp_path / "given.yaml"
    given.write_text(CUSTOMER.replace("Ann Smith", "'[reverse]Ann[/reverse]'"), encoding="utf-8")
    code, out = invoke("run", str(pack), "main", "--given", str(given), stdin="\n:quit\n")
    assert code == 0, out
    assert "Hello [reverse]Ann[/reverse]" in out
    assert "1. [/b] Billing (billing)" in out


def test_run_takes_rule_events_and_says_when_input_ends_early(given: Path) -> None:
    code, out = invoke("run", str(DEMO), "main", "--given", str(given), stdin="!insult\n")
    assert code == 1
    assert "Please do not insult me, Ann Smith." in out
    assert "the input ended before the call did" in out


def test_run_refuses_an_unknown_flow_as_a_usage_error() -> None:
    code, out = invoke("run", str(DEMO), "mian", stdin="")
    assert code == 2
    assert "pack `demo` has no flow `mian`" in out


def test_simulate_prints_the_record_as_json(tmp_path: Path, given: Path) -> None:
    answers = tmp_path / "moves.yaml"
    answers.write_text("- answer: null\n- answer: skip\n")
    code, out = invoke("simulate", str(DEMO), "main", "--given", str(given), "--answers", str(answers), "--json")
    assert code == 0, out
    record = json.loads(out)
    assert (record["outcome"], record["reason"], record["close"]) == ("resolved", "done", True)
    assert record["path"] == ["main:hello", "main:topic"]


def test_simulate_reports_a_bad_moves_file_with_its_line(tmp_path: Path, given: Path) -> None:
    answers = tmp_path / "moves.yaml"
    answers.write_text("- answer: null\n- anser: skip\n")
    code, out = invoke("simulate", str(DEMO), "main", "--given", str(given), "--answers", str(answers))
    assert code == 1
    assert "moves.yaml:2:3: error unknown-key: unknown key `anser` in `play` - did you mean `answer`?" in out


def write_scenario(folder: Path, text: str) -> Path:
    pack = folder / "demo"
    if not pack.exists():
        shutil.copytree(DEMO, pack)
    (pack / "tests").mkdir(exist_ok=True)
    path = pack / "tests" / "scenario.yaml"
    path.write_text(text)
    return path


def test_test_passes_and_fails_with_the_line_of_the_expectation(tmp_path: Path) -> None:
    good = "scenario: skip\nflow: main\ngiven: {customer: {name: Ann, phone: '0712345678'}}\nplay:\n  - answer: null\n  - answer: skip\nexpect:\n  outcome: resolved\n"
    path = write_scenario(tmp_path, good)
    assert invoke("test", str(path)) == (0, "1 passed, 0 failed\n")
    path.write_text(good.replace("outcome: resolved", "outcome: dropped"))
    code, out = invoke("test", str(path))
    assert code == 1
    assert f"{path}:8:12: outcome: expected `dropped`, got `resolved`" in out.replace(
        str(tmp_path.resolve()), str(tmp_path)
    )
    assert out.rstrip().endswith("0 passed, 1 failed")


def test_test_shows_scenario_names_and_problems_as_written(tmp_path: Path) -> None:
    failing = "scenario: '[/b] skip [reverse]'\nflow: main\ngiven: {customer: {name: Ann, phone: '0712345678'}}\nplay:\n  - answer: null\n  - answer: skip\nexpect:\n  outcome: dropped\n"
    path = write_scenario(tmp_path, failing)
    code, out = invoke("test", str(path))
    assert code == 1 and "FAIL" in out and ": [/b] skip [reverse]" in out
    path.write_text(failing.replace("flow: main", "flow: '[/nope]'"))
    code, out = invoke("test", str(path))
    assert code == 1 and "[/nope]" in out


def test_a_scenario_may_expect_the_wrap_up_to_be_refused(tmp_path: Path) -> None:
    text = (
        "scenario: an open request needs a description\nflow: main\n"
        "given: {customer: {name: Ann, phone: '0712345678'}}\nplay:\n  - hangup: dropped\n"
        "wrapup: {reason: follow_up, close: false, queue: support}\n"
        "expect:\n  wrapup_refused: 'describe the call: a description is required for this reason'\n"
    )
    path = write_scenario(tmp_path, text)
    assert invoke("test", str(path)) == (0, "1 passed, 0 failed\n")
    path.write_text(text.replace("close: false, queue: support}", "close: false, queue: support, description: ok}"))
    code, out = invoke("test", str(path))
    assert code == 1 and "expected the wrap-up to be refused" in out


def test_coverage_lists_what_no_scenario_reached_and_generate_writes_skeletons(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        "scenario: skip\nflow: main\ngiven: {customer: {name: Ann, phone: '0712345678'}}\nplay:\n  - answer: null\n  - answer: skip\n",
    )
    code, out = invoke("test", str(path.parent.parent), "--coverage", "--generate")
    assert code == 1
    assert "coverage of" in out and "steps 2/" in out
    assert "step `main:amount` is never visited" in out
    assert "rule `insult` never warns" in out
    assert "end reason `follow_up` is never chosen" in out
    generated = sorted(p.name for p in (path.parent).glob("generated_*.yaml"))
    assert "generated_main_amount.yaml" in generated
    text = (path.parent / "generated_main_amount.yaml").read_text()
    assert "answer: billing   # at topic" in text


def test_graph_draws_mermaid_and_dot_and_explains_svg_without_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = invoke("graph", str(DEMO), "main")
    assert code == 0
    assert out.startswith("flowchart TD")
    assert "n_topic -->|\"topic == 'billing'\"| n_amount" in out
    assert 'subgraph rules["rules - in every step"]' in out
    code, out = invoke("graph", str(DEMO), "main", "--format", "dot")
    assert code == 0 and out.startswith('digraph "main"')
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, out = invoke("graph", str(DEMO), "main", "--format", "svg")
    assert code == 2 and "needs Graphviz's `dot` program" in out


def test_fmt_keeps_comments_and_order_and_check_reports_changes(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(
        "flow: x   # the name\nstart: a\nsteps:\n    a:\n        say: hi   # greeting\n        end: resolved\n"
    )
    code, out = invoke("fmt", "--check", str(path))
    assert code == 1 and "would reformat" in out
    assert invoke("fmt", str(path))[0] == 0
    text = path.read_text()
    assert text.startswith("flow: x   # the name\nstart: a\nsteps:\n  a:\n    say: hi")
    assert "# greeting\n    end: resolved\n" in text
    assert invoke("fmt", "--check", str(path))[0] == 0


def test_new_pack_and_flow_validate_and_pass_their_test(tmp_path: Path) -> None:
    assert invoke("new", "pack", "shop", "--dir", str(tmp_path))[0] == 0
    assert invoke("new", "flow", "returns", "--dir", str(tmp_path / "shop"))[0] == 0
    assert invoke("validate", str(tmp_path / "shop")) == (0, "1 pack checked: 0 error(s), 0 warning(s)\n")
    assert invoke("test", str(tmp_path / "shop"))[0] == 0
    code, out = invoke("new", "pack", "Bad-Name", "--dir", str(tmp_path))
    assert code == 2 and "is not a valid name" in out


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_run_in_a_real_terminal(tmp_path: Path, given: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    command = str(Path(sys.executable).parent / "callguide")
    child = pexpect.spawn(
        command, ["run", str(DEMO), "main", "--given", str(given)], encoding="utf-8", timeout=120, dimensions=(40, 120)
    )
    child.expect("Hello Ann Smith")
    child.expect("> ")
    child.sendline("")
    child.expect(r"Billing .*\(billing\)")
    child.sendline("billing")
    child.expect("How much?")
    child.sendline("9999")
    child.expect("must be at most 500")
    child.sendline(":quit")
    child.expect(pexpect.EOF)


def test_run_says_why_a_screen_cannot_be_shown_and_stays_at_the_question(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"main.yaml": SHARES})
    code, out = invoke("run", str(pack), "main", stdin="0\n4\n:quit\n")
    assert code == 0, out
    failed, after = out.split("✗ ", 1)
    assert "How many people share the bill?" in failed
    assert after.startswith(f"{pack / 'main.yaml'}:11:10: ZeroDivisionError: integer division or modulo by zero"), after
    assert after.count("How many people share the bill?") == 1  # asked again: the move was undone
    assert "Each pays 25" in after
