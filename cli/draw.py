"""`callguide graph`: a diagram of a flow, as Mermaid, DOT or (with Graphviz) SVG."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
from callguide.check import check_pack
from callguide.compile import compile_pack
from callguide.diagram import dot, mermaid
from callguide.problems import did_you_mean


@click.command()
@click.argument("pack", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("flow")
@click.option("--format", "kind", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of the terminal."
)
def graph(pack: Path, flow: str, kind: str, output: Path | None) -> None:
    """Draw a flow: steps, branches labelled with their conditions, sub-flows and rules."""
    result = check_pack(pack)
    if result.pack is None or result.errors:
        for problem in result.errors:
            click.echo(str(problem), err=True)
        sys.exit(1)
    model = result.pack
    if flow not in model.flows:
        raise click.UsageError(f"pack `{model.name}` has no flow `{flow}`{did_you_mean(flow, model.flows)}")
    compiled = compile_pack(model).flows[flow]
    text = mermaid(model, compiled) if kind == "mermaid" else dot(model, compiled)
    if kind == "svg":
        binary = shutil.which("dot")
        if binary is None:
            raise click.UsageError(
                "--format svg needs Graphviz's `dot` program (e.g. `apt-get install graphviz`); --format dot works without it"
            )
        text = subprocess.run([binary, "-Tsvg"], input=text, capture_output=True, text=True, check=True).stdout
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
