"""A generated pack of any size, for timing load + check + compile at scale.

The flows look like the bundled ones: greetings and questions with templates, choices
whose answers are stored and read back by branch conditions, free text with length
limits, and an end. Every step is reachable and every name is stored before it is read,
so the checker has the whole pack to analyse and reports no problem.
"""

from __future__ import annotations

from pathlib import Path

from callguide.cli.files import CATALOG_TEMPLATE, PACK_TEMPLATE

# One block of five steps; `{n}` numbers the block, `{next}` is where the block leads.
BLOCK = """\
  say_{n}:
    say: "Block {n}: thank you, {{{{ agent.name }}}}. Let us go on with part {n}."
    next: ask_{n}

  ask_{n}:
    ask: "Which option applies in part {n}?"
    choice:
      first: First option of part {n}
      second: Second option of part {n}
      third: Third option of part {n}
    save: answer_{n}
    next: route_{n}

  route_{n}:
    next:
      - if: answer_{n} == 'first'
        go: note_{n}
      - if: answer_{n} == 'second' and agent.name
        go: confirm_{n}
      - go: confirm_{n}

  note_{n}:
    ask: "Note for part {n} (you chose {{{{ answer_{n} }}}})"
    text: {{min_length: 3, max_length: 200}}
    save: note_{n}
    next: confirm_{n}

  confirm_{n}:
    ask: "Is part {n} done?"
    yes_no: true
    save: done_{n}
    next: {next}
"""

FLOW_HEAD = """\
flow: {name}
title: Generated flow {index}
start: say_0

steps:
"""

END = """\
  finish:
    say: "That is all for {name}. Goodbye, {{{{ agent.name }}}}."
    end: resolved
"""


def flow_text(name: str, index: int, steps: int) -> str:
    """A flow of at least `steps` steps (blocks of five, then the end step)."""
    blocks = max(1, -(-(steps - 1) // 5))
    parts = [FLOW_HEAD.format(name=name, index=index)]
    for n in range(blocks):
        following = f"say_{n + 1}" if n + 1 < blocks else "finish"
        parts.append(BLOCK.format(n=n, next=following))
    parts.append(END.format(name=name))
    return "\n".join(parts)


def write_pack(root: Path, steps: int = 5_000, flows: int = 50) -> Path:
    """Write a pack of at least `steps` steps split over `flows` flows into `root`; returns it."""
    root.mkdir(parents=True, exist_ok=True)
    # the manifest and catalog `callguide new pack` writes
    (root / "pack.yaml").write_text(PACK_TEMPLATE.format(name="generated", title=f"Generated pack ({steps} steps)"))
    (root / "call_end.yaml").write_text(CATALOG_TEMPLATE)
    per_flow = -(-steps // flows)
    for index in range(flows):
        name = f"flow_{index:03d}"
        (root / f"{name}.yaml").write_text(flow_text(name, index, per_flow))
    return root
