"""The checker: one test per problem code, each on a small broken pack, asserting the exact
problems (file, line, column, severity, code and message) and that nothing else is reported.
"""

from __future__ import annotations

import gc
import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from callguide.check import check_pack, run
from callguide.load.files import PackSource
from callguide.schemas import schema

ENGINE = Path(__file__).resolve().parent.parent / "engine"

PACK = """\
pack: demo
language: en
call_end: call_end
"""

CALL_END = """\
catalog: call_end
reasons:
  done: {label: Done, close: true, locked: true}
  open: {label: Still open, close: false, queue: support}
queues:
  support: Support
"""

HELLO = """\
flow: main
start: hello
steps:
  hello:
    say: Hello
    next: bye
  bye:
    end: resolved
"""

Check = Callable[..., list[str]]


@pytest.fixture
def check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Check:
    """Writes `demo/` (pack.yaml, call_end.yaml, main.yaml with the flow under test, and any
    other `name=text` files) and returns every problem of the pack, as printed."""
    monkeypatch.chdir(tmp_path)

    def run(
        flow: str | None = HELLO, *, pack: str | None = PACK, call_end: str | None = CALL_END, **files: str
    ) -> list[str]:
        root = tmp_path / "demo"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        written = {"pack": pack, "call_end": call_end, "main": flow, **files}
        for name, text in written.items():
            if text is not None:
                (root / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return [str(problem) for problem in check_pack(Path("demo")).problems]

    return run


def test_a_valid_pack_has_no_problems(check: Check) -> None:
    assert check() == []


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "flow: main\nstart: [hello\n",
            "demo/main.yaml:3:1: error yaml-syntax: YAML syntax: did not find expected ',' or ']'"
            " (while parsing a flow sequence at line 2, column 8)",
        ),
        (
            "flow: main\nstart: " + "[" * 40 + "]" * 40 + "\n",
            "demo/main.yaml:2:40: error yaml-limit: values are nested more than 32 levels deep",
        ),
        (
            "flow: !!python/object:os.system main\n",
            "demo/main.yaml:1:7: error yaml-tag: the tag `!!python/object:os.system` is not allowed in flow files;"
            " write plain values",
        ),
        (
            "flow: main\nstart: .inf\n",
            "demo/main.yaml:2:8: error yaml-number: `.inf` is not a number a call flow can use; quote it if it is text",
        ),
        (
            "flow: main\nstart: \x00\n",
            "demo/main.yaml:2:1: error yaml-encoding: the file contains a NUL character; it is not a text file",
        ),
        (
            "flow: main\nsay: {{ name }}\n",
            'demo/main.yaml:2:6: error yaml-key: a text that starts with `{{` must be in quotes: "{{ ... }}"',
        ),
    ],
    ids=["yaml-syntax", "yaml-limit", "yaml-tag", "yaml-number", "yaml-encoding", "yaml-key"],
)
def test_yaml(check: Check, text: str, expected: str) -> None:
    assert check(text) == [expected]


def test_yaml_encoding_of_a_latin1_file(check: Check, tmp_path: Path) -> None:
    check()
    (tmp_path / "demo" / "main.yaml").write_bytes("flow: café\n".encode("latin-1"))
    problems = [str(problem) for problem in check_pack(Path("demo")).problems]
    assert problems == ["demo/main.yaml:1:10: error yaml-encoding: byte 0xe9 is not UTF-8; save the file as UTF-8"]


def test_duplicate_key(check: Check) -> None:
    assert check(HELLO + "  hello:\n    say: Again\n    next: bye\n") == [
        "demo/main.yaml:9:3: error duplicate-key: the key `hello` appears twice in this map (first on line 4);"
        " YAML would silently keep only the last one"
    ]


def test_unknown_file_kind(check: Check) -> None:
    assert check(other="steps:\n  a: 1\n", empty="", listed="- 1\n") == [
        "demo/empty.yaml:1:1: error unknown-file-kind: the file is empty; it must start with one of `pack:`, `flow:`,"
        " `rules:`, `catalog:`, `lifecycle:`, `worklist:`, `phrases:`, `scenario:`",
        "demo/listed.yaml:1:1: error unknown-file-kind: the file is a list, not a map; it must start with one of"
        " `pack:`, `flow:`, `rules:`, `catalog:`, `lifecycle:`, `worklist:`, `phrases:`, `scenario:`",
        "demo/other.yaml:1:1: error unknown-file-kind: the file starts with `steps`, not with one of `pack:`, `flow:`,"
        " `rules:`, `catalog:`, `lifecycle:`, `worklist:`, `phrases:`, `scenario:`",
    ]


def test_missing_pack(check: Check) -> None:
    assert check(pack=None) == [
        "demo:1:1: error missing-pack: no `pack.yaml` in this folder: every pack needs a manifest (`callguide new pack`)"
    ]


def test_missing_pack_when_the_manifest_has_another_name(check: Check) -> None:
    assert check(pack=None, manifest=PACK) == [
        "demo:1:1: error missing-pack: no `pack.yaml` in this folder: every pack needs a manifest (`callguide new pack`)",
        "demo/manifest.yaml:1:1: error missing-pack: the manifest must be called `pack.yaml`",
    ]


def test_file_read(check: Check, monkeypatch: pytest.MonkeyPatch) -> None:
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == "main.yaml":
            raise PermissionError(13, "Permission denied")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert check() == ["demo/main.yaml:1:1: error file-read: cannot read the file: Permission denied"]


def test_file_outside_pack(check: Check, tmp_path: Path) -> None:
    (tmp_path / "passwords.yaml").write_text("root: secret\n", encoding="utf-8")
    check()
    (tmp_path / "demo" / "linked.yaml").symlink_to(tmp_path / "passwords.yaml")
    assert [str(problem) for problem in check_pack(Path("demo")).problems] == [
        "demo/linked.yaml:1:1: error file-outside-pack: the file links to a place outside the pack's folder;"
        " a pack's files must be inside it"
    ]


# --- schema ---------------------------------------------------------------------------------


def test_missing_key(check: Check) -> None:
    assert check("flow: main\nsteps:\n  bye:\n    end: resolved\n") == [
        "demo/main.yaml:1:1: error missing-key: `start` is missing: The step the flow starts at."
    ]


def test_missing_key_inside_a_map(check: Check) -> None:
    assert check(call_end="catalog: call_end\nreasons:\n  done: {close: true}\n") == [
        "demo/call_end.yaml:3:9: error missing-key: `label` is missing in `done`: What the agent sees in the list."
    ]


def test_unknown_key_with_did_you_mean(check: Check) -> None:
    assert check(HELLO.replace("    next: bye", "    nxet: bye")) == [
        "demo/main.yaml:6:5: error unknown-key: unknown key `nxet` in `hello` - did you mean `next`?"
    ]


def test_unknown_key_lists_the_allowed_keys(check: Check) -> None:
    assert check(call_end=CALL_END + "colour: red\n") == [
        "demo/call_end.yaml:7:1: error unknown-key: unknown key `colour` (allowed here: `catalog`, `title`,"
        " `description`, `reasons`, `queues`)"
    ]


def test_wrong_type_boolean_where_text_is_expected(check: Check) -> None:
    assert check(HELLO.replace("say: Hello", "say: true")) == [
        "demo/main.yaml:5:10: error wrong-type: `say` should be text or a map of `key: value`, but is `true`"
        ' (a yes/no value); write it in quotes ("true") if it is text'
    ]


def test_wrong_type_yes_is_text_not_a_boolean(check: Check) -> None:
    assert check(call_end=CALL_END.replace("close: true, locked", "close: yes, locked")) == [
        "demo/call_end.yaml:3:30: error wrong-type: `close` should be true or false, but is the text `yes`"
    ]


