"""`callguide serve`: the interpreter behind an HTTP API (see `callguide.service`)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from callguide.problems import CallguideError, FlowError

ENVIRONMENT = "CALLGUIDE_SERVE"  # the options, for the worker processes uvicorn starts
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's: where the workers keep their metrics


def _hash_key(context: click.Context, _: click.Parameter, key: str | None) -> None:
    if key is None or context.resilient_parsing:
        return
    from callguide.service.auth import hash_key

    click.echo(hash_key(key))
    context.exit(0)


@click.command()
@click.argument("packs", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--db", default="sqlite:///callguide.db", show_default=True, help="sqlite:///path or postgresql://...")
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML: secret, users (name, role, permissions, key_sha256). The secret may come from CALLGUIDE_SECRET.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option(
    "--reload-seconds",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Look for changed flow files this often (0: never).",
)
@click.option(
    "--sample-data/--no-sample-data", default=True, show_default=True, help="Load the packs' data/ at first start."
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@click.option(
    "--hash-key",
    callback=_hash_key,
    expose_value=False,
    is_eager=True,
    help="Print the SHA-256 of an API key and exit.",
)
def serve(
    packs: Path,
    db: str,
    config: Path | None,
    host: str,
    port: int,
    workers: int,
    reload_seconds: float,
    sample_data: bool,
    log_level: str,
) -> None:
    """Serve the packs under PACKS over HTTP (OpenAPI at /openapi.json)."""
    import uvicorn
    from callguide.service.app import create_app
    from callguide.service.migrations import migrate
    from callguide.service.ops import setup_logging

    options: dict[str, Any] = {
        "packs": str(packs.resolve()),
        "db": db,
        "config": str(config.resolve()) if config else None,
        "reload_seconds": reload_seconds,
        "sample_data": sample_data,
        "log_level": log_level,
    }
    setup_logging(log_level)
    try:
        migrate(db)
        app = create_app(settings(options))  # also checks the packs and the config before any worker starts
    except FlowError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    except CallguideError as error:  # the config, the database URL
        raise click.UsageError(str(error)) from None
    except Exception as error:  # the database's own errors (unreachable, refused) as one line
        raise click.UsageError(f"cannot use the database: {error}") from None
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "loop": "uvloop",
        "http": "httptools",
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 30,
    }
    if workers == 1:
        uvicorn.run(app, **common)
        return
    app.state.db.close()
    os.environ[ENVIRONMENT] = json.dumps(options)
    with metrics_folder():
        uvicorn.run("callguide.cli.serve:app_from_environment", factory=True, workers=workers, **common)


@contextmanager
def metrics_folder() -> Iterator[None]:
    """The folder where the workers keep their metrics, so that one scrape sees them all
    (prometheus-client's multiprocess mode; the workers read the variable as they start).
    One given in PROMETHEUS_MULTIPROC_DIR is emptied first: values of an earlier run would
    be added in; otherwise a temporary one is made for this run."""
    given = os.environ.get(MULTIPROC_DIR)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield
        return
    with tempfile.TemporaryDirectory(prefix="callguide-metrics-") as temporary:
        os.environ[MULTIPROC_DIR] = temporary
        try:
            yield
        finally:
            del os.environ[MULTIPROC_DIR]


def settings(options: dict[str, Any]) -> Any:
    from callguide.service.app import Settings
    from callguide.service.auth import load_config

    config = Path(options["config"]) if options.get("config") else None
    auth = load_config(config, os.environ.get("CALLGUIDE_SECRET"))
    return Settings(
        Path(options["packs"]),
        options["db"],
        auth,
        reload_seconds=options["reload_seconds"],
        sample_data=options["sample_data"],
    )


def app_from_environment() -> Any:
    """The app of one worker process, from the options the command put in the environment."""
    from callguide.service.app import create_app
    from callguide.service.ops import setup_logging

    options = json.loads(os.environ[ENVIRONMENT])
    setup_logging(options["log_level"])
    return create_app(settings(options))
