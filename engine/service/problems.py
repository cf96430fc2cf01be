"""Errors as RFC 9457 problem documents: a stable `code`, the engine's message as `detail`."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from callguide.problems import CallguideError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("callguide.service")
PROBLEM_TYPE = "https://callguide.dev/problems/"
MEDIA_TYPE = "application/problem+json"

TITLES = {
    "unauthenticated": "Not signed in",
    "forbidden": "Not allowed",
    "not-found": "Not found",
    "invalid-request": "Invalid request",
    "invalid-answer": "The call cannot take this",
    "stale-version": "The call has moved on",
    "busy": "The call is busy",
    "flow-error": "The flow cannot go on",
    "snapshot": "The call cannot be resumed",
    "idempotency-conflict": "Idempotency key reused",
    "not-ended": "The call has not ended",
    "method-not-allowed": "Method not allowed",
    "unavailable": "Not ready",
    "internal": "Internal error",
}


class ConfigError(CallguideError):
    """The server's config file is missing, not YAML, or of the wrong shape."""


class Unauthenticated(CallguideError):
    """No credential, or one that is wrong or expired."""


class DatabaseError(CallguideError):
    """The database cannot be used (bad URL, unreachable, not migrated)."""


class ApiProblem(Exception):
    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra
        self.headers = dict(headers or {})

    def document(self) -> dict[str, Any]:
        return {
            "type": PROBLEM_TYPE + self.code,
            "title": TITLES.get(self.code, self.code),
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extra,
        }

    def response(self) -> Response:
        headers = {**self.headers, **({"WWW-Authenticate": "Bearer"} if self.status == 401 else {})}
        return Response(orjson.dumps(self.document()), self.status, headers, media_type=MEDIA_TYPE)


def not_found(what: str) -> ApiProblem:
    return ApiProblem(404, "not-found", what)


_BY_STATUS = {401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def problem(request: Request, error: ApiProblem) -> Response:
        request.state.problem = error.code
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        errors = error.errors()
        first = errors[0] if errors else {}
        place = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        detail = f"{place}: {first.get('msg', 'invalid')}" if place else str(first.get("msg", "invalid request"))
        shown = [{"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg"))} for e in errors[:20]]
        request.state.problem = "invalid-request"
        return ApiProblem(422, "invalid-request", detail, errors=shown).response()

    @app.exception_handler(Exception)
    async def crash(request: Request, error: Exception) -> Response:
        # a bug of the service: logged with its traceback, answered without one
        log.error("unexpected error", exc_info=error)
        return ApiProblem(500, "internal", "the service failed to answer; the error is logged").response()

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, error: StarletteHTTPException) -> Response:
        code = _BY_STATUS.get(error.status_code, "invalid-request" if error.status_code < 500 else "internal")
        request.state.problem = code
        headers = dict(error.headers or {})
        if error.status_code == 405:  # every method of the path, not only those of the first route that matched it
            headers["Allow"] = ", ".join(_methods(request))
        return ApiProblem(error.status_code, code, str(error.detail), headers).response()


def _methods(request: Request) -> list[str]:
    allowed: set[str] = set()
    for route in request.app.router.routes:
        methods = getattr(route, "methods", None)
        if methods and route.matches(request.scope)[0] != Match.NONE:  # the path matches (the method may not)
            allowed.update(methods)
    return sorted(allowed)