def test_bad_value(check: Check) -> None:
    assert check(call_end=CALL_END + "description: requird\n") == [
        "demo/call_end.yaml:7:14: error bad-value: `requird` is not allowed for `description`: use one of"
        " `required`, `optional` - did you mean `required`?"
    ]


def test_bad_value_pattern(check: Check) -> None:
    assert check(HELLO.replace("next: bye", "next: Bye")) == [
        "demo/main.yaml:6:11: error bad-value: `Bye` is not valid for `next`: expected a name in lower case"
        " (letters, digits, `_`, starting with a letter)"
    ]


def test_bad_value_in_the_manifest(check: Check) -> None:
    pack = PACK + "timezone: Africa/Nairob\ncalendar:\n  hours: 18:00-08:00\n  holidays: [2026-02-30]\n"
    pack += "phone: {region: XX}\n"
    assert check(pack=pack) == [
        "demo/pack.yaml:4:11: error bad-value: `Africa/Nairob` is not a time zone; write one such as"
        " `Africa/Nairobi` - did you mean `Africa/Nairobi`?",
        "demo/pack.yaml:6:10: error bad-value: `18:00-08:00` is not opening hours: write `08:00-20:00`"
        " (from 00:00 to 24:00)",
        "demo/pack.yaml:7:14: error bad-value: `2026-02-30` is not a date (YYYY-MM-DD)",
        "demo/pack.yaml:8:17: error bad-value: `XX` is not a country code phone numbers are known for (e.g. `KE`, `RU`)",
    ]


def test_bad_value_in_a_question(check: Check) -> None:
    flow = """\
    flow: main
    start: when
    steps:
      when:
        ask: When shall we call back?
        date: {min: today+1d, max: 2026-02-30}
        save: when
        next: amount
      amount:
        ask: How much?
        number: {min: 10, max: 1}
        save: amount
        next: bye
      bye:
        end: resolved
    """
    assert check(flow) == [
        "demo/main.yaml:6:11: error bad-value: `2026-02-30` is not a date bound: write a date or `today+7d` / `now+2h`",
        "demo/main.yaml:11:13: error bad-value: `min` (10) is larger than `max` (1) in `amount`",
    ]


def test_bad_name(check: Check) -> None:
    assert check(HELLO + "  Last:\n    end: resolved\n") == [
        "demo/main.yaml:9:3: error bad-name: `Last` is not a valid name in `steps`: use a name in lower case"
        " (letters, digits, `_`, starting with a letter)"
    ]


# --- steps and branches -----------------------------------------------------------------------


def test_step_kind(check: Check) -> None:
    flow = """\
    flow: main
    start: hello
    steps:
      hello:
        ask: Shall I send an SMS?
        yes_no: true
        do: sms.send
        next: bye
      bye:
        end: resolved
    """
    assert check(flow) == [
        "demo/main.yaml:4:3: error step-kind: step `hello` has both `ask` and `do`: split it into one step each"
    ]


def test_step_kind_of_every_shape(check: Check) -> None:
    flow = """\
    flow: main
    start: a
    steps:
      a:
        hint: Nothing to say
      b:
        ask: Your name?
        save: name
        next: c
      c:
        say: Hello
        yes_no: true
        next: d
      d:
        end: resolved
        next: a
      e:
        say: Hello
        with: {to: x}
        next: d
    """
    assert check(flow) == [
        "demo/main.yaml:4:3: error step-kind: step `a` does nothing: give it `say`, `ask`, `do`, `call`, `end` or `next`",
        "demo/main.yaml:7:5: error step-kind: question `b` needs an answer type: one of choice, multi, yes_no, text,"
        " number, phone, email, date, time, datetime, lookup",
        "demo/main.yaml:12:5: error step-kind: `yes_no` gives an answer type, but step `c` has no `ask`",
        "demo/main.yaml:16:5: error step-kind: step `d` ends the flow; it cannot also have `next`",
        "demo/main.yaml:19:5: error step-kind: `with` belongs to a `do` step",
    ]


def test_branch_target(check: Check) -> None:
    flow = """\
    flow: main
    start: hello
    steps:
      hello:
        next:
          - if: agent.senior
            go: bye
            end: resolved
          - if: agent.trainee
            then: bye
          - call: main
      bye:
        end: resolved
    """
    assert check(flow) == [
        "demo/main.yaml:6:9: error branch-target: a branch leads to exactly one of `go`, `call` or `end`;"
        " this one has `go` and `end`",
        "demo/main.yaml:9:9: error branch-target: a branch leads to exactly one of `go`, `call` or `end`;"
        " this one has none of them",
        "demo/main.yaml:10:9: error branch-target: `then` goes with `call`: where to continue after the sub-flow",
        "demo/main.yaml:11:9: error branch-target: after `call: main` the branch needs `then:` (the step to continue at)",
        "demo/main.yaml:11:15: error call-cycle: flow `main` calls itself: each call starts it again inside itself,"
        " until sub-flows nest too deep and the call stops; break the circle (`go` to a step of the same flow, or `end`)",
    ]


def test_unknown_step(check: Check) -> None:
    assert check(HELLO.replace("next: bye", "next: bey")) == [
        "demo/main.yaml:6:11: error unknown-step: step `hello` goes to `bey`, which is not a step of `main`"
        " - did you mean `bye`?",  # and `bye`, the step it probably means, is not called unreachable
    ]


def test_unknown_step_at_the_start(check: Check) -> None:
    assert check(HELLO.replace("start: hello", "start: helo")) == [
        "demo/main.yaml:1:7: error unknown-step: flow `main` starts at `helo`, which is not one of its steps"
        " - did you mean `hello`?"
    ]


def test_unknown_flow(check: Check) -> None:
    flow = HELLO.replace("    say: Hello\n    next: bye", "    call: send_sm\n    next: bye")
    assert check(flow, send_sms="flow: send_sms\nstart: a\nsteps:\n  a:\n    end: resolved\n") == [
        "demo/main.yaml:5:11: error unknown-flow: step `hello` calls `send_sm`, which is not a flow of the pack"
        " - did you mean `send_sms`?"
    ]


def test_call_cycle(check: Check) -> None:
    def calling(name: str, callee: str) -> str:
        return HELLO.replace("flow: main", f"flow: {name}").replace("say: Hello", f"call: {callee}")

    problems = check(calling("main", "send"), send=calling("send", "report"), report=calling("report", "main"))
    assert problems == [
        "demo/main.yaml:5:11: error call-cycle: sub-flows call each other in a circle, `main` -> `send` -> `report`"
        " -> `main`: each round starts them again inside themselves, until sub-flows nest too deep and the call"
        " stops; break the circle (`go` to a step of the same flow, or `end`)"
    ]
    assert check(calling("main", "send"), send=calling("send", "report"), report=HELLO.replace("main", "report")) == []


def test_unknown_outcome(check: Check) -> None:
    assert check(HELLO.replace("end: resolved", "end: finished")) == [
        "demo/main.yaml:8:10: error unknown-outcome: `finished` is not an outcome (declare it in the pack's `outcomes`)"
    ]


def test_declared_outcomes_are_known(check: Check) -> None:
    pack = PACK + "outcomes:\n  finished: The script was read to the end\n"
    assert check(HELLO.replace("end: resolved", "end: finished"), pack=pack) == []


def test_inherit_nothing(check: Check) -> None:
    assert check(HELLO.replace("end: resolved", "end: inherit")) == [
        "demo/main.yaml:7:3: warning inherit-nothing: `end: inherit` in `main`, which calls no sub-flow and is called"
        " by none: there is no outcome to inherit"
    ]


def test_inherit_from_a_sub_flow(check: Check) -> None:
    flow = HELLO.replace("    say: Hello\n", "    call: other\n").replace("end: resolved", "end: inherit")
    assert check(flow, other=HELLO.replace("flow: main", "flow: other")) == []


