"""Flow text never becomes a Python callable or an import path.

`transitions` turns a callback given as a string into an import of a dotted name, so a
YAML value such as `os.system` reaching a callback would run the agent's answer as a shell
command. This pack names everything it can after dangerous callables (effects `os.system`,
`builtins.eval`, `importlib.import_module`, a lifecycle `posix` with a transition `system`,
saved answers `os.system`) and after `transitions`' own words (steps and rule events
`trigger`, `state`, `advance`, `give_up`, `to_trigger`, `may_advance`...). The child process
records every `import` and refuses every way to start a process; a whole call and its rule
events must run with neither, and every compiled machine must hold only Python callables.
"""

from __future__ import annotations

from .corpus import ACCEPTED, Corpus
from .isolation import run_snippet

FILES = {
    "pack.yaml": """\
pack: dotted
title: Dotted names
language: en
timezone: UTC
call_end: call_end
effects:
  os.system: {description: Looks like a shell call, args: [command]}
  builtins.eval: {args: [source]}
  subprocess.call: {}
  importlib.import_module: {args: [name]}
lookups:
  os_popen: Looks like os.popen
outcomes:
  system: A system outcome
""",
    "call_end.yaml": """\
catalog: call_end
title: End
reasons:
  eval: {label: Eval, close: true, locked: true}
  exec: {label: Exec, close: false, queue: system}
queues:
  system: System queue
""",
    "lifecycle.yaml": """\
lifecycle: posix
initial: OPEN
states: {OPEN: Open, DONE: Done}
transitions:
  system: {from: OPEN, to: DONE}
""",
    "rules.yaml": """\
rules:
  trigger: {label: trigger, warnings: 1, warning: Careful, then: {end: system, reason: eval}}
  advance: {label: advance, warnings: 5, warning: again, then: {end: system}}
  give_up: {label: give_up, warnings: 5, warning: again, then: {end: system}}
  state: {label: state, warnings: 0, then: {switch: subprocess}}
""",
    "os.yaml": """\
flow: os
title: os
start: trigger
steps:
  trigger:
    ask: Command?
    text: true
    save: os.system
    next: state
  state:
    do: os.system
    with: {command: "{{ os.system }}"}
    save: builtins.eval
    next: advance
  advance:
    do: builtins.eval
    with: {source: "{{ builtins.eval }}"}
    next: machine
  machine:
    do: subprocess.call
    next: model
  model:
    do: importlib.import_module
    with: {name: os}
    next: to_trigger
  to_trigger:
    ask: Find
    lookup: os_popen
    save: found
    next: fail
  fail:
    do: posix.system
    next: give_up
  give_up:
    next:
      - call: subprocess
        then: is_state
  is_state:
    say: "Done with {{ os.system }} and {{ found.name }}"
    next: may_advance
  may_advance:
    end: system
    reason: exec
""",
    "subprocess.yaml": """\
flow: subprocess
title: subprocess
start: get_state
steps:
  get_state:
    ask: Which?
    choice: {system: system, eval: eval, exec: exec}
    save: choice
    next: set_state
  set_state:
    end: resolved
""",
}

