"""The console's pages: server-rendered HTML (Jinja), each in the pack's language.

The pages are shells: what a call shows comes from the API, drawn by the page's JS modules.
Every asset is served by the package itself (no external request), under a Content
Security Policy that allows nothing else.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from callguide.service.console.strings import catalog_language, strings
from jinja2 import Environment, FileSystemLoader, select_autoescape

STATIC = "/console/static"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Pages may load their own scripts and styles and talk to their own origin: nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:;"
        " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    folder = resources.files(__package__).joinpath("templates")
    return Environment(
        loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(default=True), auto_reload=False
    )


def render(
    template: str,
    language: str,
    *,
    pack: str = "",
    pack_title: str = "",
    known: dict[str, Any] | None = None,
    **values: Any,
) -> str:
    """A page in `language`; its JS gets the same strings, the pack and what else is `known`
    of it (its catalog, its rules) as JSON config."""
    words = strings(language)
    config = {"pack": pack, "language": catalog_language(language), "strings": dict(words), **(known or {})}
    return (
        environment()
        .get_template(template)
        .render(
            t=words,
            language=catalog_language(language),
            static=STATIC,
            config=config,
            pack=pack,
            pack_title=pack_title,
            **values,
        )
    )


@cache
def asset(name: str) -> tuple[bytes, str] | None:
    """A file of `static/` with its content type; None for anything else (no paths, no dot files)."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in CONTENT_TYPES:
        return None
    entry = resources.files(__package__).joinpath("static", name)
    if not entry.is_file():
        return None
    return entry.read_bytes(), CONTENT_TYPES[suffix]
