"""The lean routes (a call's start and moves) answer every request as FastAPI's own handler
would: the same status and the same problem document, bad requests included. Their requests
take the short way through the app (`callguide.service.hot`): the same headers (request id,
`Allow`, `WWW-Authenticate`), the same log lines and the same metrics as the usual way."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from callguide.service import app as service_app
from callguide.service.calls import Calls
from callguide.service.hot import HotRoutes, Service
from callguide.service.lean import LeanRoute
from callguide.service.metrics import METRICS
from callguide.service.migrations import migrate
from fastapi import FastAPI, Query
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from .helpers import AMINA, BO, make_client, start

JSON = {"content-type": "application/json"}
SHOWN_HEADERS = ("content-type", "x-request-id", "allow", "www-authenticate", "location")
Play = Callable[[TestClient, str], list[tuple[int, Any]]]


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
        (answer + "/", AMINA, {"version": 1, "value": None}),  # not a lean route's path: redirected
        (f"/v1/sessions/{session_id}/nowhere", AMINA, {"version": 1}),
        (answer, {**AMINA, "X-Request-Id": "desk-7.call:42"}, {"version": 2, "value": None}),  # stale: 409
        (answer, {**AMINA, "X-Request-Id": "not a sane id"}, {"version": 1, "value": None}),  # accepted
    ]


def posts(client: TestClient, session_id: str) -> list[tuple[int, Any]]:
    """Each request's status, the headers that say something and the document, without what
    differs between two apps: the session's id, its times and a request id made up."""
    answered = []
    for path, headers, body in requests(session_id):
        if isinstance(body, bytes):
            response = client.post(path, content=body, headers={**JSON, **headers}, follow_redirects=False)
        else:
            response = client.post(path, json=body, headers=headers, follow_redirects=False)
        answered.append(_seen(response, session_id, headers))
    return answered


def other_methods(client: TestClient, session_id: str) -> list[tuple[int, Any]]:
    """The lean routes' paths with another method go the usual way: the listing, or a 405."""
    answered = []
    for method, path in (
        ("GET", "/v1/sessions"),
        ("GET", f"/v1/sessions/{session_id}/answer"),
        ("PUT", "/v1/sessions"),
        ("DELETE", f"/v1/sessions/{session_id}/wrapup"),
    ):
        response = client.request(method, path, headers=AMINA)
        answered.append(_seen(response, session_id, AMINA))
    return answered


def _seen(response: Any, session_id: str, sent: dict[str, str]) -> tuple[int, Any]:
    document = json.loads(response.text.replace(session_id, "<id>")) if response.content else None
    for session in [document, *(document if isinstance(document, list) else [])]:
        if isinstance(session, dict):
            for shown in (session, session.get("session") or {}):
                shown.pop("started", None), shown.pop("updated", None)
    headers = {
        name: response.headers[name].replace(session_id, "<id>") for name in SHOWN_HEADERS if name in response.headers
    }
    if headers.get("x-request-id") != sent.get("X-Request-Id"):  # none sent, or not a sane one
        assert len(headers["x-request-id"]) == 32
        headers["x-request-id"] = "<made up>"
    return response.status_code, [headers, document]


def both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, play: Play, **client: Any) -> list[list[tuple[int, Any]]]:
    """What `play` gets from the app whose lean routes take the short way, then from one where
    they are FastAPI's own `APIRoute`s (no short way: `Service` finds no lean route)."""
    results = []
    for route_class in (LeanRoute, APIRoute):
        monkeypatch.setattr(service_app, "LeanRoute", route_class)
        url = f"sqlite:///{tmp_path / route_class.__name__}.db"
        migrate(url)
        with TestClient(make_client(url).app, **client) as served:
            session = start(served, AMINA, pack="bboxx", flow="incoming")
            results.append(play(served, session["id"]))
    return results


