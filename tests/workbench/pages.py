"""Opening written pages in the headless browser: every diagram drawn, no console error."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def open_page(browser: Browser, path: Path) -> tuple[Page, list[str]]:
    """The page at `path`, once its diagrams are drawn, and the errors its console printed.
    Any request off the disk is refused: the pages must work with no network."""
    context = browser.new_context()
    context.route("http*://**", lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.resolve().as_uri())
    diagrams = page.locator("pre.mermaid").count()
    if diagrams:
        page.wait_for_function(
            "n => document.querySelectorAll('pre.mermaid svg').length === n", arg=diagrams, timeout=60_000
        )
    return page, errors
