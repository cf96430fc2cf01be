"""The route class of the requests agents wait on: a call's start and its moves.

FastAPI documents these routes from their signatures as it does every route (`/openapi.json`),
and validates their parameters and body with its own functions and the same pydantic models,
so a bad request gets the same 422. What a request skips is FastAPI's generic handler: its
dependency solver walks every dependency's path, query, header and cookie parameters, and its
request wrapper parses the content type and gathers telemetry, which together cost a request
more than the call's move and its transaction do (benchmarks/service_load.py).

A lean route takes path and header parameters, at most one JSON body, and dependencies that
take nothing but the request (who is calling, the query check); any other shape is refused
when the route is declared, so a route never silently loses a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from inspect import iscoroutinefunction
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic_core import PydanticUndefined

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_SCALARS = (str, int, str | None, int | None)


class LeanRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        dependant = self.dependant
        _check_shape(dependant, self.path)
        endpoint = dependant.call
        assert endpoint is not None
        needs = [(dependency.name, dependency.call) for dependency in dependant.dependencies]
        path_params, header_params, body_field = dependant.path_params, dependant.header_params, self.body_field

        async def handle(request: Request) -> Response:
            values: dict[str, Any] = {}
            for name, call in needs:  # first, as FastAPI does: who is calling, before what was sent
                assert call is not None
                value = await call(request)
                if name is not None:
                    values[name] = value
            found, errors = _read(path_params, request.path_params, "path")
            values |= found
            if header_params:
                found, more = _read(header_params, request.headers, "header")
                values, errors = values | found, errors + more
            body: Any = PydanticUndefined
            if body_field is not None:
                body = await _json_body(request)
                found, more = await request_body_to_args([body_field], body, embed_body_fields=False)
                values, errors = values | found, errors + more
            if errors:
                raise RequestValidationError(errors, body=None if body is PydanticUndefined else body)
            response: Response = await endpoint(**values)
            return response

        return handle


def _read(fields: list[ModelField], given: Mapping[str, str], where: str) -> tuple[dict[str, Any], list[Any]]:
    """The fields' values from the path or the headers, each validated by its own pydantic
    field as FastAPI does (its generic reader inspects every field's type again on every
    request). A header left out takes its default: `_check_shape` lets only optional ones in."""
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for field in fields:
        value = given.get(field.alias)
        if value is None:
            values[field.name] = field.default
            continue
        value, problems = field.validate(value, values, loc=(where, field.alias))
        if problems:
            errors.extend(problems)
        else:
            values[field.name] = value
    return values, errors


def _check_shape(dependant: Dependant, path: str) -> None:
    """A route this class cannot serve exactly as FastAPI would is an error at start-up."""
    if dependant.call is None or not _is_coroutine(dependant.call):
        raise TypeError(f"{path}: a lean route's endpoint is `async def`")
    takes_more = dependant.request_param_name or dependant.response_param_name or dependant.background_tasks_param_name
    if takes_more or dependant.query_params or dependant.cookie_params or len(dependant.body_params) > 1:
        raise TypeError(f"{path}: a lean route takes path and header parameters and one body only")
    for field in (*dependant.path_params, *dependant.header_params):
        if field.field_info.annotation not in _SCALARS:
            raise TypeError(f"{path}: a lean route's parameter `{field.name}` is a text, a number or optional text")
        if field in dependant.header_params and field.field_info.is_required():
            raise TypeError(f"{path}: a lean route's header `{field.alias}` is optional")
    for dependency in dependant.dependencies:
        takes_only_the_request = not (
            dependency.path_params
            or dependency.query_params
            or dependency.header_params
            or dependency.cookie_params
            or dependency.body_params
            or dependency.dependencies
        )
        if not (takes_only_the_request and dependency.call is not None and _is_coroutine(dependency.call)):
            raise TypeError(f"{path}: a lean route's dependencies are `async` and take the request alone")


def _is_coroutine(call: Callable[..., Any]) -> bool:
    return iscoroutinefunction(call) or iscoroutinefunction(type(call).__call__)  # a function, or an instance


async def _json_body(request: Request) -> Any:
    """The body as JSON (missing when empty). Sent as another media type, it stays bytes and
    fails validation; not JSON: the 422 FastAPI gives either way."""
    raw = await request.body()
    if not raw:
        return PydanticUndefined
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not (media == "application/json" or (media.startswith("application/") and media.endswith("+json"))):
        return raw
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", error.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": error.msg},
                }
            ],
            body=raw,
        ) from None