def test_unknown_reason(check: Check) -> None:
    assert check(HELLO.replace("end: resolved", "end: resolved\n    reason: dne")) == [
        "demo/main.yaml:9:13: error unknown-reason: `dne` is not a reason of the `call_end` catalog - did you mean `done`?"
    ]


def test_unknown_queue(check: Check) -> None:
    assert check(call_end=CALL_END.replace("queue: support", "queue: suport")) == [
        "demo/call_end.yaml:4:3: error unknown-queue: reason `open` sends open requests to `suport`, which is not"
        " a queue of the catalog - did you mean `support`?"
    ]


def test_unknown_catalog(check: Check) -> None:
    assert check(pack=PACK.replace("call_end: call_end", "call_end: call_ends")) == [
        "demo/pack.yaml:1:7: error unknown-catalog: the pack wraps calls up with `call_ends`, but no catalog has"
        " that name - did you mean `call_end`?"
    ]


# --- texts -----------------------------------------------------------------------------


def test_unknown_phrase(check: Check) -> None:
    flow = HELLO.replace("say: Hello", 'say: "{{ phrases.helo }}"')
    assert check(flow, phrases="phrases:\n  hello: Hello, this is Demo.\n") == [
        "demo/main.yaml:5:10: error unknown-phrase: no phrase named `helo` in the `say` of step `hello`"
        " - did you mean `hello`?"
    ]


def test_unknown_rule(check: Check) -> None:
    rules = "rules:\n  insult:\n    label: Insult\n    then: {end: interrupted}\n"
    flow = HELLO.replace(
        "    say: Hello\n", "    say: Hello\n    warn:\n      - if: rules.insul > 0\n        text: Stay calm\n"
    )
    assert check(flow, rules=rules) == [
        "demo/main.yaml:7:13: error unknown-rule: no rule named `insul` in a warning of step `hello`"
        " - did you mean `insult`?"
    ]


def test_unknown_rule_in_a_flows_rules(check: Check) -> None:
    rules = "rules:\n  insult:\n    label: Insult\n    then: {end: interrupted}\n"
    flow = HELLO.replace("start: hello", "rules: [insutl]\nstart: hello")
    assert check(flow, rules=rules) == [
        "demo/main.yaml:1:7: error unknown-rule: flow `main` lists the rule `insutl`, which the pack does not have"
        " - did you mean `insult`?"
    ]


def test_template_syntax(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "say: |\n      Hello\n      {{ agent.name }")
    assert check(flow) == [
        "demo/main.yaml:7:7: error template-syntax: Jinja template syntax in the `say` of step `hello`: unexpected '}';"
        " `{{ agent.name }` is not closed: close it with `}}`"
    ]


def test_template_syntax_in_a_condition(check: Check) -> None:
    flow = HELLO.replace("next: bye", "next:\n      - if: agent.name = 'x'\n        go: bye\n      - go: bye")
    assert check(flow) == [
        "demo/main.yaml:7:13: error template-syntax: Jinja condition syntax in a branch of step `hello`:"
        " unexpected `=`: to compare, write `==`"
    ]


def test_unknown_filter(check: Check) -> None:
    flow = HELLO.replace("say: Hello", 'say: "Hello {{ agent.name | upperr }}"')
    assert check(flow) == [
        "demo/main.yaml:5:10: error unknown-filter: no filter named `upperr` in the `say` of step `hello`"
        " - did you mean `upper`?"
    ]


def test_unknown_filter_test(check: Check) -> None:
    flow = HELLO.replace("next: bye", "next:\n      - if: now is opne\n        go: bye\n      - go: bye")
    assert check(flow) == [
        "demo/main.yaml:7:13: error unknown-filter: no test named `opne` in a branch of step `hello` - did you mean `open`?"
    ]


def test_template_limit(check: Check) -> None:
    loops = "{% for a in agent.teams %}{% for b in a %}{% for c in b %}{{ c }}{% endfor %}{% endfor %}{% endfor %}"
    assert check(HELLO.replace("say: Hello", f'say: "{loops}"')) == [
        "demo/main.yaml:5:10: error template-limit: loops nested 3 deep in the `say` of step `hello`; the limit is 2"
    ]


def test_template_limit_on_nesting(check: Check) -> None:
    condition = "not " * 80 + "agent.senior"
    flow = HELLO.replace("next: bye", f"next:\n      - if: {condition}\n        go: bye\n      - go: bye")
    flow = flow.replace("say: Hello", 'say: "{{ ' + "(" * 300 + "agent.name" + ")" * 300 + ' }}"')
    assert check(flow) == [
        "demo/main.yaml:5:10: error template-limit: the template in the `say` of step `hello` is nested"
        " too deeply; the limit is 60 levels",
        "demo/main.yaml:7:13: error template-limit: the condition in a branch of step `hello` is nested"
        " 83 levels deep; the limit is 60 levels",
    ]


def test_forbidden_phrase(check: Check) -> None:
    pack = PACK + 'forbidden:\n  - pattern: "calm down"\n    message: never tell a caller to calm down\n'
    assert check(HELLO.replace("say: Hello", "say: Please calm down."), pack=pack) == [
        "demo/main.yaml:5:10: error forbidden-phrase: the `say` of step `hello` says `calm down`:"
        " never tell a caller to calm down"
    ]


def test_unknown_language(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "say: {en: Hello, de: Hallo}")
    assert check(flow) == [
        "demo/main.yaml:5:10: error unknown-language: the `say` of step `hello` is written in `de`,"
        " which the pack does not declare (it speaks en)"
    ]


def test_missing_translation(check: Check) -> None:
    pack = PACK + "languages: [ru, sw]\n"
    assert check(HELLO.replace("say: Hello", "say: {en: Hello, ru: Здравствуйте}"), pack=pack) == [
        "demo/main.yaml:5:10: warning missing-translation: the `say` of step `hello` has no `sw` version"
    ]


def test_missing_translation_of_a_text_only_in_another_language(check: Check) -> None:
    pack = PACK + "languages: [fr]\n"
    assert check(HELLO.replace("say: Hello", "say: {fr: Bonjour}"), pack=pack) == [
        "demo/main.yaml:5:10: warning missing-translation: the `say` of step `hello` has no `en` version"
    ]


def test_missing_translation_in_every_shape(check: Check) -> None:
    pack = PACK + "languages: [fr]\noutcomes: {promised: {fr: Promis}}\nlookups: {clients: {fr: Clients}}\n"
    call_end = CALL_END.replace("support: Support", "support: {fr: Support}")
    call_end = call_end.replace("label: Still open,", "label: {fr: Ouvert},")
    case = "lifecycle: case\ninitial: open\nstates:\n  open: {en: Open, fr: Ouvert}\n  shut: {fr: Fermé}\n"
    case += "transitions:\n  close: {from: open, to: shut, label: {fr: Fermer}}\n"
    flow = HELLO.replace("say: Hello", "ask: Why?\n    choice:\n      a: {fr: Facture}\n    save: why")
    assert check(flow, pack=pack, call_end=call_end, case=case) == [
        "demo/call_end.yaml:4:17: warning missing-translation: reason `open` has no `en` version",
        "demo/call_end.yaml:6:12: warning missing-translation: queue `support` has no `en` version",
        "demo/case.yaml:5:9: warning missing-translation: state `shut` of `case` has no `en` version",
        "demo/case.yaml:7:40: warning missing-translation: transition `case.close` has no `en` version",
        "demo/main.yaml:7:10: warning missing-translation: option `a` of step `hello` has no `en` version",
        "demo/pack.yaml:5:22: warning missing-translation: outcome `promised` has no `en` version",
        "demo/pack.yaml:6:20: warning missing-translation: lookup `clients` has no `en` version",
    ]


def test_plain_texts_need_no_translation(check: Check) -> None:
    assert check(pack=PACK + "languages: [fr]\n") == []


