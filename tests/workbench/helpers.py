"""Running the command line in-process, as the CLI tests do."""

from __future__ import annotations

from callguide.cli.main import main
from click.testing import CliRunner


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    """The exit code and what was printed (stdout and stderr together)."""
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.output


def invoke_stdout(*args: str) -> tuple[int, str, str]:
    """The exit code, stdout and stderr apart."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
