"""The console's own words, in English and Russian (one JSON catalog per language).

The engine's texts come in the pack's language from the pack itself (and from the engine's
gettext catalogs); these are the words of the console around them: buttons, labels, panels.
A pack in a language without a catalog gets English.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

FALLBACK = "en"


@cache
def languages() -> tuple[str, ...]:
    folder = resources.files(__package__).joinpath("strings")
    return tuple(sorted(entry.name.removesuffix(".json") for entry in folder.iterdir() if entry.name.endswith(".json")))


@cache
def strings(language: str) -> MappingProxyType[str, str]:
    """The catalog of `language` (its base: `ru-RU` -> `ru`), English where it has none."""
    base = language.split("-")[0].split("_")[0].lower()
    chosen = base if base in languages() else FALLBACK
    text = resources.files(__package__).joinpath("strings", f"{chosen}.json").read_text(encoding="utf-8")
    found: dict[str, Any] = json.loads(text)
    english: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath("strings", f"{FALLBACK}.json").read_text(encoding="utf-8")
    )
    return MappingProxyType({**{k: str(v) for k, v in english.items()}, **{k: str(v) for k, v in found.items()}})


def catalog_language(language: str) -> str:
    base = language.split("-")[0].split("_")[0].lower()
    return base if base in languages() else FALLBACK