def test_unknown_environment_key(check: Check) -> None:
    pack = PACK + "environments:\n  test:\n    numbers: {supervisor: '100'}\n  production:\n"
    pack += "    numbers: {supervisor: '200'}\n"
    flow = HELLO.replace("say: Hello", 'say: "Call {{ env.numbers.supervisr }}"')
    assert check(flow, pack=pack) == [
        "demo/main.yaml:5:10: error unknown-environment-key: `env.numbers.supervisr` is not defined by the pack's"
        " environments in the `say` of step `hello` - did you mean `supervisor`?"
    ]


def test_unknown_environment_key_without_environments(check: Check) -> None:
    flow = HELLO.replace("say: Hello", 'say: "Call {{ env.numbers.supervisor }}"')
    assert check(flow) == [
        "demo/main.yaml:5:10: error unknown-environment-key: the `say` of step `hello` reads `env`,"
        " but the pack defines no `environments`"
    ]


def test_unknown_environment_key_for_a_queue(check: Check) -> None:
    pack = PACK + "environments:\n  test:\n    queues: {sales: T-SALES}\n"
    assert check(pack=pack) == [
        "demo/call_end.yaml:1:10: error unknown-environment-key: queue `support` has no name in environment `test`"
        " (add it under `queues:`)"
    ]


def test_environment_mismatch(check: Check) -> None:
    pack = PACK + "environments:\n  test:\n    numbers: {supervisor: '100'}\n  production:\n"
    pack += "    numbers: {supervisor: '200', manager: '300'}\n"
    assert check(pack=pack) == [
        "demo/pack.yaml:1:7: error environment-mismatch: environment `test` does not define `numbers.manager`,"
        " which another environment does"
    ]


# --- effects and questions ----------------------------------------------------------------------


def test_unknown_effect(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "do: sms.snd\n    with: {to: '0700000000', text: Hi}")
    assert check(flow) == [
        "demo/main.yaml:5:9: error unknown-effect: step `hello` does `sms.snd`, which is not an effect of the pack"
        " - did you mean `sms.send`?"
    ]


def test_missing_argument(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "do: sms.send\n    with: {to: '0700000000'}")
    assert check(flow) == [
        "demo/main.yaml:6:11: error missing-argument: `sms.send` needs `text` in `with:` (step `hello`)"
    ]


def test_missing_argument_comment_of_a_lifecycle_transition(check: Check) -> None:
    lifecycle = """\
    lifecycle: case
    initial: open
    states: {open: Open, closed: Closed}
    transitions:
      close: {from: open, to: closed, comment: required}
    """
    flow = HELLO.replace("say: Hello", "do: case.close").replace("flow: main", "flow: main\ninput: [case]")
    assert check(flow, case=lifecycle) == [
        "demo/main.yaml:6:9: error missing-argument: `case.close` requires a comment: add `comment:` to `with:`"
        " (step `hello`)"
    ]


def test_unknown_lookup(check: Check) -> None:
    pack = PACK + "lookups:\n  customers: Our customers\n"
    flow = HELLO.replace("say: Hello", "ask: Who is calling?\n    lookup: customer\n    by: [name]\n    save: client")
    assert check(flow, pack=pack) == [
        "demo/main.yaml:6:13: error unknown-lookup: `customer` is not a lookup of the pack - did you mean `customers`?"
    ]


def test_duplicate_option(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "ask: Which?\n    choice: {a: Same, b: same}\n    save: pick")
    assert check(flow) == [
        "demo/main.yaml:6:26: error duplicate-option: options `a` and `b` of `hello` have the same label `same`"
    ]


def test_duplicate_option_in_a_list(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "ask: Which?\n    choice: [red, green, red]\n    save: pick")
    assert check(flow) == [
        "demo/main.yaml:6:13: error duplicate-option: `hello` lists the option `red` twice",
        "demo/main.yaml:6:13: error duplicate-option: options `red` and `red` of `hello` have the same label `red`",
    ]


def test_bad_pattern(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "ask: Code?\n    text: {pattern: '[A-'}\n    save: code")
    assert check(flow) == [
        "demo/main.yaml:6:11: error bad-pattern: the pattern of `hello` cannot be used: missing ]: [A-"
    ]


def test_bad_pattern_in_forbidden(check: Check) -> None:
    pack = PACK + "forbidden:\n  - pattern: '(calm'\n    message: x\n"
    assert check(pack=pack) == [
        "demo/pack.yaml:5:14: error bad-pattern: the forbidden pattern is not a valid regular expression:"
        " missing ), unterminated subpattern at position 0"
    ]


def test_phone_rule(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "ask: Your phone number?\n    phone: true\n    save: caller.phone")
    assert check(flow) == [
        "demo/main.yaml:6:12: warning phone-rule: `hello` accepts any phone number: give the pack a `phone:` rule"
        " or the question `digits`/`region`"
    ]


def test_phone_rule_of_the_pack_is_enough(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "ask: Your phone number?\n    phone: true\n    save: caller.phone")
    assert check(flow, pack=PACK + "phone: {digits: 10, region: KE}\n") == []


def test_reserved_name(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "ask: Your name?\n    text: true\n    save: agent")
    assert check(flow) == [
        "demo/main.yaml:7:11: error reserved-name: step `hello` stores `agent`, but `agent` is a name the engine provides"
    ]


# --- the step graph -------------------------------------------------------------------------


def test_unreachable_step(check: Check) -> None:
    assert check(HELLO + "  lost:\n    end: resolved\n") == [
        "demo/main.yaml:9:3: error unreachable-step: no path from `hello` leads to step `lost`"
    ]


def test_no_end(check: Check) -> None:
    flow = """\
    flow: main
    start: ping
    steps:
      ping:
        say: Ping
        next: pong
      pong:
        say: Pong
        next: ping
    """
    assert check(flow) == [
        "demo/main.yaml:4:3: error no-end: from step `ping` the call can never reach an end: it loops for ever",
        "demo/main.yaml:7:3: error no-end: from step `pong` the call can never reach an end: it loops for ever",
    ]


def test_missing_next(check: Check) -> None:
    assert check(HELLO.replace("    next: bye\n", "")) == [
        "demo/main.yaml:4:3: error missing-next: step `hello` has no `next`: say where the call goes after it (or `end:`)",
    ]


def test_fall_through(check: Check) -> None:
    flow = HELLO.replace("next: bye", "next:\n      - if: agent.senior\n        go: bye")
    assert check(flow) == [
        "demo/main.yaml:7:9: error fall-through: when no condition of `hello` holds the call has nowhere to go:"
        " add a last branch without `if`"
    ]


def test_dead_branch(check: Check) -> None:
    flow = HELLO.replace("next: bye", "next:\n      - go: bye\n      - if: agent.senior\n        end: escalated")
    assert check(flow) == [
        "demo/main.yaml:8:9: warning dead-branch: the branch before has no `if`, so the 1 branch(es) after it"
        " in `hello` are never taken"
    ]


# --- names ------------------------------------------------------------------------------------


def test_undefined_variable_read_before_it_is_stored(check: Check) -> None:
    flow = """\
    flow: main
    start: greet
    steps:
      greet:
        say: Hello {{ name }}
        next: name
      name:
        ask: Your name?
        text: true
        save: name
        end: resolved
    """
    assert check(flow.replace("        end: resolved", "        next: bye\n      bye:\n        end: resolved")) == [
        "demo/main.yaml:5:10: error undefined-variable: `name` is read in step `greet` before any step can have"
        " stored it"
    ]


def test_undefined_variable_never_stored(check: Check) -> None:
    flow = """\
    flow: main
    start: name
    steps:
      name:
        ask: Your name?
        text: true
        save: name
        next: greet
      greet:
        say: Hello {{ nmae }}
        end: resolved
    """
    assert check(flow) == [
        "demo/main.yaml:10:10: error undefined-variable: `nmae` is not stored by any step nor given as `input`"
        " - did you mean `name`?"
    ]


