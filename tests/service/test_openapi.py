"""schemathesis against `/openapi.json`: no request it makes up gets a 500, and every answer
fits the schema (status code, content type, body, headers), signed in and not."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from callguide.service.app import Settings, create_app
from callguide.service.migrations import migrate
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .helpers import AMINA, AUTH, FLOWS

_FOLDER = Path(tempfile.mkdtemp(prefix="callguide-openapi-"))
_URL = f"sqlite:///{_FOLDER / 'calls.db'}"
migrate(_URL)
APP = create_app(Settings(FLOWS, _URL, AUTH, reload_seconds=0))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_500_or_an_answer_off_the_schema(case: schemathesis.Case) -> None:
    # Left out: "schema-valid data is accepted". A request can fit the schema and still be
    # refused with a 4xx problem: an answer the flow does not take, a time like 0000-00-00.
    case.call_and_validate(headers=AMINA, excluded_checks=[positive_data_acceptance])
