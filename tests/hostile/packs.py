"""Small packs written on the fly, for the hostile tests (also imported in child processes)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

MANIFEST = """\
pack: hostile
title: Hostile inputs
language: en
timezone: UTC
call_end: call_end
"""

CALL_END = """\
catalog: call_end
title: End of call
reasons:
  done: {label: Done, close: true, locked: true}
  later: {label: Call back later, close: false, queue: desk}
queues:
  desk: Front desk
"""

# What the template payloads may read: a text, a number, a list and a map.
INPUTS = ("x", "n", "items", "customer")
CONTEXT = {"x": "abc", "n": 5, "items": [1, 2, 3], "customer": {"name": "Ann", "phone": "0712345678"}}

# A flow whose second screen cannot be shown when nobody shares the bill (`100 // 0`, line 11).
SHARES = """\
flow: main
title: Shares
start: count
steps:
  count:
    ask: How many people share the bill?
    number: {min: 0}
    save: people
    next: share
  share:
    say: "Each pays {{ 100 // people }}"
    next: bye
  bye:
    end: resolved
"""


def write_pack(root: Path, files: Mapping[str, str], *, manifest: str = MANIFEST) -> Path:
    """A pack folder at `root` (emptied first) with a manifest, a call-end catalog and `files`."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "pack.yaml").write_text(manifest, encoding="utf-8")
    (root / "call_end.yaml").write_text(CALL_END, encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def say_flow(text: str) -> str:
    """A flow whose first step says `text`, then ends."""
    return (
        f"flow: main\ntitle: Main\ninput: [{', '.join(INPUTS)}]\nstart: speak\nsteps:\n"
        f"  speak:\n    say: {quoted(text)}\n    next: bye\n"
        "  bye:\n    end: resolved\n"
    )


def condition_flow(condition: str) -> str:
    """A flow whose first step branches on `condition`."""
    return (
        f"flow: main\ntitle: Main\ninput: [{', '.join(INPUTS)}]\nstart: decide\nsteps:\n"
        f"  decide:\n    next:\n      - if: {quoted(condition)}\n        go: yes_end\n      - go: no_end\n"
        "  yes_end:\n    end: resolved\n"
        "  no_end:\n    end: resolved\n"
    )