def test_undefined_variable_in_a_condition(check: Check) -> None:
    flow = HELLO.replace("next: bye", "next:\n      - if: nmae\n        go: bye\n      - go: bye")
    assert check(flow) == [
        "demo/main.yaml:7:13: error undefined-variable: `nmae` is not stored by any step nor given as `input`"
    ]


def test_undefined_variable_attribute_never_stored(check: Check) -> None:
    flow = """\
    flow: main
    start: name
    steps:
      name:
        ask: Your name?
        text: true
        save: caller.name
        next: greet
      greet:
        say: Hello {{ caller.nmae }}
        end: resolved
    """
    assert check(flow) == [
        "demo/main.yaml:10:10: error undefined-variable: `caller.nmae` is read in step `greet`, but no step stores"
        " `caller.nmae` - did you mean `name`?"
    ]


def test_undefined_variable_in_a_pack_text(check: Check) -> None:
    assert check(phrases="phrases:\n  bye: Goodbye {{ custmer.name }}\n") == [
        "demo/phrases.yaml:2:8: error undefined-variable: `custmer` is not stored by any flow of the pack"
    ]


def test_inputs_and_sub_flow_saves_are_known(check: Check) -> None:
    main = """\
    flow: main
    input: [customer]
    start: ask_name
    steps:
      ask_name:
        call: name
        next: greet
      greet:
        say: Hello {{ caller_name }}, customer {{ customer.id }}
        end: resolved
    """
    name = "flow: name\nstart: q\nsteps:\n  q:\n    ask: Name?\n    text: true\n    save: caller_name\n    next: done\n"
    name += "  done:\n    end: resolved\n"
    assert check(main, name=name) == []


# --- rules, catalogs, lifecycles, worklists ----------------------------------------------------------


def test_reason_without_queue(check: Check) -> None:
    call_end = "catalog: call_end\nreasons:\n  done: {label: Done, close: true, locked: true}\n"
    call_end += "  open: {label: Still open, close: false}\n"
    assert check(call_end=call_end) == [
        "demo/call_end.yaml:4:3: error reason-without-queue: reason `open` leaves the request open but names no"
        " `queue` for it"
    ]


def test_reason_without_queue_when_close_can_be_unticked(check: Check) -> None:
    call_end = "catalog: call_end\nreasons:\n  done: {label: Done, close: true}\n"
    assert check(call_end=call_end) == [
        "demo/call_end.yaml:3:3: error reason-without-queue: the agent may untick 'close' on `done`, but the"
        " catalog has no `queues` for an open request"
    ]


RULES = """\
rules:
  insult:
    label: The caller insults the agent
    warnings: 2
    warning: Please keep the conversation polite.
    within: 60s
    then:
      - say: I am ending this call now.
      - end: interrupted
        reason: done
"""


def test_rules_that_are_right(check: Check) -> None:
    assert check(rules=RULES) == []


def test_rule_warning(check: Check) -> None:
    rules = RULES.replace("    warning: Please keep the conversation polite.\n", "")
    rules += "  noise:\n    label: Noise\n    warning: [a, b, c]\n    then: {end: dropped}\n"
    assert check(rules=rules) == [
        "demo/rules.yaml:2:3: warning rule-warning: rule `insult` warns 2 time(s) but gives no `warning` phrase to read",
        "demo/rules.yaml:10:3: warning rule-warning: rule `noise` has 3 warning phrases but warns only 0 time(s)",
    ]


def test_rule_action(check: Check) -> None:
    rules = RULES.replace("      - say: I am ending this call now.\n", "").replace(
        "        reason: done\n",
        "        reason: done\n      - say: Goodbye\n      - {say: x, do: supervisor.notify}\n",
    )
    assert check(rules=rules) == [
        "demo/rules.yaml:8:9: error rule-action: `end` must be the last action of rule `insult`: nothing runs after it",
        "demo/rules.yaml:11:9: error rule-action: an action does one of `say`, `do`, `transfer`, `switch` or `end`;"
        " this one has `say` and `do`",
    ]


def test_rule_references(check: Check) -> None:
    rules = """\
    rules:
      noise:
        label: Noise
        then:
          - do: supervisor.notfy
          - do: supervisor.notify
          - switch: mian
      rude:
        label: Rude
        then: {end: hangup, reason: gone}
    """
    assert check(rules=rules) == [
        "demo/rules.yaml:5:9: error unknown-effect: rule `noise` does `supervisor.notfy`, which is not an effect"
        " of the pack - did you mean `supervisor.notify`?",
        "demo/rules.yaml:6:9: error missing-argument: `supervisor.notify` needs `message` in `with:` (rule `noise`)",
        "demo/rules.yaml:7:9: error unknown-flow: rule `noise` switches to `mian`, which is not a flow of the pack"
        " - did you mean `main`?",
        "demo/rules.yaml:10:11: error unknown-outcome: `hangup` is not an outcome",
        "demo/rules.yaml:10:11: error unknown-reason: `gone` is not a reason of the `call_end` catalog - did you mean `done`?",
    ]


def test_unknown_state(check: Check) -> None:
    lifecycle = """\
    lifecycle: case
    initial: new
    states:
      open: Open
      closed: Closed
    transitions:
      close: {from: [open, pending], to: closed}
      reopen: {from: closed, to: any}
    """
    assert check(case=lifecycle) == [
        "demo/case.yaml:1:12: error unknown-state: the initial state `new` is not a state of `case`",
        "demo/case.yaml:7:3: error unknown-state: transition `close` names `pending`, which is not a state of `case`",
        "demo/case.yaml:8:3: error unknown-state: transition `reopen` must lead `to` one state, not `any`",
    ]


def test_missing_message(check: Check) -> None:
    lifecycle = """\
    lifecycle: case
    initial: open
    states: {open: Open, closed: Closed}
    transitions:
      close:
        from: open
        to: closed
        if: case.paid
    """
    assert check(case=lifecycle) == [
        "demo/case.yaml:5:3: warning missing-message: transition `close` has a guard but no `message` for the agent"
        " when it refuses"
    ]


def test_worklist_problems(check: Check) -> None:
    worklist = """\
    worklist: calls
    flow: mian
    methods: [telephone, sms]
    outcomes:
      resolved: done
      unreachable: postpone
    """
    assert check(work=worklist) == [
        "demo/work.yaml:1:11: error missing-key: worklist `calls` postpones tasks but gives no `postpone: choices`",
        "demo/work.yaml:1:11: error unknown-flow: worklist `calls` runs `mian`, which is not a flow of the pack"
        " - did you mean `main`?",
        "demo/work.yaml:1:11: error unknown-outcome: worklist `calls` maps `unreachable`, which is not an outcome",
    ]


def test_duplicate_name(check: Check) -> None:
    assert check(again=HELLO, phrases1="phrases:\n  hi: Hi\n", phrases2="phrases:\n  hi: Hello\n") == [
        "demo/main.yaml:1:1: error duplicate-name: a second flow named `main` (the first is at demo/again.yaml:1)",
        "demo/phrases2.yaml:2:3: error duplicate-name: a second phrase named `hi` (the first is at demo/phrases1.yaml:2)",
    ]


def test_duplicate_name_of_the_manifest(check: Check) -> None:
    assert check(second=PACK.replace("demo", "other")) == [
        "demo/second.yaml:1:1: error duplicate-name: a pack has one manifest; this folder has another in demo/pack.yaml"
    ]


def test_migrate_live_step(check: Check) -> None:
    flow = HELLO.replace("start: hello", "start: hello\nmigrate:\n  hello: bye\n  greeting: helo")
    assert check(flow) == [
        "demo/main.yaml:1:7: warning migrate-live-step: `migrate` renames `hello`, but the flow still has a step `hello`",
        "demo/main.yaml:1:7: error unknown-step: `migrate` sends `greeting` to `helo`, which is not a step"
        " - did you mean `hello`?",
    ]


# --- all at once -------------------------------------------------------------------------------


