"""Headless Chromium for the browser tests: Debian's chromium, driven by Playwright.

Playwright's own browser download does not work on a closed network, so the tests launch
the system's Chromium (``CALLGUIDE_CHROMIUM`` or ``chromium`` on the PATH). Without it a
browser test is skipped and says why, unless ``CALLGUIDE_REQUIRE_BROWSER`` is set (CI sets
it in ``.ci/setup.d/chromium.sh``): then the skip is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# As root Chromium needs --no-sandbox; the rest keep it from calling home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# how long an `expect` waits for the page to show something: Playwright's own 5 s is too short
# on a CI machine whose 2 cores are busy with other work (a bound on waiting, never a measure
# of speed: a page that shows it sooner passes sooner)
WAIT_MS = 20_000


def chromium_path() -> str | None:
    return os.environ.get("CALLGUIDE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CALLGUIDE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (CALLGUIDE_REQUIRE_BROWSER is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed on leaving. Only one may run at a time in a thread (a
    second Playwright inside the first one's event loop fails), so a folder that needs its
    own scope closes it before the next one starts."""
    executable = chromium_path()
    if executable is None:
        skip_or_fail("no Chromium on this machine: install Debian's chromium to run the browser tests")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install -c constraints.txt -e '.[dev]'")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run; each test opens its own context."""
    with chromium() as launched:
        yield launched
