"""The API's request and response shapes (they make `/openapi.json`)."""

from __future__ import annotations

from typing import Any, Literal

from callguide.view import View
from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityOut(BaseModel):
    name: str
    display: str
    role: Literal["agent", "supervisor"]
    permissions: list[str]


class SignIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    key: str = Field(min_length=1, max_length=1000)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"]
    expires_at: str
    identity: IdentityOut


class FlowOut(BaseModel):
    name: str
    title: str
    version: str
    inputs: list[str]


class WorklistOut(BaseModel):
    name: str
    title: str
    flow: str


class LifecycleOut(BaseModel):
    name: str
    initial: str
    states: list[str]
    transitions: list[str]


class ReasonOut(BaseModel):
    key: str
    label: str
    close: bool
    locked: bool
    queue: str | None
    description: str | None


class OptionOut(BaseModel):
    key: str
    label: str


class CallEndOut(BaseModel):
    """The end-of-call form: its reasons (each presets and may lock `close`) and queues."""

    title: str
    description: str
    reasons: list[ReasonOut]
    queues: list[OptionOut]


class RuleOut(BaseModel):
    name: str
    label: str
    warnings: int


class PackOut(BaseModel):
    name: str
    title: str
    version: str
    language: str
    languages: list[str]
    outcomes: list[str]
    flows: list[FlowOut]
    worklists: list[WorklistOut]
    lifecycles: list[LifecycleOut]
    call_end: CallEndOut | None
    rules: list[RuleOut]


class SessionOut(BaseModel):
    id: str
    pack: str
    flow: str
    owner: str
    version: int
    ended: bool
    outcome: str | None
    started: str
    updated: str
    pack_version: str
    view: View = Field(description="what the agent sees now (`callguide.View`)")
    language: str
    input: dict[str, Any] | None = Field(
        default=None, description="with ?detail=full: the call's input, without the agent"
    )
    answers: dict[str, Any] | None = Field(default=None, description="with ?detail=full: the answers so far")
    effects: list[dict[str, Any]] | None = Field(default=None, description="with ?detail=full: the effects performed")
    events: list[dict[str, Any]] | None = Field(
        default=None, description="with ?detail=full: the rule events so far (`{rule, count, step, at, ...}`)"
    )


class StartIn(Strict):
    pack: str = Field(min_length=1, max_length=200)
    flow: str = Field(min_length=1, max_length=200)
    context: dict[str, Any] = {}
    language: str | None = Field(default=None, max_length=50)
    customer_id: str | None = Field(default=None, max_length=200, description="fills `customer` from the store")
    task_id: str | None = Field(
        default=None, max_length=200, description="fills `task` (and its customer) from the store"
    )


class Versioned(Strict):
    version: int = Field(ge=1, le=2**53, description="the session's version the caller was shown")


class AnswerIn(Versioned):
    value: Any = None
    step: str | None = Field(
        default=None, max_length=200, description="refuse the answer if the call has left this step"
    )


class SignalIn(Versioned):
    event: str = Field(min_length=1, max_length=200)


class EffectIn(Versioned):
    result: Any = None
    error: str | None = Field(default=None, max_length=10_000, description="the effect failed: why")


class HangUpIn(Versioned):
    outcome: str = Field(default="dropped", min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=200)


class WrapUpIn(Versioned):
    reason: str | None = Field(default=None, max_length=200)
    close: bool | None = None
    queue: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", max_length=10_000)


class PostponeIn(Strict):
    delay: str = Field(min_length=1, max_length=50)
    comment: str = Field(default="", max_length=10_000)


class OutcomeIn(Strict):
    outcome: str = Field(min_length=1, max_length=200)
    delay: str | None = Field(default=None, max_length=50)
    comment: str | None = Field(default=None, max_length=10_000)


class CaseIn(Strict):
    fields: dict[str, Any] = {}


class TransitionIn(Strict):
    transition: str = Field(min_length=1, max_length=200)
    comment: str = Field(default="", max_length=10_000)


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    step: str | None = None
    session: SessionOut | None = None
    errors: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    db: str
    packs: int