def test_every_problem_of_a_file_in_one_run(check: Check) -> None:
    flow = """\
    flow: main
    start: hello
    steps:
      hello:
        say: Hello {{ nmae }}
        next: bey
      ask_name:
        ask: Your name?
        text: {min_length: 5, max_length: 2}
        save: name
        next: bye
      bye:
        end: finished
    """
    assert check(flow) == [
        "demo/main.yaml:5:10: error undefined-variable: `nmae` is not stored by any step nor given as `input`"
        " - did you mean `name`? (no path stores it before this yet)",
        "demo/main.yaml:6:11: error unknown-step: step `hello` goes to `bey`, which is not a step of `main`"
        " - did you mean `bye`?",
        "demo/main.yaml:7:3: error unreachable-step: no path from `hello` leads to step `ask_name`",
        "demo/main.yaml:9:11: error bad-value: `min_length` is larger than `max_length` in `ask_name`",
        "demo/main.yaml:13:10: error unknown-outcome: `finished` is not an outcome (declare it in the pack's `outcomes`)",
    ]


def test_every_schema_problem_of_a_file_in_one_run(check: Check) -> None:
    flow = """\
    flow: Main
    start: hello
    colour: red
    steps:
      hello:
        say: true
        nxet: bye
      bye:
        end: 3
    """
    assert check(flow) == [
        "demo/main.yaml:1:7: error bad-value: `Main` is not valid for `flow`: expected a name in lower case"
        " (letters, digits, `_`, starting with a letter)",
        "demo/main.yaml:3:1: error unknown-key: unknown key `colour` (allowed here: `flow`, `title`, `description`,"
        " `start`, `input`, `access`, `rules`, `migrate`, `steps`)",
        "demo/main.yaml:6:10: error wrong-type: `say` should be text or a map of `key: value`, but is `true`"
        ' (a yes/no value); write it in quotes ("true") if it is text',
        "demo/main.yaml:7:5: error unknown-key: unknown key `nxet` in `hello` - did you mean `next`?",
        "demo/main.yaml:9:10: error wrong-type: `end` should be text, but is the number 3",
    ]


def test_a_file_failing_its_schema_is_not_checked_further(check: Check) -> None:
    # `bey` and `finished` would be reported by the later checks; the schema problem hides them
    flow = HELLO.replace("next: bye", "next: bey").replace("end: resolved", "end: finished\n    colour: red")
    step_keys = schema("flow")["$defs"]["any_step"]["properties"]
    allowed = ", ".join(f"`{key}`" for key in step_keys)
    assert check(flow) == [
        f"demo/main.yaml:9:5: error unknown-key: unknown key `colour` in `bye` (allowed here: {allowed})"
    ]


def test_what_a_broken_file_defines_is_not_reported_as_unknown(check: Check) -> None:
    main = """\
    flow: main
    start: hello
    steps:
      hello:
        say: "{{ phrases.welcome }}"
        next: details
      details:
        call: details
        next: bye
      bye:
        say: Goodbye {{ caller_name }}
        end: resolved
    """
    details = "flow: details\nstart: q\nsteps:\n  q:\n    ask: Name?\n    text: true\n    save: caller_name\n"
    details += "    nxet: done\n  done:\n    end: resolved\n"
    assert check(main, details=details, phrases="phrases:\n  welcome: {en: Hello, EN: Hi}\n") == [
        "demo/details.yaml:8:5: error unknown-key: unknown key `nxet` in `q` - did you mean `next`?",
        "demo/phrases.yaml:2:24: error bad-name: `EN` is not a valid name in `welcome`: use a language code such as"
        " `en` or `ru`",
    ]


def test_what_an_unreadable_file_declares_is_not_reported_as_unknown(check: Check) -> None:
    main = HELLO.replace("say: Hello", 'say: "{{ phrases.welcome }} {{ phrases.bye }}"\n    call: payments')
    main += "  more:\n    call: stray\n    next: bye\n"
    main = main.replace("next: bye\n  bye:", "next: more\n  bye:")
    payments = HELLO.replace("flow: main", "flow: payments").replace("say: Hello", "say: Hours: 8 to 5")
    phrases = "# greetings\nphrases:\n  welcome: Hello\n  bye: [Goodbye\n"
    # `payment` is close to `payments`, but the broken file declares `payments`: no hint to follow
    other = HELLO.replace("flow: main", "flow: payment")
    stray = "steps: [\n"  # not even a kind: the file's name stands for the flow
    assert check(main, pay=payments, payment=other, phrases=phrases, stray=stray) == [
        "demo/pay.yaml:5:15: error yaml-syntax: YAML syntax: mapping values are not allowed in this context;"
        " put a text that contains `: ` in quotes, or check the indentation",
        "demo/phrases.yaml:5:1: error yaml-syntax: YAML syntax: did not find expected ',' or ']'"
        " (while parsing a flow sequence at line 4, column 8)",
        "demo/stray.yaml:2:1: error yaml-syntax: YAML syntax: did not find expected node content"
        " (while parsing a flow node)",
    ]


def test_a_misspelt_kind_and_a_key_given_twice(check: Check) -> None:
    flow = HELLO.replace("flow: main", "flwo: main")
    assert check(flow) == [
        "demo/main.yaml:1:1: error unknown-file-kind: the file starts with `flwo`, not with one of `pack:`, `flow:`,"
        " `rules:`, `catalog:`, `lifecycle:`, `worklist:`, `phrases:`, `scenario:` - did you mean `flow`?"
    ]
    assert check(HELLO.replace("    next: bye\n", "    next: bye\n    nxet: bye\n")) == [
        "demo/main.yaml:7:5: error unknown-key: unknown key `nxet` in `hello`; `next` is already given here:"
        " remove one of them"
    ]


def test_a_broken_manifest_stops_the_checks_of_meaning(check: Check) -> None:
    assert check(
        HELLO.replace("next: bye", "next: bey"), pack="pack: demo\nlanguage: english\ncall_end: call_end\n"
    ) == [
        "demo/pack.yaml:2:11: error bad-value: `english` is not valid for `language`: expected a language code"
        " such as `en` or `ru`"
    ]


# --- every code has its test ---------------------------------------------------------------------


def test_every_code_the_engine_reports_is_tested_here() -> None:
    sources = [*ENGINE.glob("check/*.py"), *ENGINE.glob("load/*.py")]
    codes = {code for path in sources for code in re.findall(r'"([a-z]+(?:-[a-z]+)+)"', path.read_text())}
    codes -= {"utf-8", "utf-8-sig"}
    tested = Path(__file__).read_text(encoding="utf-8")
    untested = sorted(code for code in codes if f"error {code}:" not in tested and f"warning {code}:" not in tested)
    assert untested == []


# --- hints that name what exists, at the line that holds the mistake ----------------------


def test_unknown_names_list_or_suggest_what_exists(check: Check) -> None:
    call_end = CALL_END.replace("queue: support", "queue: helpdesk")
    flow = HELLO.replace("say: Hello", 'say: "{{ phrases.welcome }}"\n    do: send.sms\n    with: {to: x, text: y}')
    flow = flow.replace("    next: bye\n  bye:", "    next: mail\n  mail:\n    do: mail.send\n    next: bye\n  bye:")
    assert check(flow, call_end=call_end, phrases="phrases:\n  greeting: Hello\n  goodbye: Bye\n") == [
        "demo/call_end.yaml:4:3: error unknown-queue: reason `open` sends open requests to `helpdesk`, which is not"
        " a queue of the catalog (queues of the catalog: `support`)",
        "demo/main.yaml:5:10: error unknown-phrase: no phrase named `welcome` in the `say` of step `hello`"
        " (phrases of the pack: `goodbye`, `greeting`)",
        "demo/main.yaml:6:9: error unknown-effect: step `hello` does `send.sms`, which is not an effect of the pack"
        " - did you mean `sms.send`?",
        "demo/main.yaml:10:9: error unknown-effect: step `mail` does `mail.send`, which is not an effect of the pack"
        " - did you mean `email.send`?",
    ]


