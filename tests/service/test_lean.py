"""The lean routes (a call's start and moves) answer every request as FastAPI's own handler
would: the same status and the same problem document, bad requests included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from callguide.service import app as service_app
from callguide.service.lean import LeanRoute
from callguide.service.migrations import migrate
from fastapi import FastAPI, Query
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from .helpers import AMINA, BO, make_client, start

JSON = {"content-type": "application/json"}


def requests(session_id: str) -> list[tuple[str, dict[str, str], Any]]:
    """(path, headers, body as bytes or JSON) of requests to the lean routes, most of them bad."""
    answer = f"/v1/sessions/{session_id}/answer"
    return [
        ("/v1/sessions", AMINA, {"pack": "bboxx"}),
        ("/v1/sessions", AMINA, {"pack": "bboxx", "flow": 7}),
        ("/v1/sessions", AMINA, b"{not json"),
        ("/v1/sessions", {**AMINA, "content-type": "text/plain"}, b'{"pack": "bboxx", "flow": "incoming"}'),
        ("/v1/sessions", {"Authorization": "Bearer nope"}, {"pack": "bboxx", "flow": "incoming"}),
        ("/v1/sessions", {}, {"pack": "bboxx", "flow": "incoming"}),
        (answer, AMINA, None),
        (answer, AMINA, b""),
        (answer, AMINA, {"version": "one"}),
        (answer, AMINA, {"version": 0, "value": None}),
        (answer, {**AMINA, "Idempotency-Key": "k" * 201}, {"version": 1, "value": None}),
        (answer, BO, {"version": 1, "value": None}),
        (answer + "?typo=1", AMINA, {"version": 1, "value": None}),
        (f"/v1/sessions/{'x' * 201}/answer", AMINA, {"version": 1, "value": None}),
        (f"/v1/sessions/{session_id}/effects/-1", AMINA, {"version": 1, "result": None}),
        (f"/v1/sessions/{session_id}/effects/zero", AMINA, {"version": 1, "result": None}),
        (f"/v1/sessions/{session_id}/signal", AMINA, {"version": 1}),
        (f"/v1/sessions/{session_id}/wrapup", AMINA, {"version": 1, "reason": 5}),
        (answer, AMINA, {"version": 2, "value": None}),  # stale: 409 with the current session
        (answer, AMINA, {"version": 1, "value": None}),  # accepted
    ]


def responses(client: TestClient, session_id: str) -> list[tuple[int, Any]]:
    """Each request's status and document, without what differs between two apps: the
    session's id and its times."""
    answered = []
    for path, headers, body in requests(session_id):
        if isinstance(body, bytes):
            response = client.post(path, content=body, headers={**JSON, **headers})
        else:
            response = client.post(path, json=body, headers=headers)
        document = json.loads(response.text.replace(session_id, "<id>"))
        for session in (document, document.get("session") or {}):
            session.pop("started", None), session.pop("updated", None)
        answered.append((response.status_code, document))
    return answered


def test_lean_routes_answer_as_fastapi_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = []
    for route_class in (LeanRoute, APIRoute):
        monkeypatch.setattr(service_app, "LeanRoute", route_class)
        url = f"sqlite:///{tmp_path / route_class.__name__}.db"
        migrate(url)
        with make_client(url) as client:
            session = start(client, AMINA, pack="bboxx", flow="incoming")
            answered = responses(client, session["id"])
        results.append(answered)
    lean, fastapi = results
    assert [status for status, _ in lean] == [status for status, _ in fastapi]
    assert lean == fastapi
    assert {status for status, _ in lean} >= {200, 401, 404, 409, 422}


def test_a_route_the_lean_class_cannot_serve_is_refused_when_declared() -> None:
    app = FastAPI()

    async def listing(limit: int = Query(10)) -> None: ...

    with pytest.raises(TypeError, match="path and header parameters and one body only"):
        app.router.add_api_route("/things", listing, route_class_override=LeanRoute)

    def blocking() -> None: ...

    with pytest.raises(TypeError, match="endpoint is `async def`"):
        app.router.add_api_route("/block", blocking, route_class_override=LeanRoute)
