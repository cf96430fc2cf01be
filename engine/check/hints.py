"""Hints that name what exists: the word probably meant, or the list to pick from."""

from __future__ import annotations

from collections.abc import Iterable

from callguide.problems import closest

_SHOWN = 12  # past this many, a list of names stops helping


def suggest(word: str, candidates: Iterable[str], listing: str) -> str:
    """` - did you mean `x`?` for a misspelling or swapped parts (`send.sms` for `sms.send`);
    without one, what there is: ` (the queues of the catalog: `a`, `b`)`."""
    names = sorted(set(candidates))
    if "." in word:
        swapped = ".".join(reversed(word.split(".")))
        if swapped in names:
            return f" - did you mean `{swapped}`?"
    meant = closest(word, names)
    if meant is not None:
        return f" - did you mean `{meant}`?"
    if not names:
        return f" (there are no {listing})"
    shown = ", ".join(f"`{name}`" for name in names[:_SHOWN])
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return f" ({listing}: {shown}{more})"
