"""Answers, host inputs, lookup results and effect results are data: shown and stored
verbatim, never rendered as templates (`{{ 7*7 }}` stays `{{ 7*7 }}`, never `49`), through
every place they travel: the view, effect arguments, saved results, the wrap-up's
description, the call record, and a snapshot resumed in another engine. An answer of the
wrong type is refused with `InputError` naming the step and the answer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from callguide.check import check_pack

from .corpus import ACCEPTED, REFUSED, Corpus
from .isolation import run_snippet
from .packs import write_pack

HOSTILE_ANSWERS = [
    "{{ 7*7 }}",
    "{{7*7}}",
    "{% for i in range(3) %}x{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ range(10**9)|list }}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{{ phrases.thanks }}",
    "{{ customer.name }}",
    "{{ note }}",
    "{# hidden #}",
    "{% raw %}",
    "x }}{{ 7*7",
    "' or 1 == 1 or '",
    "true }}{% if true %}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "__import__('os').system('id')",
    "os.system",
    "builtins.eval",
    "; rm -rf / #",
    "$(id)",
    "`id`",
    "%s%s%s%n",
    "{0.__class__}",
    "\u202etxt.exe",
    "A" * 9_000,
]

PROBE = """
import json, tempfile
from pathlib import Path
from callguide import EffectRequest, Engine, FrozenClock, InputError
from hostile.packs import MANIFEST, write_pack

FLOW = '''
flow: main
title: Main
input: [customer]
start: note
steps:
  note:
    ask: "Anything to add, {{{{ customer.name }}}}?"
    text: true
    save: note
    next: amount
  amount:
    ask: How much?
    number: {{min: 1, max: 500}}
    save: amount
    next: topic
  topic:
    ask: What about?
    choice: {{billing: Billing, tech: Technical}}
    save: topic
    next: when
  when:
    ask: Since when?
    date: true
    save: since
    next: echo
  echo:
    say: "You said: {{{{ note }}}}"
    next: find
  find:
    ask: Find the customer
    lookup: customers
    show: "{{{{ item.name }}}} / {{{{ item.phone }}}}"
    save: found
    next: shown
  shown:
    say: "Found {{{{ found.name }}}}"
    next: send
  send:
    do: sms.send
    with: {{to: "{{{{ customer.phone }}}}", text: "{{{{ note }}}}", note: "Note: {{{{ note }}}}"}}
    save: sent
    next: confirm
  confirm:
    say: "Sent: {{{{ sent.status }}}}"
    next: bye
  bye:
    end: resolved
    description: "Customer said {{{{ note }}}}"
'''
PHRASES = "phrases:\\n  thanks: Thank you\\n"
root = write_pack(Path(tempfile.mkdtemp()) / "pack", {{"main.yaml": FLOW, "phrases.yaml": PHRASES}},
                  manifest=MANIFEST + "lookups:\\n  customers: Customers\\n")

for hostile in {answers!r}:
    sent = []
    def lookup(request):
        return [{{"id": "c1", "name": hostile, "phone": hostile}}]
    def sms(request):
        sent.append(dict(request.args))
        return {{"status": hostile}}
    engine = Engine.load(root, clock=FrozenClock())
    engine.handle("lookup", lookup)
    engine.handle("sms.send", sms)
    other = Engine.load(root, clock=FrozenClock())
    other.handle("lookup", lookup)
    other.handle("sms.send", sms)
    wrong, refusals = [], []
    def expect(what, got, want):
        if got != want:
            wrong.append(f"{{what}}: {{got!r}} != {{want!r}}")
    session = engine.start("main", {{"customer": {{"name": hostile, "phone": "0712345678"}}}})
    expect("question with the host's input", session.view.text, f"Anything to add, {{hostile}}?")
    session.answer(hostile)
    for step, good in (("amount", "5"), ("topic", "billing"), ("when", "today")):
        try:
            session.answer(hostile, step=step)
            wrong.append(f"{{step}}: accepted {{hostile!r}}")
        except InputError as refused:
            refusals.append([step, refused.step, refused.message, str(refused)])
        session.answer(good, step=step)
    expect("say", session.view.say, f"You said: {{hostile}}")
    session = other.resume(json.loads(json.dumps(session.snapshot())))
    expect("say after resume", session.view.say, f"You said: {{hostile}}")
    session.answer()
    session.answer(hostile)  # the lookup's query
    expect("lookup result shown", session.view.answer["options"][0]["label"], f"{{hostile}} / {{hostile}}")
    session.answer("1")
    expect("saved lookup result", session.view.say, f"Found {{hostile}}")
    session.answer()
    expect("effect arguments", sent, [{{"to": "0712345678", "text": hostile, "note": f"Note: {{hostile}}"}}])
    expect("effect result shown", session.view.say, f"Sent: {{hostile}}")
    session.answer()
    record = session.wrap_up("done")
    expect("record answer", record["answers"]["note"], hostile)
    expect("record description", record["description"], f"Customer said {{hostile}}"[:10_000])
    expect("record input", record["input"]["customer"]["name"], hostile)
    expect("record effect result", record["effects"][-1]["result"], {{"status": hostile}})
    report(hostile[:80], verdict="accepted" if not wrong else "crash", wrong=wrong, refusals=refusals)
