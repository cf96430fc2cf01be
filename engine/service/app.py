"""The HTTP API (FastAPI): routes only; the work is in `calls`, `work`, `packs` and `auth`.

Routes that touch the database are plain functions (FastAPI runs them in its thread pool),
but for a call's start and moves, the routes agents wait on: those hand their work to
`db.work` (on the event loop with SQLite, in a worker thread with PostgreSQL). Answers are
serialised once with orjson, and the response models below only document them
(`/openapi.json`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import orjson
from callguide.problems import CallguideError
from callguide.service import console, models, problems, work
from callguide.service.auth import AuthConfig, Identity
from callguide.service.calls import Calls, Reply, fingerprint
from callguide.service.db import connect
from callguide.service.entities import bound
from callguide.service.hot import Service
from callguide.service.lean import LeanRoute
from callguide.service.metrics import METRICS
from callguide.service.ops import RequestMiddleware
from callguide.service.packs import Loaded, Packs
from callguide.service.problems import ApiProblem, Unauthenticated
from callguide.session import Session
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST

log = logging.getLogger("callguide.service")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
JSON = "application/json"
Id = Annotated[str, PathParam(min_length=1, max_length=200)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200, description="repeat-safe retries")
]
INSTANT = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"  # RFC 3339


class SignedIn(HTTPBearer):
    """Who sends the request; every `/v1` route but signing in needs it. An `HTTPBearer`, so
    that `/openapi.json` declares the scheme, and one dependency that FastAPI resolves per
    request (a chain of them costs a request more than its move does)."""

    async def __call__(self, request: Request) -> Identity:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None or not credentials.credentials:
            raise ApiProblem(401, "unauthenticated", "send Authorization: Bearer <API key or token>")
        auth: AuthConfig = request.app.state.auth
        try:
            return auth.authenticate(credentials.credentials)
        except Unauthenticated as error:
            raise ApiProblem(401, "unauthenticated", str(error)) from None


SIGNED_IN = SignedIn(auto_error=False, description="an API key, or a token from POST /v1/auth/token")
Who = Annotated[Identity, Depends(SIGNED_IN)]


async def supervisor(who: Who) -> Identity:
    """The caller, who must be a supervisor (for routes that show every agent's work)."""
    if not who.supervisor:
        raise ApiProblem(403, "forbidden", "only a supervisor may do this")
    return who


def _query_names(dependant: Dependant) -> set[str]:
    """A route's query parameters, its dependencies' included (the report filters are one)."""
    names = {parameter.alias for parameter in dependant.query_params}
    for inner in dependant.dependencies:
        names |= _query_names(inner)
    return names


async def known_query(request: Request) -> None:
    """A query parameter the route does not have is refused, not silently ignored (a typo in
    `?live=` must not list every call)."""
    if not request.scope.get("query_string"):
        return  # most requests have none: parsing the query is then needless work
    route = request.scope.get("route")
    declared = _query_names(route.dependant) if route is not None else set()
    unknown = sorted(name for name in request.query_params if name not in declared)
    if unknown:
        raise ApiProblem(422, "invalid-request", f"this request takes no query parameter `{unknown[0]}`")


@dataclass(frozen=True, slots=True)
class Settings:
    packs: Path
    db: str
    auth: AuthConfig
    reload_seconds: float = 2.0  # 0: never look for changed flow files
    sample_data: bool = True


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status, media_type=JSON)


def _reply(reply: Reply) -> Response:
    media = JSON if reply.status < 400 else problems.MEDIA_TYPE
    return Response(reply.body, reply.status, media_type=media)


