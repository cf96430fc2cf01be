"""`callguide`: validate, run, simulate, test, graph, schema, fmt, new, docs.

Exit codes: 0 all is well, 1 problems found (or a scenario failed), 2 the command was
used wrongly. Mistakes in flow files are reported as problems, never as tracebacks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from callguide.check import check_paths
from callguide.cli.schema_files import write_schemas
from callguide.problems import Problem, sort_problems
from callguide.schemas.source import KINDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="callguide")
def main() -> None:
    """callguide: call-centre scripts as YAML flows, checked like code and run as an interpreter."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    help="How to print the problems.",
)
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
def validate(paths: tuple[Path, ...], output: str, strict: bool) -> None:
    """Check flow files, packs or folders of packs; print every problem as file:line:col."""
    results = check_paths(paths)
    problems = sort_problems(problem for result in results for problem in result.problems)
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    if output == "json":
        report = {
            "packs": [str(result.path) for result in results],
            "errors": errors,
            "warnings": warnings,
            "problems": [problem.as_json() for problem in problems],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(_styled(problem))
        checked = f"{len(results)} pack{'s' if len(results) != 1 else ''}"
        summary = f"{checked} checked: {errors} error(s), {warnings} warning(s)"
        click.echo(click.style(summary, fg="red" if errors else "green", bold=True))
    sys.exit(1 if errors or (strict and warnings) else 0)


def _styled(problem: Problem) -> str:
    colour = "red" if problem.severity == "error" else "yellow"
    head = f"{problem.pos}: " + click.style(f"{problem.severity} {problem.code}", fg=colour, bold=True)
    return f"{head}: {problem.message}"


@main.command()
@click.argument("kind", required=False, type=click.Choice(KINDS))
@click.option(
    "--write",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every kind's schema into this folder (KIND.json), for editors and modelines.",
)
def schema(kind: str | None, folder: Path | None) -> None:
    """Print the JSON Schema of a file kind (all kinds' names without KIND)."""
    from callguide.schemas import schema as load_schema

    if folder is not None:
        for path in write_schemas(folder):
            click.echo(f"wrote {path}")
        click.echo(f"modelines: # yaml-language-server: $schema={folder}/flow.json (relative to each file)")
        return
    if kind is None:
        for name in KINDS:
            title = load_schema(name).get("title", "")
            click.echo(f"{name:<10} {title}")
        return
    click.echo(json.dumps(load_schema(kind), indent=2, ensure_ascii=False))


def _register() -> None:
    from callguide.cli.docs_site import docs
    from callguide.cli.draw import graph
    from callguide.cli.files import fmt, new
    from callguide.cli.run import run, simulate_command
    from callguide.cli.scenarios import test

    for command in (run, simulate_command, test, graph, fmt, new, docs):
        main.add_command(command)
    from callguide.cli.serve import serve  # the HTTP service (callguide.service)

    main.add_command(serve)


_register()

if __name__ == "__main__":
    main()
