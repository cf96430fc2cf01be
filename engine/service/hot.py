"""The short way through the app for the requests agents wait on: a call's start and its moves.

FastAPI sends every request through Starlette's middleware stack (server errors, telemetry,
the body limit, ours, exception handlers, an exit stack) and then its router, which tries the
routes one by one. For the lean routes (`lean.LeanRoute`) that walk cost about as much as the
route's own work. `Service` takes their requests before the stack and serves them with the
same pieces in the same order: the handler of unexpected errors (a 500 problem document,
then the error raised again for the server to log), our `RequestMiddleware` (request id,
metrics, the log line), the app's exception handlers (problem documents), and the route's
handler. Every other request, and one to a lean route's path with another method, goes the
usual way. `/openapi.json` is unchanged: the routes are still the app's.

What the short way leaves out is what these routes do not use: FastAPI's OpenTelemetry hooks
(the service configures none), a request body limit (the app sets none: `Service` refuses to
start with one) and the exit stacks of dependencies with `yield` (a lean route has none).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from inspect import iscoroutinefunction
from typing import Any, cast

from callguide.service.lean import Handler, LeanRoute
from callguide.service.ops import RequestMiddleware
from fastapi import FastAPI, Request, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
HANDLER = "callguide.lean_handler"  # the scope's key of the matched route's handler


class Service(FastAPI):
    """The service's app: FastAPI, but the lean routes' requests go the short way (`HotRoutes`)."""

    _hot: HotRoutes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            if self._hot is None:  # once all routes are declared, as Starlette builds its stack
                self._hot = HotRoutes(self)
            if self.root_path:  # as FastAPI does first: a route's path is matched without it
                scope["root_path"] = self.root_path
            if self._hot.take(scope):
                await self._hot(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class HotRoutes:
    """ASGI: serves a request that `take` matched to one of the app's lean routes."""

    def __init__(self, app: FastAPI) -> None:
        if app.max_body_size is not None:
            raise TypeError("the lean routes' short way has no request body limit: the app must set none")
        self.app = app
        self.routes: Sequence[tuple[LeanRoute, Handler]] = [
            (route, route.get_route_handler()) for route in app.router.routes if isinstance(route, LeanRoute)
        ]
        if any(isinstance(kind, int) and kind != 500 for kind in app.exception_handlers):
            raise TypeError("the lean routes' short way has no handlers by status: the app must set none")
        if not all(iscoroutinefunction(handler) for handler in app.exception_handlers.values()):
            raise TypeError("the lean routes' short way awaits the app's exception handlers: they are `async def`")
        handlers = cast(Mapping[Any, ErrorHandler], app.exception_handlers)
        # FastAPI's split: the handler of 500 and Exception is the outermost, the others inside ours
        self.on_crash = handlers.get(500) or handlers.get(Exception)
        self.on_error = {kind: handler for kind, handler in handlers.items() if kind not in (500, Exception)}
        self.timed: ASGIApp = RequestMiddleware(self._answer)

    def take(self, scope: Scope) -> bool:
        """Whether a lean route serves this request; if so, the scope gets what the router would
        have put in it. The routes are tried in the router's order (the lean ones come first)."""
        for route, handler in self.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child)  # the route, its endpoint and the path's parameters
                scope["app"], scope["router"], scope[HANDLER] = self.app, self.app.router, handler
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.timed(scope, receive, sending)
        except Exception as error:  # a bug of the service: as Starlette's ServerErrorMiddleware does
            if self.on_crash is None:
                raise
            response = await self.on_crash(Request(scope), error)
            if not started:
                await response(scope, receive, send)
            raise

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        handler: Handler = scope[HANDLER]
        try:
            response = await handler(request)
        except Exception as error:  # as Starlette's ExceptionMiddleware: the first handler of its classes
            on_error = next((self.on_error[kind] for kind in type(error).__mro__ if kind in self.on_error), None)
            if on_error is None:
                raise
            response = await on_error(request, error)
        await response(scope, receive, send)
