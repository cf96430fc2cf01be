"""Hostile snapshots: a snapshot comes back from a front end and may be forged, truncated,
edited, of another pack or flow version, re-signed or huge. Each is refused with
`SnapshotError` and a message that says what is wrong; a snapshot that is accepted must
never crash a later move. With a host key, anything but this host's own signature is refused.
"""

from __future__ import annotations

import pytest

from .corpus import ACCEPTED, CRASH, REFUSED, Corpus
from .isolation import run_snippet

pytestmark = pytest.mark.slow_hostile

MAIN_V1 = """\
flow: main
title: Main
start: hello
steps:
  hello:
    say: Hello
    next: topic
  topic:
    ask: Topic?
    choice: {billing: Billing, tech: Technical}
    save: topic
    next:
      - if: topic == 'tech'
        call: tech
        then: send
      - go: send
  send:
    do: sms.send
    with: {to: "0712345678", text: Hi}
    next: bye
  bye:
    end: resolved
"""
# the same flow, edited: `topic` is now `subject`
MAIN_V2 = MAIN_V1.replace("topic", "subject").replace("subject == 'tech'", "subject == 'tech'")
TECH = """\
flow: tech
title: Tech
start: describe
steps:
  describe:
    ask: Describe it
    text: true
    save: problem
    next: done
  done:
    end: resolved
"""
RULES = """\
rules:
  insult: {label: Insult, warnings: 2, warning: Please, then: {end: interrupted, reason: done}}
"""