def _pack_json(loaded: Loaded) -> dict[str, Any]:
    pack = loaded.engine.pack
    return {
        "name": loaded.name,
        "title": pack.title,
        "version": loaded.version,
        "language": pack.language,
        "languages": list(pack.all_languages),
        "outcomes": sorted(pack.outcome_names),
        "flows": [
            {"name": name, "title": flow.flow.title, "version": flow.flow.digest, "inputs": list(flow.flow.inputs)}
            for name, flow in sorted(loaded.engine.compiled.flows.items())
        ],
        "worklists": [{"name": w.name, "title": w.title, "flow": w.flow} for w in pack.worklists.values()],
        "lifecycles": [
            {"name": lc.name, "initial": lc.initial, "states": list(lc.states), "transitions": list(lc.transitions)}
            for lc in pack.lifecycles.values()
        ],
        "call_end": _call_end(loaded),
        "rules": [
            {
                "name": name,
                "label": _label(partial(rule.label.render, {}, pack.language), name),
                "warnings": rule.rule.warnings,
            }
            for name, rule in loaded.engine.compiled.rules.items()
        ],
    }


def _label(render: Callable[[], str], fallback: str) -> str:
    """A label in the pack's language; its key when it needs a call's data to be shown."""
    try:
        return render()
    except CallguideError:
        return fallback


def _call_end(loaded: Loaded) -> dict[str, Any] | None:
    """The end-of-call catalog, for a form that shows it whole."""
    pack, contexts = loaded.engine.pack, loaded.engine.contexts
    catalog = pack.call_end_catalog
    if catalog is None:
        return None

    def label(key: str) -> str:
        return _label(lambda: contexts.label(key, {}, pack.language), key.split(":", 1)[-1])

    reasons = [
        {
            "key": reason.key,
            "label": label(f"reason:{reason.key}"),
            "close": reason.close,
            "locked": reason.locked,
            "queue": reason.queue,
            "description": reason.description,
        }
        for reason in catalog.reasons.values()
    ]
    queues = [{"key": key, "label": label(f"queue:{key}")} for key in catalog.queues]
    return {"title": catalog.title, "description": catalog.description, "reasons": reasons, "queues": queues}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.Problem, "content": {problems.MEDIA_TYPE: {}}} for status in (400, 401, 404, 422)
}
MOVE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    403: {"model": models.Problem, "content": {problems.MEDIA_TYPE: {}}},
    409: {"model": models.Problem, "content": {problems.MEDIA_TYPE: {}}},
}