"""


def test_answers_and_effect_results_are_never_rendered(corpus: Corpus) -> None:
    outcome = run_snippet(PROBE.format(answers=HOSTILE_ANSWERS))
    corpus.add("answers", outcome.reports)
    refused = [
        {"input": f"{report['input']} @ {step}", "verdict": REFUSED}
        for report in outcome.reports
        for step, *_ in report.get("refusals", [])
    ]
    corpus.add("answers/wrong-type", refused)
    assert outcome.ok, outcome.describe()
    assert len(outcome.reports) == len(HOSTILE_ANSWERS)
    wrong = [f"{report['input']}: {report['wrong']}" for report in outcome.reports if report["verdict"] != ACCEPTED]
    assert not wrong, "\n".join(wrong)
    for report in outcome.reports:
        # the wrong type of answer is refused saying what is wrong and what would be right
        amount, topic, when = (message for _, _, message, _ in report["refusals"])
        assert "number" in amount, amount
        assert "1. Billing, 2. Technical" in topic, topic
        assert "date" in when, when


# --- analysts' answer patterns: matched in linear time ---------------------------------------

BACKTRACKING = """
from datetime import UTC, datetime
from callguide.answers import parse
from callguide.model import Answer
from callguide.problems import InputError, Pos
for pattern in ("(a+)+$", "(a|aa)+$", "(a*)*b", "(x+x+)+y"):
    spec = Answer("text", Pos("flow.yaml", 1, 1), pattern=pattern)
    try:
        parse(spec, "a" * 5_000 + "!", now=datetime(2026, 1, 1, tzinfo=UTC))
        report(pattern, verdict="accepted")
    except InputError as refused:
        report(pattern, verdict="refused", message=refused.message)
"""


def test_a_backtracking_pattern_answers_at_once() -> None:
    # on a backtracking matcher 40 `a`s take hours: a few seconds of CPU is a generous bound
    outcome = run_snippet(BACKTRACKING, cpu=10)
    assert outcome.ok, outcome.describe()
    assert [report["verdict"] for report in outcome.reports] == ["refused"] * 4


def test_a_pattern_the_linear_matcher_cannot_run_is_refused_by_the_checker_at_its_place() -> None:
    flow = (
        "flow: main\ntitle: Main\nstart: code\nsteps:\n  code:\n    ask: Code?\n"
        '    text: {pattern: "(\\\\w)\\\\1"}\n    save: code\n    next: bye\n  bye:\n    end: resolved\n'
    )
    root = write_pack(Path(tempfile.mkdtemp()) / "pack", {"main.yaml": flow})
    problems = [problem for problem in check_pack(root).problems if problem.code == "bad-pattern"]
    assert [str(problem) for problem in problems] == [
        f"{root / 'main.yaml'}:7:11: error bad-pattern: the pattern of `code` cannot be used:"
        " invalid escape sequence: \\1 (back-references and look-arounds are not supported:"
        " patterns are matched in a time linear in the answer)"
    ]
