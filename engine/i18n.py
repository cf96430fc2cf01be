"""The engine's own words in the call's language: gettext catalogs, the Python convention.

Every message an agent may see (an answer refused, the wrap-up's questions, the
simulator's prompts) is written in English in the code, wrapped in `_` (or `ngettext` where
a number decides the form), and translated from `locale/<lang>/LC_MESSAGES/callguide.mo`.
The catalogs are extracted and compiled with Babel (`make catalogs`); at run time the
standard library reads them. Which language: the one `use` set for the current move (a
session sets its call's language; the simulator its pack's), English by default.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import cache
from pathlib import Path

LOCALE = Path(__file__).parent / "locale"
DOMAIN = "callguide"
SHIPPED = ("en", "ru")  # complete catalogs; tests/test_i18n.py holds them to every message

LANGUAGE: ContextVar[str] = ContextVar("callguide_language", default="en")


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The language's catalog; English (the messages as written) when there is none."""
    return gettext.translation(DOMAIN, LOCALE, languages=[language], fallback=True)


def use(language: str) -> Token[str]:
    """Speak `language` from now on in this context; `LANGUAGE.reset(token)` undoes it."""
    return LANGUAGE.set(language)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak `language` within the block (a move speaks its call's language already: then
    nothing is switched, which costs more than what the block translates)."""
    if LANGUAGE.get() == language:
        yield
        return
    token = use(language)
    try:
        yield
    finally:
        LANGUAGE.reset(token)


def _(message: str) -> str:
    """`message` in the current language. Kept once looked up, by language: the messages
    are the code's own literals (a bounded set), and a catalog's lookup costs twice as much."""
    language = LANGUAGE.get()
    translated = _TRANSLATED.get(language)
    if translated is None:
        translated = _TRANSLATED[language] = {}
    found = translated.get(message)
    if found is None:
        found = translated[message] = catalog(language).gettext(message)
    return found


_TRANSLATED: dict[str, dict[str, str]] = {}  # by language: each message as `_` translated it


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for `count` (Russian has three), in the current language."""
    return catalog(LANGUAGE.get()).ngettext(singular, plural, count)