PROBE = """
import copy, json, math, tempfile, time
from pathlib import Path
from callguide import CallguideError, Engine, FrozenClock, SnapshotError
from callguide.state import State
from hostile.packs import MANIFEST, write_pack


V1, V2, TECH, RULES = {v1!r}, {v2!r}, {tech!r}, {rules!r}
base = Path(tempfile.mkdtemp())
pack = write_pack(base / "v1", {{"main.yaml": V1, "tech.yaml": TECH, "rules.yaml": RULES}})
changed = write_pack(base / "v2", {{"main.yaml": V2, "tech.yaml": TECH, "rules.yaml": RULES}})
migrating = write_pack(base / "v3", {{"main.yaml": V2 + "migrate: {{topic: subject}}\\n", "tech.yaml": TECH, "rules.yaml": RULES}})
other = write_pack(base / "other", {{"main.yaml": V1, "tech.yaml": TECH, "rules.yaml": RULES}},
                   manifest=MANIFEST.replace("pack: hostile", "pack: other"))
KEY, OTHER_KEY = b"host secret", b"another secret"
# `engine` trusts unsigned snapshots (as a host whose snapshots cannot be edited may):
# whatever it resumes is still checked against the state's schema and the pinned flows
engine = Engine.load(pack, clock=FrozenClock(), trust_unsigned=True)
signing = Engine.load(pack, clock=FrozenClock(), secret=KEY)

def at_topic(which):
    session = which.start("main")
    session.answer()
    data = session.snapshot()
    if which is engine:
        del data["signature"]
    return data

def attempt(name, engine, data, expected=None):
    started = time.process_time()
    try:
        session = engine.resume(data)
    except SnapshotError as refused:
        seconds = time.process_time() - started
        ok = expected is None or expected in str(refused)
        report(name, verdict="refused" if ok else "crash", cpu_seconds=seconds, message=str(refused), expected=expected)
        return
    except BaseException as other:
        report(name, verdict="crash", error=f"{{type(other).__name__}}: {{other}}")
        return
    report(name, verdict="accepted" if expected is None else "crash", cpu_seconds=time.process_time() - started,
           step=session.step, expected=expected)

def edit(path, value, data=None):
    data = copy.deepcopy(data or at_topic(engine))
    target = data
    for part in path[:-1]:
        target = target[part]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data

DELETE = object()
good = at_topic(engine)

# --- forged ---------------------------------------------------------------------------------
attempt("forged: a text", engine, "garbage", "a snapshot is a JSON object (a map), not str")
attempt("forged: a list", engine, [good], "a snapshot is a JSON object (a map), not list")
attempt("forged: null", engine, None, "not NoneType")
attempt("forged: empty map", engine, {{}}, "not a callguide session snapshot")
attempt("forged: another format", engine, edit(["format"], "callguide.session/0"), "expected 'callguide.session/2'")
attempt("forged: hand-made state", engine, edit(["state"], {{"call_id": "x", "stack": [["main", "topic"]]}}),
        "the snapshot's state is incomplete: `started` is missing")
# --- truncated ------------------------------------------------------------------------------
attempt("truncated: no state", engine, edit(["state"], DELETE), "the snapshot is incomplete")
attempt("truncated: no flows", engine, edit(["flows"], DELETE), "the snapshot is incomplete")
for field in State.__dataclass_fields__:
    attempt(f"truncated: no state.{{field}}", engine, edit(["state", field], DELETE), f"`{{field}}` is missing")
attempt("truncated: empty stack", engine, edit(["state", "stack"], []), "`stack` must be a list of 1 to 16")
# --- edited -----------------------------------------------------------------------------------
attempt("edited: unknown step", engine, edit(["state", "stack", 0, 1], "nowhere"), "step `nowhere` is not in flow `main`")
attempt("edited: unknown flow", engine, edit(["state", "stack", 0, 0], "ghost"), "flow `ghost` of the snapshot no longer exists")
attempt("edited: vars is a list", engine, edit(["state", "vars"], ["x"]), "`vars` must be a map, not [\\"x\\"]")
attempt("edited: vars holds NaN", engine, edit(["state", "vars"], {{"x": math.nan}}), "not plain JSON data")
attempt("edited: vars holds an object", engine, edit(["state", "vars"], {{"x": object()}}), "not plain JSON data")
attempt("edited: vars with mixed keys", engine, edit(["state", "vars"], {{1: "a", "b": 2}}), "not plain JSON data")
attempt("edited: attempts is text", engine, edit(["state", "attempts"], "3"), "`attempts` must be a whole number")
attempt("edited: unknown phase", engine, edit(["state", "phase"], "hacked"), "`phase` must be one of")
attempt("edited: ended without a record", engine, edit(["state", "phase"], "ended"), "phase `ended` does not fit")
attempt("edited: waiting for nothing", engine, edit(["state", "phase"], "wait"), "phase `wait` does not fit")
attempt("edited: picking without results", engine, edit(["state", "phase"], "pick"), "phase `pick` does not fit")
attempt("edited: wrap-up step", engine, edit(["state", "wrapup_step"], "sql"), "`wrapup_step` must be one of")
attempt("edited: wrap-up reason", engine, edit(["state", "wrapup"], {{"reason": "nope"}}), "`wrapup` must be")
attempt("edited: unknown rule counted", engine, edit(["state", "counters"], {{"ghost": [1.0]}}), "rule `ghost`")
attempt("edited: counter times", engine, edit(["state", "counters"], {{"insult": ["x"]}}), "`counters` must be")
attempt("edited: pending request", engine, edit(["state", "pending"], [{{"id": "x"}}]), "`pending` must be")
attempt("edited: stray trail", engine, edit(["state", "trail"], ["nowhere"]), "trail names step `nowhere`")
attempt("edited: language", engine, edit(["state", "language"], "xx"), "`language` must be one of the pack's languages (en)")
attempt("edited: started", engine, edit(["state", "started"], "yesterday"), "`started` must be a date and time")
attempt("edited: path", engine, edit(["state", "path"], ["ghost:x"]), "`path` must be")
attempt("edited: outcome", engine, edit(["state", "outcome"], "pwned"), "`outcome` must be one of the pack's outcomes")
attempt("edited: extra field", engine, edit(["state", "admin"], True), "a field this engine does not know: `admin`")
attempt("edited: another valid step (unsigned: accepted)", engine, edit(["state", "stack", 0, 1], "bye"))
# --- other pack, other version ------------------------------------------------------------------
attempt("other pack", Engine.load(other, clock=FrozenClock(), trust_unsigned=True), good, "the snapshot is of pack `hostile`, not `other`")
attempt("other flow version, no migrate", Engine.load(changed, clock=FrozenClock(), trust_unsigned=True), good,
        "flow `main` has changed since the snapshot was taken; give the new version a `migrate:` section")
attempt("other flow version, migrated", Engine.load(migrating, clock=FrozenClock(), trust_unsigned=True), good)
# --- signatures -----------------------------------------------------------------------------------
signed = at_topic(signing)
attempt("signed: as made", signing, signed)
attempt("signed: unsigned", signing, edit(["signature"], DELETE, signed), "the snapshot is not signed")
attempt("signed: wrong signature", signing, edit(["signature"], "0" * 64, signed), "signature does not match")
attempt("signed: not hexadecimal", signing, edit(["signature"], "é" * 64, signed), "not an HMAC-SHA256")
attempt("signed: a number", signing, edit(["signature"], 12, signed), "not an HMAC-SHA256")
attempt("signed: then edited", signing, edit(["state", "call_id"], "other", signed), "signature does not match")
attempt("signed: edited to another valid step", signing, edit(["state", "stack", 0, 1], "bye", signed), "signature does not match")
attempt("signed: with another key", Engine.load(pack, clock=FrozenClock(), secret=OTHER_KEY), signed, "signature does not match")
attempt("signed: an unsigned one from elsewhere", signing, good, "the snapshot is not signed")
# --- huge ------------------------------------------------------------------------------------------
attempt("huge: a 2 MB answer", engine, edit(["state", "vars"], {{"blob": "x" * 2_000_000}}), "larger than 1,048,576")
attempt("huge: 300,000 keys", engine, edit(["state", "vars"], {{f"k{{i}}": i for i in range(300_000)}}), "larger than")
attempt("huge: signed and 50 MB", signing, edit(["state", "vars"], {{"blob": "x" * 50_000_000}}, signed), "larger than")
deep = []
for _ in range(100_000):
    deep = [deep]
attempt("huge: nested 100,000 deep", engine, edit(["state", "vars"], {{"deep": deep}}), "nests its values too deeply")

# --- every field, every wrong type, at every phase: refused, or no later move crashes ---------
values = [None, 0, -1, 10**30, 1.5, True, "", "x", "nonexistent", [], [[]], [["main"]], [["main", "hello", "x"]],
          {{}}, {{"a": 1}}, ["x"], [{{"id": "x"}}], [1, 2], "2026-13-45", "9" * 5000]
def phases():
    session = engine.start("main")
    def unsigned():
        data = session.snapshot()
        del data["signature"]
        return data
    yield unsigned()
    session.answer(); yield unsigned()
    session.signal("insult"); yield unsigned()
    session.answer("tech"); yield unsigned()
    session.answer("smoke"); yield unsigned()
    session.resolve({{"sent": True}}); yield unsigned()
    session.wrap_up("done"); yield unsigned()
tried = refused = 0
crashes = []
started = time.process_time()
for snapshot in phases():
    for field in snapshot["state"]:
        for value in values:
            data = copy.deepcopy(snapshot)
            data["state"][field] = value
            tried += 1
            try:
                session = engine.resume(data)
            except SnapshotError:
                refused += 1
                continue
            for move in ("view", "answer", "answer 1", "signal", "back", "hang_up", "resolve", "fail", "wrap_up", "snapshot"):
                try:
                    if move == "view": pass
                    elif move == "answer": session.answer()
                    elif move == "answer 1": session.answer("1")
                    elif move == "signal": session.signal("insult")
                    elif move == "back": session.back()
                    elif move == "hang_up": session.hang_up()
                    elif move == "resolve": session.resolve({{}})
                    elif move == "fail": session.fail("down")
                    elif move == "wrap_up": session.wrap_up("done")
                    else: engine.resume(json.loads(json.dumps(session.snapshot())))
                    session.view  # the screen the move led to: built when it is read
                except CallguideError:
                    pass
                except BaseException as other:
                    crashes.append(f"{{field}}={{value!r:.40}} then {{move}}: {{type(other).__name__}}: {{other}}")
report(f"{{tried}} snapshots with one field of a wrong type", verdict="accepted" if not crashes else "crash",
       tried=tried, refused=refused, crashes=crashes[:20], pack_cpu_seconds=time.process_time() - started)
"""


