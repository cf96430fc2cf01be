"""callguide: a declarative engine for call-centre scripts.

from callguide import Engine
engine = Engine.load("flows/bboxx")
session = engine.start("incoming", context={"agent": {"name": "Amina"}})
session.view          # what the agent sees now
session.answer("technical")
"""

from callguide.clock import Clock, FrozenClock, SystemClock
from callguide.effects import EffectRequest
from callguide.engine import Engine
from callguide.problems import (
    CallguideError,
    EffectFailed,
    FlowError,
    FlowRuntimeError,
    InputError,
    Problem,
    RenderError,
    SessionBusy,
    SnapshotError,
)
from callguide.session import Session
from callguide.view import View

__all__ = [
    "CallguideError",
    "Clock",
    "EffectFailed",
    "EffectRequest",
    "Engine",
    "FlowError",
    "FlowRuntimeError",
    "FrozenClock",
    "InputError",
    "Problem",
    "RenderError",
    "Session",
    "SessionBusy",
    "SnapshotError",
    "SystemClock",
    "View",
]