def test_go_to_a_step_of_another_flow_says_to_call_it(check: Check) -> None:
    other = "flow: payment\nstart: amount\nsteps:\n  amount:\n    say: Amount\n    next: paid\n  paid:\n"
    other += "    end: resolved\n"
    flow = HELLO.replace("next: bye", "next:\n      - if: agent.senior\n        go: amount\n      - go: payment")
    assert check(flow, payment=other) == [
        "demo/main.yaml:8:13: error unknown-step: step `hello` goes to `amount`, which is not a step of `main`;"
        " it is a step of flow `payment`, and `go` cannot enter another flow: `call: payment` runs that flow from"
        " its start and comes back (with `then:`)",
        "demo/main.yaml:9:13: error unknown-step: step `hello` goes to `payment`, which is not a step of `main`;"
        " `payment` is a flow: call it with `call: payment` (and `then:`, the step to continue at)",
    ]


def test_mistakes_inside_long_texts_are_reported_at_their_line(check: Check) -> None:
    pack = PACK + "languages: [fr]\nforbidden: [{pattern: calm down, message: never tell a caller to calm down}]\n"
    flow = HELLO.replace(
        "say: Hello",
        "say: >-\n      Hello, and welcome\n      to the line.\n\n      Please calm\n      down, {{ agent.name }.",
    )
    flow += "  other:\n    say:\n      en: Hello\n      fr: |\n        Bonjour\n        {% if x %}\n"
    flow += "    next: bye\n"
    flow = flow.replace("next: bye\n  bye:", "next: other\n  bye:", 1)
    assert check(flow, pack=pack) == [
        "demo/main.yaml:9:7: error forbidden-phrase: the `say` of step `hello` says `calm down`:"
        " never tell a caller to calm down",
        "demo/main.yaml:10:7: error template-syntax: Jinja template syntax in the `say` of step `hello`:"
        " unexpected '}'; `{{ agent.name }` is not closed: close it with `}}`",
        "demo/main.yaml:19:9: error template-syntax: Jinja template syntax in the `say` of step `other`:"
        " Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'."
        " The innermost block that needs to be closed is 'if'.",
    ]


def test_a_macro_defined_in_a_text_is_no_undefined_name(check: Check) -> None:
    text = "{% macro money(amount) %}{{ amount }} KES{% endmacro %}You owe {{ money(42) }}, not {{ moeny(1) }}"
    assert check(HELLO.replace("say: Hello", f'say: "{text}"')) == [
        "demo/main.yaml:5:10: error undefined-variable: `moeny` is not stored by any step nor given as `input`"
    ]


# --- mistakes YAML hides ------------------------------------------------------------------


def test_a_step_key_indented_too_deep(check: Check) -> None:
    flow = HELLO.replace(
        "say: Hello",
        "ask: Why are you calling?\n    choice:\n      billing: Billing\n      other: Other\n      save: why",
    )
    flow = flow.replace("next: bye", "next:\n      - if: why == 'billing'\n        go: bye\n      - go: bye")
    assert check(flow) == [
        "demo/main.yaml:9:7: error misplaced-key: `save` among the options of `choice` looks like a key of the step"
        " `hello`: indent it by 2 fewer spaces"
    ]
    flow = HELLO.replace("say: Hello", "ask: Your name?\n    text:\n      min_length: 2\n        save: name")
    assert check(flow.replace("        save", "      save")) == [
        "demo/main.yaml:8:7: error misplaced-key: `save` under `text` looks like a key of the step `hello`:"
        " indent it by 2 fewer spaces"
    ]
    nested = HELLO.replace("  bye:\n    end: resolved\n", "    bye:\n      end: resolved\n")
    assert check(nested) == [
        "demo/main.yaml:7:5: error misplaced-key: `bye` looks like a step: indent it by 2 fewer spaces,"
        " to stand beside `hello`"
    ]


def test_values_yaml_reads_differently(check: Check) -> None:
    flow = HELLO.replace("say: Hello", "say: Press 1 for sales, #2 for support\n    hint: 0800 100 200")
    flow = flow.replace("  bye:\n    end: resolved\n", "  bye:\n    say: 0800\n    end: resolved\n")
    assert check(flow) == [
        "demo/main.yaml:5:10: error yaml-comment: `#` after a space starts a YAML comment, so this text ends at"
        ' `Press 1 for sales,` and `#2 for support` is dropped: put the whole text in quotes ("... #2 for support")',
        "demo/main.yaml:9:10: error yaml-number: YAML reads `0800` as the number 800, so the text is `800`:"
        ' put it in quotes ("0800")',
    ]
    said = HELLO.replace("say: Hello", "say:\n      Note: the line is recorded")
    assert check(said) == [
        "demo/main.yaml:6:7: error yaml-map: YAML reads `Note: the line is recorded` as a map because of the `: `"
        ' in it: put the whole text in quotes ("Note: ...")'
    ]


# --- what stored names can hold -----------------------------------------------------------

TYPED = """\
flow: main
start: reason
steps:
  reason:
    ask: Why are you calling?
    choice:
      technical: Technical issue
      payment: Payment issue
      "5": Five stars
    save: reason
    next: client
  client:
    ask: Are you a client?
    yes_no: true
    save: is_client
    next: age
  age:
    ask: How old is the system (years)?
    number: {min: 0, max: 20, integer: true}
    save: age
    next: visit
  visit:
    ask: When can the technician come?
    date: {min: today}
    save: visit
    next: services
  services:
    ask: Which services do you use?
    multi:
      tv: Television
      internet: Internet
    save: services
    next: route
  route:
    say: "{% if visit == '23.11.2026' %}Soon.{% endif %} In {{ reason | days_since }} days."
    next:
      - if: reason == 'Technical issue' or reason == 'tecnical' or reason == 5
        go: bye
      - if: is_client == 'yes' or is_client != 'no'
        go: bye
      - if: age > 20 or age == 'old' or age < 30
        go: bye
      - if: reason in ['payment', 'Payment issue'] or 'TV' in services or services == 'tv' or 'tv' in services
        go: bye
      - go: bye
  bye:
    end: resolved
"""


def test_comparisons_with_what_a_name_can_never_hold(check: Check) -> None:
    assert check(TYPED) == [
        "demo/main.yaml:35:10: error impossible-value: `days_since` reads the value as a date, but `reason` holds the"
        " key of an option (`technical`, `payment`, `5`), never a date (in the `say` of step `route`)",
        "demo/main.yaml:35:10: error impossible-value: `visit` holds a date written `YYYY-MM-DD`, so it is never"
        " `'23.11.2026'`: write it as `YYYY-MM-DD` (in the `say` of step `route`)",
        "demo/main.yaml:37:13: error impossible-value: `reason` holds the key of an option (`technical`, `payment`,"
        " `5`), never `'Technical issue'`: that is the label of the option `technical`; compare with its key,"
        " `'technical'` (in a branch of step `route`)",
        "demo/main.yaml:37:13: error impossible-value: `reason` holds the key of an option (`technical`, `payment`,"
        " `5`), never the number 5: the key is text, write `'5'` (in a branch of step `route`)",
        "demo/main.yaml:37:13: error impossible-value: `reason` holds the key of an option, never `'tecnical'`"
        " - did you mean `'technical'`? (in a branch of step `route`)",
        "demo/main.yaml:39:13: error impossible-value: `is_client` is a yes/no answer, true or false, never the text"
        " `'no'`: write `is_client` (in a branch of step `route`)",
        "demo/main.yaml:39:13: error impossible-value: `is_client` is a yes/no answer, true or false, never the text"
        " `'yes'`: write `is_client` (in a branch of step `route`)",
        "demo/main.yaml:41:13: error impossible-value: `age` holds a number, never the text `'old'`: compare with"
        " a number (in a branch of step `route`)",
        "demo/main.yaml:41:13: error impossible-value: `age` is at least 0 and at most 20, so `age > 20` never holds"
        " (in a branch of step `route`)",
        "demo/main.yaml:43:13: error impossible-value: `reason` holds the key of an option (`technical`, `payment`,"
        " `5`), never `'Payment issue'`: that is the label of the option `payment`; compare with its key,"
        " `'payment'` (in a branch of step `route`)",
        "demo/main.yaml:43:13: error impossible-value: `services` holds option keys, never `'TV'`"
        " - did you mean `'tv'`? (in a branch of step `route`)",
        "demo/main.yaml:43:13: error impossible-value: `services` holds the list of the keys picked, never `'tv'`:"
        " write `'tv' in services` (in a branch of step `route`)",
    ]