def test_hostile_snapshots_are_refused_with_a_clear_message(corpus: Corpus) -> None:
    outcome = run_snippet(PROBE.format(v1=MAIN_V1, v2=MAIN_V2, tech=TECH, rules=RULES))
    reports = outcome.reports
    fuzz = [report for report in reports if "tried" in report]
    corpus.add("snapshots", [report for report in reports if "tried" not in report])
    if fuzz:
        (summary,) = fuzz
        resumed = summary["tried"] - summary["refused"] - len(summary["crashes"])
        rows = [
            {"input": "one field of a wrong type: refused", "verdict": REFUSED, "count": summary["refused"]},
            {"input": "one field of a wrong type: resumed, later moves fine", "verdict": ACCEPTED, "count": resumed},
            {
                "input": "one field of a wrong type: a later move crashed",
                "verdict": CRASH,
                "count": len(summary["crashes"]),
            },
        ]
        corpus.add("snapshots/fields", rows)
    assert outcome.ok, outcome.describe()
    wrong = [report for report in reports if report["verdict"] not in (ACCEPTED, REFUSED)]
    assert not wrong, "\n".join(map(str, wrong))
    accepted = sorted(report["input"] for report in reports if report["verdict"] == ACCEPTED and "tried" not in report)
    assert accepted == [
        "edited: another valid step (unsigned: accepted)",
        "other flow version, migrated",
        "signed: as made",
    ]
    by_name = {report["input"]: report for report in reports}
    assert by_name["other flow version, migrated"]["step"] == "subject"
    # CPU seconds with a generous margin (never wall-clock time): a refusal takes milliseconds
    assert max(report.get("cpu_seconds", 0) for report in reports) < 5.0
    assert fuzz and fuzz[0]["crashes"] == []
