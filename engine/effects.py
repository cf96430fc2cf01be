"""Effects: requests the engine hands to its host, and the built-in catalogue of them.

The engine performs no I/O. A `do` step, a rule or a lookup emits an `EffectRequest`; the
host answers it with a result or a failure (`EffectFailed`), synchronously through a
registered handler or later through `Session.resolve`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from callguide.model import Pack

# Built-in effects and the arguments each requires. A pack may declare more in `effects:`.
BUILTIN_EFFECTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sms.send": ("to", "text"),
        "email.send": ("to", "subject", "body"),
        "call.transfer": ("to",),
        "callback.schedule": ("at",),
        "case.create": ("subject",),
        "case.comment": ("comment",),
        "case.find": ("id",),
        "customer.update": (),
        "customer.note": ("text",),
        "customer.history": (),
        "report.submit": ("report",),
        "task.postpone": ("delay",),
        "task.next_method": (),
        "task.complete": (),
        "task.remove": (),
        "task.clear": (),
        "task.move": ("to",),
        "task.create": ("worklist", "reason"),
        "supervisor.notify": ("message",),
    }
)


def known_effects(pack: Pack) -> dict[str, tuple[str, ...]]:
    """Every effect a `do` may name: built-in, declared by the pack, or a lifecycle transition."""
    effects = dict(BUILTIN_EFFECTS)
    effects.update({name: effect.args for name, effect in pack.effects.items()})
    for lifecycle in pack.lifecycles.values():
        for transition in lifecycle.transitions:
            effects[f"{lifecycle.name}.{transition}"] = ()
    return effects


@dataclass(frozen=True, slots=True)
class EffectRequest:
    """One effect the session asks its host for.

    `id` numbers the call's effects (1, 2, ...). `key` is the idempotency key
    (`call:move:index`, the move that asked for it and its place in that move): the host
    performs an effect once per key. The engine itself never asks again for an effect the
    host performed, even when the move that asked for it failed afterwards.
    """

    id: int
    name: str
    args: Mapping[str, Any]
    step: str
    key: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "name": self.name, "args": dict(self.args), "step": self.step}


Handler = Callable[[EffectRequest], Any]  # performs an effect: its result, or raises `EffectFailed`
