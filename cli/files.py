"""`callguide fmt` (normalise YAML, comments and key order kept) and `callguide new`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from callguide.cli.schema_files import SCHEMA_FOLDER, modeline, schema_reference, write_schemas
from callguide.cli.yaml_style import house_style
from callguide.load.files import (
    PACK_FILE,
    YAML_SUFFIXES,
    display,
    is_inside,
    manifest_limits,
    outside_problem,
    read_document,
)
from callguide.load.yaml_source import DEFAULT_LIMITS
from callguide.problems import Pos, Problem
from ruamel.yaml.error import YAMLError


def formatted(text: str) -> str:
    """The file as `fmt` writes it: same data, comments and order, in the house style."""
    return house_style(text)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file would be changed.")
def fmt(paths: tuple[Path, ...], check: bool) -> None:
    """Write flow files in the house style of the bundled packs; comments, key order and alignment are kept."""
    files = [
        (p, path if path.is_dir() else path.parent)
        for path in paths
        for p in ([path] if not path.is_dir() else sorted(path.rglob("*")))
        if p.suffix in YAML_SUFFIXES and (p.is_file() or p.is_symlink())
    ]
    changed = broken = 0
    for file, root in files:
        text = _readable(file, root)
        if isinstance(text, Problem):
            broken += text.severity == "error"
            click.echo(str(text), err=True)
            continue
        try:
            new_text = formatted(text)
        except (YAMLError, RecursionError, ValueError) as error:
            broken += 1
            mark = getattr(error, "problem_mark", None)
            where = f"{display(file)}:{mark.line + 1}:{mark.column + 1}" if mark else display(file)
            click.echo(f"{where}: error yaml-syntax: {getattr(error, 'problem', None) or error}", err=True)
            continue
        if new_text != text:
            changed += 1
            if check:
                click.echo(f"would reformat {display(file)}")
            else:
                _rewrite(file, new_text)
                click.echo(f"reformatted {display(file)}")
    verb = "would be reformatted" if check else "reformatted"
    click.echo(f"{len(files)} file(s) checked, {changed} {verb}" + (f", {broken} unreadable" if broken else ""))
    sys.exit(1 if broken or (check and changed) else 0)


def _readable(file: Path, root: Path) -> str | Problem:
    """The text of a file to format, read as `validate` reads it (same reader, the pack's own
    limits), or why it is left alone: it cannot be read, or it is a link (never written through)."""
    if not is_inside(file, root.resolve()):
        return outside_problem(file)
    if file.is_symlink():
        message = "the file is a link: it is left alone; format the file it points to"
        return Problem(Pos(display(file)), "warning", "file-is-link", message)
    pack = next((folder for folder in (file.parent, *file.parent.parents) if (folder / PACK_FILE).is_file()), None)
    read = read_document(file, manifest_limits(pack)[0] if pack else DEFAULT_LIMITS)
    return read if isinstance(read, Problem) else read[1].text


def _rewrite(file: Path, text: str) -> None:
    """Write `file` in place; refused (ELOOP) if it became a link since it was read."""
    descriptor = os.open(file, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)


PACK_TEMPLATE = """\
pack: {name}
title: {title}
language: en
timezone: UTC
calendar:
  workdays: [mon, tue, wed, thu, fri]
  hours: 09:00-17:00
phone:
  digits: 10
call_end: call_end
"""

CATALOG_TEMPLATE = """\
catalog: call_end
title: End of call
description: optional
reasons:
  resolved: {label: The request was dealt with, close: true}
  follow_up: {label: Follow-up needed, close: false, queue: back_office}
queues:
  back_office: Back office
"""

FLOW_TEMPLATE = """\
flow: {name}
title: {title}
start: greeting

steps:
  greeting:
    say: Hello, my name is {{{{ agent.name }}}}. How can I help you?
    next: topic

  topic:
    ask: What is the call about?
    choice:
      question: A question
      problem: A problem
    save: topic
    next:
      - if: topic == 'problem'
        go: describe
      - go: thanks

  describe:
    ask: Describe the problem
    text: {{min_length: 5}}
    save: problem
    next: thanks

  thanks:
    say: Thank you for calling.
    end: resolved
"""

SCENARIO_TEMPLATE = """\
scenario: A question is answered and the call is closed
flow: {name}
given: {{agent: {{name: Sam}}}}
play:
  - answer: null
  - answer: question
  - answer: null
wrapup: {{reason: resolved}}
expect:
  path: [greeting, topic, thanks]
  outcome: resolved
  record: {{reason: resolved, close: true}}
"""


@click.command()
@click.argument("kind", type=click.Choice(["pack", "flow"]))
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("flows"),
    show_default=True,
    help="Where packs live (for `new pack`), or the pack (for `new flow`).",
)
def new(kind: str, name: str, folder: Path) -> None:
    """Create a pack or a flow that validates, ready to edit."""
    if not name.isidentifier() or not name.islower():
        raise click.UsageError(f"`{name}` is not a valid name: use lower case letters, digits and `_`")
    title = name.replace("_", " ").capitalize()
    if kind == "pack":
        root = folder / name
        if root.exists():
            raise click.UsageError(f"{root} already exists")
        (root / "tests").mkdir(parents=True)
        (root / "data").mkdir()
        if schema_reference(root, "flow") is None:
            # far from any `schemas/`: the pack gets its own, so that its modelines resolve
            for path in write_schemas(root / SCHEMA_FOLDER):
                click.echo(f"created {display(path)}")
        files = {
            root / "pack.yaml": ("pack", PACK_TEMPLATE.format(name=name, title=title)),
            root / "call_end.yaml": ("catalog", CATALOG_TEMPLATE),
            root / "welcome.yaml": ("flow", FLOW_TEMPLATE.format(name="welcome", title="Welcome")),
            root / "tests" / "welcome_question.yaml": ("scenario", SCENARIO_TEMPLATE.format(name="welcome")),
            root / "data" / "customers.yaml": (
                "",
                "# Sample customers for the simulator: a list of records with `id`.\n- id: C1\n  name: Sample Customer\n",
            ),
        }
    else:
        if not (folder / "pack.yaml").is_file():
            raise click.UsageError(f"{folder} is not a pack (no pack.yaml); give it with --dir")
        target = folder / f"{name}.yaml"
        if target.exists():
            raise click.UsageError(f"{target} already exists")
        files = {target: ("flow", FLOW_TEMPLATE.format(name=name, title=title))}
    for path, (file_kind, text) in files.items():
        head = modeline(path.parent, file_kind) if file_kind else ""
        path.write_text(head + text, encoding="utf-8")
        click.echo(f"created {display(path)}")