def create_app(settings: Settings) -> FastAPI:
    db = connect(settings.db)
    packs = Packs(settings.packs, db, settings.auth.secret, sample_data=settings.sample_data)
    packs.load_all()
    calls = Calls(db, packs)
    stopping = threading.Event()

    def watch() -> None:
        while not stopping.wait(settings.reload_seconds):
            try:
                for _ in packs.reload_changed():
                    METRICS.reloads.inc()
            except Exception:  # a reload that fails must not stop the next one
                log.exception("reloading the packs failed")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher = threading.Thread(target=watch, name="callguide-reload", daemon=True)
        if settings.reload_seconds > 0:
            watcher.start()
        db.open()  # again, when the app is started after a stop (tests start it many times)
        log.info("serving", extra={"packs": sorted(packs.current), "db": db.kind})
        yield
        stopping.set()
        db.close()
        log.info("stopped")

    app = Service(
        title="callguide",
        version="1",
        description="The callguide interpreter over HTTP: packs, calls, worklists and cases.",
        lifespan=lifespan,
        dependencies=[Depends(known_query)],
    )
    app.add_middleware(RequestMiddleware)
    problems.install(app)
    app.state.calls, app.state.packs, app.state.db, app.state.auth = calls, packs, db, settings.auth

    # --- operations ------------------------------------------------------------------------

    @app.get("/health", response_model=models.Health, tags=["operations"])
    def health() -> Response:
        """The process answers."""
        return _json({"status": "ok"})

    @app.get(
        "/ready",
        response_model=models.Ready,
        responses={503: {"model": models.Problem, "content": {problems.MEDIA_TYPE: {}}}},
        tags=["operations"],
    )
    def ready() -> Response:
        """The database answers and the packs are loaded: ready for calls."""
        try:
            with db.transaction() as tx:
                tx.one("select 1")
        except Exception as error:
            raise ApiProblem(503, "unavailable", f"the database does not answer: {type(error).__name__}") from None
        return _json({"status": "ready", "db": db.kind, "packs": len(packs.current)})

    @app.get("/metrics", response_class=Response, tags=["operations"])
    def metrics() -> Response:
        """Prometheus metrics."""
        METRICS.live.set(calls.live_count())
        return Response(METRICS.exposition(), media_type=CONTENT_TYPE_LATEST)

    # --- who -------------------------------------------------------------------------------

    @app.post(
        "/v1/auth/token",
        response_model=models.TokenOut,
        responses={400: PROBLEMS[400], 401: PROBLEMS[401], 422: PROBLEMS[422]},
        tags=["auth"],
    )
    def sign_in(body: models.SignIn) -> Response:
        """Sign in with a user's name and API key: a bearer token for the console."""
        found = settings.auth.sign_in(body.name, body.key)
        if found is None:
            raise ApiProblem(401, "unauthenticated", "unknown user or wrong key")
        token, expires = settings.auth.token(found)
        return _json(
            {"token": token, "token_type": "bearer", "expires_at": expires.isoformat(), "identity": found.as_json()}
        )

    @app.get("/v1/me", response_model=models.IdentityOut, responses=PROBLEMS, tags=["auth"])
    def me(who: Who) -> Response:
        return _json(who.as_json())

    # --- packs -----------------------------------------------------------------------------

    @app.get("/v1/packs", response_model=list[models.PackOut], responses=PROBLEMS, tags=["packs"])
    def list_packs(who: Who) -> Response:
        return _json([_pack_json(packs.current[name]) for name in sorted(packs.current)])

    @app.get("/v1/packs/{pack}", response_model=models.PackOut, responses=PROBLEMS, tags=["packs"])
    def get_pack(pack: Id, who: Who) -> Response:
        return _json(_pack_json(calls.pack(pack)))

    # --- sessions --------------------------------------------------------------------------

    def lean(path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        """`@app.post` for the requests agents wait on: served by a `LeanRoute`."""

        def declare(endpoint: Endpoint) -> Endpoint:
            app.router.add_api_route(path, endpoint, methods=["POST"], route_class_override=LeanRoute, **options)
            return endpoint

        return declare

    @lean("/v1/sessions", status_code=201, response_model=models.SessionOut, responses=PROBLEMS, tags=["sessions"])
    async def start(body: models.StartIn, who: Who) -> Response:
        """Start a call; `agent` in the flow's context is the signed-in identity."""
        out = await db.work(
            partial(calls.start, who, body.pack, body.flow, body.context, body.language, body.customer_id, body.task_id)
        )
        return _json(out, 201)

    @app.get("/v1/sessions", response_model=list[models.SessionOut], responses=PROBLEMS, tags=["sessions"])
    def list_sessions(
        who: Who,
        live: bool | None = None,
        pack: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        """The caller's sessions (a supervisor's: everyone's), the last moved first."""
        return _json(calls.sessions(who, live, pack, limit))

    @app.get("/v1/sessions/{session_id}", response_model=models.SessionOut, responses=PROBLEMS, tags=["sessions"])
    def get_session(
        session_id: Id,
        who: Who,
        detail: Annotated[
            Literal["full"] | None, Query(description="full: input, answers, effects, rule events")
        ] = None,
    ) -> Response:
        return _json(calls.read(who, session_id, detail=detail == "full"))

    async def move(
        who: Identity,
        session_id: str,
        version: int,
        kind: str,
        apply: Callable[[Session], Any],
        key: str | None,
        body: Any,
    ) -> Response:
        idempotency = (key, fingerprint(kind, body)) if key else None
        return _reply(
            await db.work(partial(calls.move, who, session_id, version, kind, apply, idempotency=idempotency))
        )

    @lean(
        "/v1/sessions/{session_id}/answer", response_model=models.SessionOut, responses=MOVE_PROBLEMS, tags=["sessions"]
    )
    async def answer(
        session_id: Id, body: models.AnswerIn, who: Who, idempotency_key: IdempotencyKey = None
    ) -> Response:
        """Answer the current question (`value: null` goes on from a `say`, or takes the default)."""
        return await move(
            who,
            session_id,
            body.version,
            "answer",
            lambda s: s.answer(body.value, step=body.step),
            idempotency_key,
            body.model_dump(),
        )

    @lean(
        "/v1/sessions/{session_id}/signal", response_model=models.SessionOut, responses=MOVE_PROBLEMS, tags=["sessions"]
    )
    async def signal(
        session_id: Id, body: models.SignalIn, who: Who, idempotency_key: IdempotencyKey = None
    ) -> Response:
        """A rule event (`insult`, `inaudible`...)."""
        return await move(
            who, session_id, body.version, "signal", lambda s: s.signal(body.event), idempotency_key, body.model_dump()
        )

    @lean(
        "/v1/sessions/{session_id}/back", response_model=models.SessionOut, responses=MOVE_PROBLEMS, tags=["sessions"]
    )
    async def back(
        session_id: Id, body: models.Versioned, who: Who, idempotency_key: IdempotencyKey = None
    ) -> Response:
        return await move(who, session_id, body.version, "back", lambda s: s.back(), idempotency_key, body.model_dump())

    @lean(
        "/v1/sessions/{session_id}/effects/{effect_id}",
        response_model=models.SessionOut,
        responses=MOVE_PROBLEMS,
        tags=["sessions"],
    )
    async def effect(
        session_id: Id,
        effect_id: Annotated[int, PathParam(ge=0, le=2**53)],
        body: models.EffectIn,
        who: Who,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        """The result (or `error`) of an effect the host performs itself (`view.pending`)."""

        def settle(session: Session) -> Any:
            if body.error is not None:
                return session.fail(body.error, effect=effect_id)
            return session.resolve(body.result, effect=effect_id)

        return await move(
            who, session_id, body.version, "effect", settle, idempotency_key, [effect_id, body.model_dump()]
        )

    @lean(
        "/v1/sessions/{session_id}/hangup", response_model=models.SessionOut, responses=MOVE_PROBLEMS, tags=["sessions"]
    )
    async def hang_up(
        session_id: Id, body: models.HangUpIn, who: Who, idempotency_key: IdempotencyKey = None
    ) -> Response:
        """The line dropped, or the agent ends the call now: on to the wrap-up."""
        return await move(
            who,
            session_id,
            body.version,
            "hangup",
            lambda s: s.hang_up(body.outcome, body.reason),
            idempotency_key,
            body.model_dump(),
        )

    @lean(
        "/v1/sessions/{session_id}/wrapup", response_model=models.SessionOut, responses=MOVE_PROBLEMS, tags=["sessions"]
    )
    async def wrap_up(
        session_id: Id, body: models.WrapUpIn, who: Who, idempotency_key: IdempotencyKey = None
    ) -> Response:
        """The end-of-call form at once; the call record is then in `view.record` and `/record`."""
        return await move(
            who,
            session_id,
            body.version,
            "wrapup",
            lambda s: s.wrap_up(body.reason, body.close, body.queue, body.description),
            idempotency_key,
            body.model_dump(),
        )

    @app.get(
        "/v1/sessions/{session_id}/record",
        response_model=dict[str, Any],
        responses={**PROBLEMS, 409: PROBLEMS[404]},
        tags=["sessions"],
    )
    def record(session_id: Id, who: Who) -> Response:
        return _json(calls.record(who, session_id))

    @app.get("/v1/calls", response_model=list[dict[str, Any]], responses=PROBLEMS, tags=["sessions"])
    def call_records(
        who: Who,
        pack: Annotated[str | None, Query(max_length=200)] = None,
        since: Annotated[str | None, Query(pattern=INSTANT, description="calls ended at or after this time")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        """Finished calls' records (an agent's own; a supervisor's: everyone's), the last first."""
        try:
            moment = datetime.fromisoformat(since).astimezone(UTC).isoformat() if since else None
        except ValueError:
            raise ApiProblem(422, "invalid-request", f"since: `{since}` is not a date and time") from None
        return _json(calls.records(who, pack, moment, limit))

    # --- worklists and cases ---------------------------------------------------------------

    def in_pack(pack: str, action: Callable[[Loaded], Any], status: int = 200) -> Response:
        loaded = calls.pack(pack)
        with db.transaction() as tx, bound(tx):
            return _json(action(loaded), status)

    def now() -> datetime:
        return datetime.now(UTC)

    @app.get(
        "/v1/packs/{pack}/worklists/{worklist}/tasks",
        response_model=list[dict[str, Any]],
        responses=PROBLEMS,
        tags=["worklists"],
    )
    def worklist_tasks(pack: Id, worklist: Id, who: Who) -> Response:
        return in_pack(pack, lambda loaded: work.tasks(loaded, worklist))

    @app.post(
        "/v1/packs/{pack}/worklists/{worklist}/next",
        response_model=dict[str, Any],
        responses=PROBLEMS,
        tags=["worklists"],
    )
    def next_task(pack: Id, worklist: Id, who: Who) -> Response:
        """The task due longest, now the caller's (`status: in_progress`)."""
        return in_pack(pack, lambda loaded: work.next_task(loaded, worklist, who, now()))

    @app.post(
        "/v1/packs/{pack}/tasks/{task}/postpone", response_model=dict[str, Any], responses=PROBLEMS, tags=["worklists"]
    )
    def postpone(pack: Id, task: Id, body: models.PostponeIn, who: Who) -> Response:
        return in_pack(pack, lambda loaded: work.task_action(loaded, task, "postpone", body.model_dump(), now()))

    @app.post(
        "/v1/packs/{pack}/tasks/{task}/outcome", response_model=dict[str, Any], responses=PROBLEMS, tags=["worklists"]
    )
    def task_outcome(pack: Id, task: Id, body: models.OutcomeIn, who: Who) -> Response:
        """What the worklist does with the task for this outcome (done, postpone, next method...)."""
        args = {name: value for name, value in (("delay", body.delay), ("comment", body.comment)) if value is not None}
        return in_pack(pack, lambda loaded: work.outcome(loaded, task, body.outcome, args, now()))

    @app.post(
        "/v1/packs/{pack}/cases", status_code=201, response_model=dict[str, Any], responses=PROBLEMS, tags=["cases"]
    )
    def create_case(pack: Id, body: models.CaseIn, who: Who) -> Response:
        return in_pack(pack, lambda loaded: work.create_case(loaded, body.fields, who), 201)

    @app.get("/v1/packs/{pack}/cases/{case}", response_model=dict[str, Any], responses=PROBLEMS, tags=["cases"])
    def find_case(pack: Id, case: Id, who: Who) -> Response:
        return in_pack(pack, lambda loaded: work.find_case(loaded, case))

    @app.post(
        "/v1/packs/{pack}/cases/{case}/transitions", response_model=dict[str, Any], responses=PROBLEMS, tags=["cases"]
    )
    def case_transition(pack: Id, case: Id, body: models.TransitionIn, who: Who) -> Response:
        """Fire a transition of the pack's case lifecycle (its guards and comment rules apply)."""
        return in_pack(pack, lambda loaded: work.transition(loaded, case, body.transition, body.comment, who))

    @app.get(
        "/v1/packs/{pack}/cases/{case}/history", response_model=list[dict[str, Any]], responses=PROBLEMS, tags=["cases"]
    )
    def case_history(pack: Id, case: Id, who: Who) -> Response:
        return in_pack(pack, lambda loaded: list(work.find_case(loaded, case).get("history") or []))

    app.include_router(console.routes(SIGNED_IN))  # the agent console and the supervisor's view
    # The routes agents wait on are matched first: a request tries the routes in order.
    app.router.routes.sort(key=lambda route: not isinstance(route, LeanRoute))
    return app