PROBE = """
import tempfile
from pathlib import Path
from callguide import CallguideError, Engine, FrozenClock, InputError
from callguide.check import check_pack
import callguide.check.run  # the checker's stages load on the first check: before imports are watched
from hostile.template_probe import FORBIDDEN_IMPORTS, SHELL, _imported, forbid_shell, watch_imports

forbid_shell()
watch_imports()
# the canary: `transitions` does import a dotted name given as a callback, and the watcher sees it
from types import SimpleNamespace
from transitions import Machine
from hostile.template_probe import _seen
resolved = Machine.resolve_callable("os.getcwd", SimpleNamespace(model=object()))
seen = "os" in _imported
_imported.clear()
_seen.clear()
report("canary: transitions imports `os` for `os.getcwd`", verdict="accepted" if seen and callable(resolved) else "crash")

root = Path(tempfile.mkdtemp()) / "dotted"
root.mkdir()
for name, text in {files!r}.items():
    (root / name).write_text(text)
problems = [str(p) for p in check_pack(root).problems]
report("check the pack", verdict="accepted" if not problems else "crash", problems=problems)

engine = Engine.load(root, clock=FrozenClock())
calls = []
def handler(name):
    def handle(request):
        calls.append(name)
        return [{{"id": "x1", "name": "os.system"}}] if name == "lookup" else {{"ran": False}}
    return handle
for name in ["os.system", "builtins.eval", "subprocess.call", "importlib.import_module", "lookup", "posix.system"]:
    engine.handle(name, handler(name))

# a whole call, every answer an attempt to run something
session = engine.start("os")
answers = {{"trigger": "os.system", "to_trigger": "__import__('os').system('id')", "get_state": "system"}}
for _ in range(40):
    view = session.view
    if view.kind == "ended":
        break
    if view.kind == "wrapup":
        session.wrap_up("exec", queue="system")
    elif view.step == "to_trigger" and view.answer.get("phase") == "pick":
        session.answer("1")
    else:
        session.answer(answers.get(view.step))
record = session.record or {{}}
expected = ["os:trigger", "os:state", "os:advance", "os:machine", "os:model", "os:to_trigger", "os:fail",
            "os:give_up", "subprocess:get_state", "subprocess:set_state", "os:is_state", "os:may_advance"]
report("a call through every dotted name", verdict="accepted" if record.get("path") == expected else "crash",
       record=record, calls=calls)

# rule events named after transitions' own words
session = engine.start("os")
seen = []
for event in ["advance", "give_up", "trigger", "trigger"]:
    session.signal(event)
    seen.append(session.view.kind)
report("rule events trigger, advance, give_up", verdict="accepted" if seen[-1] == "wrapup" else "crash", kinds=seen)
session = engine.start("os")
session.signal("state")
report("rule event `state` switches flows", verdict="accepted" if session.flow == "subprocess" else "crash")
for event in ["os.system", "__init__", "to_os", "trigger.__globals__", "", "x" * 10_000]:
    try:
        session.signal(event)
        report(f"event {{event[:30]}}", verdict="crash", why="accepted")
    except InputError as refused:
        report(f"event {{event[:30]}}", verdict="refused", message=str(refused)[:200])

# the compiled machines hold only Python callables: no string reaches `transitions`
def not_code(callback):
    return isinstance(callback, str) or not callable(callback)
strings = []
for flow in engine.compiled.flows.values():
    machine = flow.machine
    for event in machine.events.values():
        for transitions in event.transitions.values():
            for transition in transitions:
                strings += [repr(c.func) for c in transition.conditions if not_code(c.func)]
                strings += [repr(cb) for cb in (*transition.prepare, *transition.before, *transition.after) if not_code(cb)]
    for state in machine.states.values():
        strings += [repr(cb) for cb in (*state.on_enter, *state.on_exit) if not_code(cb)]
    strings += [repr(cb) for cb in (*machine.prepare_event, *machine.before_state_change, *machine.after_state_change)
                if not_code(cb)]
report("machines hold callables only", verdict="accepted" if not strings else "crash", strings=strings)

forbidden = [name for name in _imported if name.split(".")[0] in FORBIDDEN_IMPORTS]
report("nothing imported, nothing run", verdict="accepted" if not forbidden and not SHELL else "crash",
       imported=forbidden, shell=SHELL)
"""


def test_dotted_names_never_import_or_run_anything(corpus: Corpus) -> None:
    outcome = run_snippet(PROBE.format(files=FILES))
    corpus.add("callables", outcome.reports)
    assert outcome.ok, outcome.describe()
    assert len(outcome.reports) == 13, outcome.reports
    wrong = [report for report in outcome.reports if report["verdict"] not in (ACCEPTED, "refused")]
    assert not wrong, wrong
    by_name = {report["input"]: report for report in outcome.reports}
    assert by_name["a call through every dotted name"]["calls"] == [
        "os.system",
        "builtins.eval",
        "subprocess.call",
        "importlib.import_module",
        "lookup",
        "posix.system",
    ]
    assert by_name["rule events trigger, advance, give_up"]["kinds"] == ["ask", "ask", "ask", "wrapup"]
    assert "`os.system` is not a rule event of this pack" in by_name["event os.system"]["message"]