def test_lean_routes_answer_as_fastapi_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lean, fastapi = both(tmp_path, monkeypatch, posts)
    assert [status for status, _ in lean] == [status for status, _ in fastapi]
    assert lean == fastapi
    assert {status for status, _ in lean} >= {200, 307, 401, 404, 409, 422}


def test_other_methods_on_the_lean_routes_paths_go_the_usual_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lean, fastapi = both(tmp_path, monkeypatch, other_methods)
    assert lean == fastapi
    assert [status for status, _ in lean] == [200, 405, 405, 405]


def test_the_short_way_logs_and_counts_each_request_as_the_usual_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    logged: list[list[tuple[Any, ...]]] = []
    counted: list[dict[tuple[str, str], float]] = []

    def play(client: TestClient, session_id: str) -> list[tuple[int, Any]]:
        caplog.clear()
        before = _request_counts()
        answered = posts(client, session_id)
        after = _request_counts()
        counted.append(
            {
                labels: after[labels] - before.get(labels, 0)
                for labels in after
                if after[labels] != before.get(labels, 0)
            }
        )
        logged.append(
            [
                (
                    record.getMessage(),
                    getattr(record, "method", None),
                    getattr(record, "route", None),
                    getattr(record, "status", None),
                )
                for record in caplog.records
                if record.name == "callguide.service"
            ]
        )
        return answered

    with caplog.at_level(logging.INFO, logger="callguide.service"):
        both(tmp_path, monkeypatch, play)
    assert logged[0] == logged[1]
    assert ("request", "POST", "/v1/sessions/{session_id}/answer", 200) in logged[0]
    assert counted[0] == counted[1]
    assert counted[0][("POST", "/v1/sessions/{session_id}/answer")] >= 10


def _request_counts() -> dict[tuple[str, str], float]:
    return {
        (sample.labels["method"], sample.labels["route"]): sample.value
        for family in METRICS.requests.collect()
        for sample in family.samples
        if sample.name.endswith("_count")
    }


def test_a_bug_is_a_500_problem_document_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("a bug")

    def play(client: TestClient, session_id: str) -> list[tuple[int, Any]]:
        with monkeypatch.context() as patched:
            patched.setattr(Calls, "move", broken)
            response = client.post(
                f"/v1/sessions/{session_id}/answer", json={"version": 1, "value": None}, headers=AMINA
            )
        return [_seen(response, session_id, AMINA)]

    lean, fastapi = both(tmp_path, monkeypatch, play, raise_server_exceptions=False)
    assert lean == fastapi
    assert lean[0][0] == 500 and lean[0][1][1]["code"] == "internal"


def test_the_short_way_serves_the_lean_routes_only_with_nothing_it_would_leave_out() -> None:
    app = Service()

    async def endpoint() -> None: ...

    app.router.add_api_route("/fast", endpoint, methods=["POST"], route_class_override=LeanRoute)
    app.router.add_api_route("/usual", endpoint, methods=["POST"])
    assert [route.path for route, _ in HotRoutes(app).routes] == ["/fast"]
    limited = Service(max_body_size=1000)
    with pytest.raises(TypeError, match="no request body limit"):
        HotRoutes(limited)
    by_status = Service(exception_handlers={404: lambda request, error: None})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="no handlers by status"):
        HotRoutes(by_status)
    blocking = Service(exception_handlers={ValueError: lambda request, error: None})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="are `async def`"):
        HotRoutes(blocking)


def test_a_route_the_lean_class_cannot_serve_is_refused_when_declared() -> None:
    app = FastAPI()

    async def listing(limit: int = Query(10)) -> None: ...

    with pytest.raises(TypeError, match="path and header parameters and one body only"):
        app.router.add_api_route("/things", listing, route_class_override=LeanRoute)

    def blocking() -> None: ...

    with pytest.raises(TypeError, match="endpoint is `async def`"):
        app.router.add_api_route("/block", blocking, route_class_override=LeanRoute)
