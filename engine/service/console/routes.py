"""The console's routes: its pages and assets under /console, the supervisor's figures under
/v1/reports (the same bearer auth and problem documents as the rest of the API).

No `from __future__ import annotations` here: FastAPI reads the annotations of the report
routes, made inside `routes` around the app's own `identity` dependency."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from callguide.service import models
from callguide.service.auth import Identity
from callguide.service.console import catalog, figures
from callguide.service.console.pages import SECURITY_HEADERS, asset, render
from callguide.service.console.strings import strings
from callguide.service.problems import MEDIA_TYPE, not_found
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=True)


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers=SECURITY_HEADERS)


def _loaded(request: Request, name: str) -> Any:
    loaded = figures.packs_of(request).get(name)
    if loaded is None:
        raise not_found(f"no pack `{name}`")
    return loaded


def _pack(request: Request, name: str) -> Any:
    return _loaded(request, name).engine.pack


@router.get("/console", response_class=HTMLResponse, include_in_schema=False)
def packs_page(request: Request) -> HTMLResponse:
    packs = figures.packs_of(request)
    listed = [
        {
            "name": loaded.engine.pack.name,
            "title": loaded.engine.pack.title or loaded.engine.pack.name,
            "language": loaded.engine.pack.language,
            "supervisor": strings(loaded.engine.pack.language)["supervisor_heading"],
        }
        for _, loaded in sorted(packs.current.items())
    ]
    return _page(render("packs.html", "en", packs=listed))


@router.get("/console/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    found = asset(name)
    if found is None:
        raise not_found(f"no console file `{name}`")
    body, content_type = found
    return Response(body, media_type=content_type, headers={"X-Content-Type-Options": "nosniff"})


@router.get("/console/{pack}", response_class=HTMLResponse, include_in_schema=False)
def console_page(request: Request, pack: str) -> HTMLResponse:
    loaded = _loaded(request, pack)
    model, language = loaded.engine.pack, loaded.engine.pack.language
    known = {"call_end": catalog.call_end(loaded.engine, language), "rules": catalog.rules(loaded.engine)}
    return _page(render("console.html", language, pack=model.name, pack_title=model.title, known=known))


@router.get("/console/{pack}/call/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def call_page(request: Request, pack: str, session_id: str) -> HTMLResponse:
    return console_page(request, pack)  # the page asks the API for the call itself


@router.get("/console/{pack}/supervisor", response_class=HTMLResponse, include_in_schema=False)
def supervisor_page(request: Request, pack: str) -> HTMLResponse:
    model = _pack(request, pack)
    return _page(render("supervisor.html", model.language, pack=model.name, pack_title=model.title))


# What a report route may answer besides its figures: problem documents.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": models.Problem, "content": {MEDIA_TYPE: {}}} for status in (401, 403, 422)
}
Text = Annotated[str, Query(max_length=200)]
Closed = Annotated[str, Query(pattern="^(|yes|no)$")]


def chosen_filters(
    date_from: Text = "",
    date_to: Text = "",
    agent: Text = "",
    flow: Text = "",
    pack: Text = "",
    reason: Text = "",
    closed: Closed = "",
    rule: Text = "",
) -> dict[str, str]:
    """The call-record filters of both report routes, as query parameters; the empty ones left out."""
    given = {"date_from": date_from, "date_to": date_to, "agent": agent, "flow": flow, "pack": pack}
    given |= {"reason": reason, "closed": closed, "rule": rule}
    return {name: value for name, value in given.items() if value}


Filters = Annotated[dict[str, str], Depends(chosen_filters)]


def routes(signed_in: Callable[..., Awaitable[Identity]]) -> APIRouter:
    """The console's pages, and the figures behind the app's own bearer auth (`signed_in`)."""
    Who = Annotated[Identity, Depends(signed_in)]
    reports = APIRouter()

    @reports.get("/v1/reports", tags=["reports"], responses=PROBLEMS)
    def report(request: Request, who: Who, chosen: Filters, funnel: Text = "") -> dict[str, Any]:
        """The supervisor's figures over the call records the filters pick (supervisors only);
        dates are YYYY-MM-DD, `closed` yes or no, `funnel` the flow whose drop-off to show."""
        return figures.report(request, figures.supervisor(who), {**chosen, "funnel": funnel})

    @reports.get(
        "/v1/reports/calls.csv",
        tags=["reports"],
        response_class=Response,
        responses={**PROBLEMS, 200: {"content": {"text/csv": {}}}},
    )
    def calls_csv(request: Request, who: Who, chosen: Filters) -> Response:
        """The call records the filters pick, one line per call (supervisors only)."""
        text = figures.csv_export(request, figures.supervisor(who), chosen)
        return Response(
            text.encode("utf-8-sig"),  # with a BOM, so that spreadsheets read Cyrillic right
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="calls.csv"'},
        )

    reports.include_router(router)
    return reports