def test_a_default_the_call_cannot_pick(check: Check) -> None:
    flow = TYPED.replace("    save: reason\n", "    save: reason\n    optional: true\n    default: Payment issue\n")
    flow = flow.replace("{{ reason | days_since }}", "{{ visit | days_since }}").replace("'23.11.2026'", "'2026-11-23'")
    flow = re.sub(r"      - if: .*\n        go: bye\n", "", flow)
    assert check(flow) == []  # a label is picked too, in the one language the pack speaks
    assert check(flow.replace("default: Payment issue", "default: paiment")) == [
        "demo/main.yaml:12:14: error impossible-value: the `default` `paiment` is not one of the options"
        " - did you mean `payment`? (step `reason`)"
    ]
    translated = flow.replace("payment: Payment issue", "payment: {en: Payment issue, fr: Paiement}")
    translated = translated.replace("Five stars", "{en: Five stars, fr: Cinq}").replace(
        "Technical issue", "{en: Technical issue, fr: Technique}"
    )
    assert check(translated, pack=PACK + "languages: [fr]\n") == [
        "demo/main.yaml:12:14: error impossible-value: the `default` `Payment issue` is the label of the option"
        " `payment`, which a call in `fr` shows as `Paiement`: give its key, `payment` (step `reason`)"
    ]


def test_names_that_may_hold_anything_are_not_checked(check: Check) -> None:
    # `status` is also set by an expression, and the loop's `reason` is not the stored one
    flow = TYPED.replace("    save: is_client\n", "    save: is_client\n    set: {reason: \"'other'\"}\n")
    flow = flow.replace("{{ reason | days_since }}", "{% for reason in [1, 2] %}{{ reason > 'x' }}{% endfor %}")
    flow = flow.replace("'23.11.2026'", "'2026-11-23'")
    found = check(flow)
    assert not any("`reason`" in problem for problem in found)
    assert len(found) == 6  # is_client, age and services still are


def test_names_an_unreadable_flow_stores_are_known_and_no_others(check: Check) -> None:
    details = "flow: details\nstart: q\nsteps:\n  q:\n    ask: Name: first and last\n    text: true\n"
    details += "    save: caller_name\n    set: {called: 'true'}\n    next: done\n  done:\n    end: resolved\n"
    main = HELLO.replace("say: Hello", "call: details").replace(
        "    end: resolved", "    say: Bye {{ caller_name }}{{ called }}{{ nmae }}\n    end: resolved"
    )
    assert check(main, details=details) == [
        "demo/details.yaml:5:14: error yaml-syntax: YAML syntax: mapping values are not allowed in this context;"
        " put a text that contains `: ` in quotes, or check the indentation",
        "demo/main.yaml:8:10: error undefined-variable: `nmae` is not stored by any step nor given as `input`",
    ]


def test_a_field_the_lookups_records_do_not_have(check: Check, tmp_path: Path) -> None:
    flow = HELLO.replace(
        "say: Hello",
        'ask: Find the client\n    lookup: clients\n    by: [name, account]\n    show: "{{ item.nmae }}"\n'
        "    save: client\n    next: greet\n  greet:\n    say: Hello {{ client.first_name }} ({{ client.account }})",
    )
    pack = PACK + "lookups: {clients: Clients}\n"
    assert check(flow, pack=pack) == []  # no sample records: nothing known of their fields
    (tmp_path / "demo" / "data").mkdir()
    (tmp_path / "demo" / "data" / "clients.yaml").write_text("- {id: 1, name: Amina, phone: '0712'}\n")
    assert [str(problem) for problem in check_pack(Path("demo")).problems] == [
        "demo/main.yaml:8:11: error unknown-field: `item.nmae` is read in step `hello`, but the records of the"
        " `clients` lookup have no `nmae` - did you mean `name`?",
        "demo/main.yaml:12:10: error unknown-field: `client.first_name` is read in step `greet`, but the records of"
        " the `clients` lookup have no `first_name` (their fields: `account`, `id`, `name`, `phone`)",
    ]


def test_a_map_of_only_the_packs_language_lacks_the_others(check: Check) -> None:
    pack = PACK + "languages: [fr]\n"
    assert check(HELLO.replace("say: Hello", "say: {en: Hello}"), pack=pack) == [
        "demo/main.yaml:5:10: warning missing-translation: the `say` of step `hello` has no `fr` version"
    ]
    assert check(HELLO.replace("say: Hello", "say:\n      en: Hello"), pack=pack) == [
        "demo/main.yaml:6:7: warning missing-translation: the `say` of step `hello` has no `fr` version"
    ]


def test_names_inside_long_texts_are_reported_at_their_line(check: Check) -> None:
    say = "say: |\n      Hello,\n      the reason is {{ cause }}\n      and {{ agent.name | uper }}.\n"
    say += "    hint:\n      en: Hi\n      fr: >-\n        Bonjour\n        {{ phrases.bonjour }}"
    assert check(HELLO.replace("say: Hello", say), pack=PACK + "languages: [fr]\n") == [
        "demo/main.yaml:7:7: error undefined-variable: `cause` is not stored by any step nor given as `input`",
        "demo/main.yaml:8:7: error unknown-filter: no filter named `uper` in the `say` of step `hello`"
        " - did you mean `upper`?",
        "demo/main.yaml:13:9: error unknown-phrase: no phrase named `bonjour` in the `hint` of step `hello`"
        " (there are no phrases of the pack)",
    ]


def test_options_named_like_step_keys_are_options(check: Check) -> None:
    flow = HELLO.replace(
        "say: Hello",
        "ask: What do you need?\n    choice:\n      set: A set of tools\n      save: Save the offer\n"
        "      next: Next week\n    save: need",
    )
    assert check(flow) == []


def test_the_check_cache_sees_a_change_of_sample_records(
    check: Check, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLGUIDE_CACHE", str(tmp_path / "cache"))
    flow = HELLO.replace(
        "say: Hello\n    next: bye", "ask: Find\n    lookup: clients\n    save: client\n    next: greet"
    )
    flow = flow.replace("  bye:", "  greet:\n    say: Hi {{ client.nickname }}\n    next: bye\n  bye:")
    check(flow, pack=PACK + "lookups: {clients: Clients}\n")
    (tmp_path / "demo" / "data").mkdir()
    records = tmp_path / "demo" / "data" / "clients.yaml"
    records.write_text("- {id: 1, nickname: Ami}\n")
    assert check_pack(Path("demo"), cache=True).problems == []
    records.write_text("- {id: 1, name: Amina}\n")
    assert [problem.code for problem in check_pack(Path("demo"), cache=True).problems] == ["unknown-field"]


def test_the_collector_is_paused_while_a_pack_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    read_pack = run.read_pack

    def reading(root: Path) -> PackSource:
        seen.append(gc.isenabled())
        return read_pack(root)

    monkeypatch.setattr(run, "read_pack", reading)
    assert check_pack(ENGINE.parent / "flows" / "helpdesk").pack is not None
    assert seen == [False] and gc.isenabled()
