"""Sessions under threads: answers typed by agents under pressure arrive at once.

Each move is applied atomically (no lost update: a counter computed on every entry to a
step counts every answer), the state stays consistent (it resumes from a snapshot), and
sessions sharing one compiled `transitions` machine never see each other's moves. The
interpreter switches threads every microsecond to make races likely.
"""

from __future__ import annotations

from .corpus import ACCEPTED, Corpus
from .isolation import run_snippet

COUNTER = """\
flow: main
title: Counter
start: init
steps:
  init:
    set: {count: "0"}
    next: tick
  tick:
    set: {count: "count + 1"}
    ask: Next?
    text: true
    save: last
    next:
      - if: "last == 'stop'"
        go: done
      - go: tick
  done:
    end: resolved
"""
BRANCHES = """\
flow: branches
title: Branches
start: pick
steps:
  pick:
    ask: Which way?
    choice: {left: Left, right: Right, back: Back}
    save: way
    next:
      - if: way == 'left'
        go: left
      - if: way == 'right'
        go: right
      - go: pick
  left:
    ask: How many?
    number: {min: 1, max: 100, integer: true}
    save: amount
    next: bye
  right:
    ask: Why?
    text: true
    save: reason
    next: bye
  bye:
    say: "Thanks: {{ way }} {{ amount if way == 'left' else reason }}"
    end: resolved
"""
RULES = """\
rules:
  inaudible: {label: Inaudible, warnings: 20, warning: Again please, then: {end: dropped}}
"""

PROBE = """
import json, sys, tempfile, threading, time
from pathlib import Path
from callguide import Engine, FrozenClock, InputError, SessionBusy
from hostile.packs import write_pack

sys.setswitchinterval(1e-6)
root = write_pack(Path(tempfile.mkdtemp()) / "pack", {{"main.yaml": {counter!r}, "branches.yaml": {branches!r}, "rules.yaml": {rules!r}}})
engine = Engine.load(root, clock=FrozenClock())
THREADS, EACH = 8, 60

def hammer(move):
    errors, refused = [], []
    def work(worker):
        for i in range(EACH):
            while True:
                try:
                    move(worker, i)
                    break
                except SessionBusy:
                    continue
                except InputError as error:
                    refused.append(str(error))
                    break
                except BaseException as error:
                    errors.append(f"{{type(error).__name__}}: {{error}}")
                    return
    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, refused, time.perf_counter() - started

# 1. one session, every thread answering it (and reading the screen, built when it is read)
def answer(worker, i):
    session.answer(f"w{{worker}}-{{i}}")
    session.view

session = engine.start("main")
errors, refused, seconds = hammer(answer)
total = THREADS * EACH
state = session.state
ok = (not errors and not refused and state.vars["count"] == total + 1 and state.path.count("main:tick") == total + 1
      and state.vars["last"].startswith("w"))
resumed = engine.resume(json.loads(json.dumps(session.snapshot())))
ok = ok and resumed.state.vars == state.vars
resumed.answer("stop")
ok = ok and resumed.view.kind == "wrapup"
report(f"{{total}} answers to one session from {{THREADS}} threads", verdict="accepted" if ok else "crash",
       errors=errors[:5], counter=state.vars.get("count"), wall_seconds=seconds)

# 2. one session, every thread signalling a rule event: 20 warnings, the 21st ends the call
def signal(worker, i):
    session.signal("inaudible")
    session.view

session = engine.start("main")
errors, refused, seconds = hammer(signal)
state = session.state
ok = not errors and [event["count"] for event in state.events] == list(range(1, 22))
ok = ok and state.events[-1].get("limit") is True and state.phase == "wrapup" and state.outcome == "dropped"
ok = ok and len(refused) == total - 21 and all("the call is over" in message for message in refused)
report(f"{{total}} rule events on one session from {{THREADS}} threads", verdict="accepted" if ok else "crash",
       errors=errors[:5], events=len(state.events), refused=len(refused), wall_seconds=seconds)

# 3. many sessions at once on one shared machine: each ends exactly as it would alone
def script(worker, i):
    way = ("left", "right", "back")[(worker + i) % 3]
    answers = ["back", way] if way == "back" else [way]
    answers += ["left", str(1 + (worker * 7 + i) % 100)] if way == "back" else [str(1 + i % 100) if way == "left" else f"r{{worker}}-{{i}}"]
    return answers

def play(worker, i):
    session = engine.start("branches", call_id=f"c{{worker}}-{{i}}")
    for answer in script(worker, i):
        session.answer(answer)
    session.answer()
    return session.wrap_up("done")

alone = {{(w, i): play(w, i) for w in range(THREADS) for i in range(EACH)}}
together = {{}}
errors, refused, seconds = hammer(lambda worker, i: together.__setitem__((worker, i), play(worker, i)))
ok = not errors and not refused and together == alone
report(f"{{total}} sessions at once on one machine", verdict="accepted" if ok else "crash", errors=errors[:5],
       differ=[str(key) for key in alone if together.get(key) != alone[key]][:5], wall_seconds=seconds)
"""


def test_sessions_under_threads_lose_nothing(corpus: Corpus) -> None:
    outcome = run_snippet(PROBE.format(counter=COUNTER, branches=BRANCHES, rules=RULES))
    corpus.add("threads", outcome.reports)
    assert outcome.ok, outcome.describe()
    assert len(outcome.reports) == 3, outcome.reports
    wrong = [report for report in outcome.reports if report["verdict"] != ACCEPTED]
    assert not wrong, wrong
