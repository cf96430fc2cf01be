"""What the HTML pages of `callguide docs` and `test --coverage-html` share: the page frame,
the style, and diagrams drawn in the page by the Mermaid library shipped with the package
(the pages open from disk, with no network)."""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

from callguide.compile import CompiledFlow
from callguide.coverage import Coverage
from callguide.diagram import edges, mermaid, node_id
from callguide.model import CallStep, EndStep, Pack

ASSETS = ("mermaid.min.js", "mermaid.LICENSE")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
header { background: #24324a; color: white; padding: .8em 1.5em; }
header a { color: #cfe0ff; }
main { padding: 1em 1.5em 3em; max-width: 1200px; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #d5dae3; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
code { background: #eef1f6; padding: 0 .25em; border-radius: 3px; }
.diagram { background: white; border: 1px solid #d5dae3; padding: 1em; overflow-x: auto; }
.covered { color: #1b7a32; } .missed { color: #b3261e; font-weight: 600; }
.lang { color: #687385; font-size: .85em; margin-right: .4em; }
nav ul { columns: 3; }
"""

# Mermaid's classes for a coverage diagram: visited steps green, missed steps red.
COVERED_STYLE = "fill:#d9f2de,stroke:#1b7a32,stroke-width:2px"
MISSED_STYLE = "fill:#fde2e0,stroke:#b3261e,stroke-width:2px,stroke-dasharray:4 3"


def e(text: object) -> str:
    """Text as HTML: nothing an analyst writes is read as markup."""
    return html.escape(str(text), quote=True)


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def copy_assets(folder: Path) -> None:
    """The Mermaid library beside the pages (with its licence)."""
    target = folder / "assets"
    target.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        (target / name).write_bytes(resources.files("callguide.cli").joinpath("assets", name).read_bytes())


def page(title: str, body: str, *, root: str, crumbs: str = "") -> str:
    """A complete page; `root` is the relative way back to the folder that holds `assets/`."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{STYLE}</style>
<script src="{root}assets/mermaid.min.js"></script>
<script>mermaid.initialize({{startOnLoad: true, securityLevel: "strict", flowchart: {{htmlLabels: false, useMaxWidth: false}}}});</script>
</head>
<body>
<header>{crumbs}<h1>{e(title)}</h1></header>
<main>
{body}
</main>
</body>
</html>
"""


def diagram(pack: Pack, compiled_flow: CompiledFlow, coverage: Coverage | None = None) -> str:
    """A flow's diagram as a Mermaid block; with `coverage`, visited steps and taken branches
    are green, the others red."""
    text = mermaid(pack, compiled_flow)
    if coverage is not None:
        text += _coverage_styles(compiled_flow, coverage)
    return f'<pre class="mermaid diagram">\n{e(text)}</pre>'


def _coverage_styles(flow: CompiledFlow, coverage: Coverage) -> str:
    name = flow.flow.name
    steps = list(flow.flow.steps)
    covered = [node_id(step) for step in steps if (name, step) in coverage.steps]
    missed = [node_id(step) for step in steps if (name, step) not in coverage.steps]
    lines = [f"  classDef covered {COVERED_STYLE}", f"  classDef missed {MISSED_STYLE}"]
    if covered:
        lines.append(f"  class {','.join(covered)} covered")
    if missed:
        lines.append(f"  class {','.join(missed)} missed")
    # link 0 is `start --> first step`; then one link per edge, in the order `edges` gives
    for index, edge in enumerate(edges(flow), 1):
        taken = branch_taken(flow, coverage, edge.source, edge.target)
        if taken is not None:
            colour = "#1b7a32" if taken else "#b3261e"
            lines.append(f"  linkStyle {index} stroke:{colour},stroke-width:{2 if taken else 1.5}px")
    return "\n".join(lines) + "\n"


def branch_taken(flow: CompiledFlow, coverage: Coverage, source: str, target: str) -> bool | None:
    """Whether a scenario went from `source` to `target` (a step, `end:X` or `flow:X`);
    None for what coverage does not track (the way back from a sub-flow)."""
    name = flow.flow.name
    if source.startswith("flow:"):
        return None
    if ":" not in target:
        return (name, source, target) in coverage.edges
    kind, _, what = target.partition(":")
    graph = flow.graph
    for way in graph.ways.get(source, ()):
        branch = graph.branches.get(way.dest)
        made = branch.end if isinstance(branch, EndStep) else branch.call if isinstance(branch, CallStep) else None
        if made == what:
            return (name, source, way.dest) in coverage.edges
    return (name, source) in coverage.steps if kind == "flow" else None
