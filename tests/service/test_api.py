"""The API on SQLite and PostgreSQL: a whole call, versions, idempotency, problems, restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from callguide.service.db import connect
from fastapi.testclient import TestClient
from hostile.packs import SHARES, write_pack

from .helpers import AMINA, BO, SAM, make_client, move, start


def test_a_whole_call_from_start_to_call_record(api: TestClient) -> None:
    session = start(api, AMINA, pack="helpdesk", flow="incoming")
    assert session["version"] == 1 and session["owner"] == "amina" and session["view"]["step"] == "greeting"
    session = move(api, AMINA, session, value=None)
    assert (session["version"], session["view"]["step"]) == (2, "has_account")
    session = move(api, AMINA, session, "hangup", outcome="resolved")
    assert (session["view"]["kind"], session["view"]["step"]) == ("wrapup", "@reason")
    session = move(api, AMINA, session, "wrapup", reason="wrong_number")
    assert session["ended"] and session["outcome"] == "resolved" and session["version"] == 4
    record = api.get(f"/v1/sessions/{session['id']}/record", headers=AMINA).json()
    assert record["path"] == ["incoming:greeting", "incoming:has_account"]
    assert (record["reason"], record["outcome"], record["agent"]["id"]) == ("wrong_number", "resolved", "amina")
    assert [r["call_id"] for r in api.get("/v1/calls", headers=AMINA).json()] == [record["call_id"]]


def test_a_stale_version_is_refused_with_the_current_view(api: TestClient) -> None:
    session = start(api, AMINA, pack="helpdesk", flow="incoming")
    moved = move(api, AMINA, session, value=None)
    second_tab = api.post(f"/v1/sessions/{session['id']}/answer", json={"version": 1, "value": None}, headers=AMINA)
    assert second_tab.status_code == 409
    problem = second_tab.json()
    assert second_tab.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "stale-version" and problem["session"] == moved
    assert "version 2, not 1" in problem["detail"]
    assert api.get(f"/v1/sessions/{session['id']}", headers=AMINA).json()["version"] == 2


def test_an_answer_repeated_with_its_idempotency_key_moves_once(api: TestClient) -> None:
    session = start(api, AMINA, pack="helpdesk", flow="incoming")
    url, body = f"/v1/sessions/{session['id']}/answer", {"version": 1, "value": None}
    first = api.post(url, json=body, headers={**AMINA, "Idempotency-Key": "click-1"})
    again = api.post(url, json=body, headers={**AMINA, "Idempotency-Key": "click-1"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["version"] == 2
    other = api.post(url, json={"version": 1, "value": "x"}, headers={**AMINA, "Idempotency-Key": "click-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency-conflict"
    assert api.get(f"/v1/sessions/{session['id']}", headers=AMINA).json()["version"] == 2


def test_an_invalid_answer_is_a_422_with_the_engines_message_and_changes_nothing(api: TestClient) -> None:
    session = move(api, AMINA, start(api, AMINA, pack="bboxx", flow="incoming"), value=None)
    refused = api.post(f"/v1/sessions/{session['id']}/answer", json={"version": 2, "value": "teleport"}, headers=AMINA)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "invalid-answer" and problem["step"] == "reason"
    assert "teleport" in problem["detail"] and problem["session"]["version"] == 2


def test_effects_and_the_task_they_move_are_written_with_the_move_exactly_once(api: TestClient) -> None:
    session = start(api, AMINA, pack="bboxx", flow="outgoing", task_id="T-5002")
    assert session["view"]["step"] == "summary"
    for value in (None, "first", "no_answer", "4 hours"):
        session = move(api, AMINA, session, value=value)
    url = f"/v1/sessions/{session['id']}/answer"
    body = {"version": session["version"], "value": "No answer, phone switched off"}
    replies = [api.post(url, json=body, headers={**AMINA, "Idempotency-Key": "postpone"}) for _ in range(3)]
    assert {reply.status_code for reply in replies} == {200}
    assert replies[0].json()["view"]["kind"] == "wrapup"
    tasks = api.get("/v1/packs/bboxx/worklists/calls_to_make/tasks", headers=AMINA).json()
    task = next(task for task in tasks if task["id"] == "T-5002")
    assert (task["status"], task["attempts"]) == ("postponed", 2)  # once, not three times
    record = api.get(f"/v1/sessions/{session['id']}", headers=AMINA).json()
    assert record["version"] == session["version"] + 1


def test_bad_requests_are_problem_documents_never_500(api: TestClient) -> None:
    cases: list[tuple[Any, ...]] = [
        ("get", "/v1/packs", None, {}, 401, "unauthenticated"),
        ("get", "/v1/packs", None, {"Authorization": "Bearer nope"}, 401, "unauthenticated"),
        ("get", "/v1/packs/nosuch", None, AMINA, 404, "not-found"),
        ("post", "/v1/sessions", {"pack": "bboxx"}, AMINA, 422, "invalid-request"),
        ("post", "/v1/sessions", {"pack": "bboxx", "flow": "nosuch"}, AMINA, 422, "invalid-answer"),
        (
            "post",
            "/v1/sessions",
            {"pack": "bboxx", "flow": "incoming", "context": {"agent": {}}},
            AMINA,
            422,
            "invalid-request",
        ),
        ("get", "/v1/sessions/nosuch", None, AMINA, 404, "not-found"),
        ("post", "/v1/sessions/nosuch/answer", {"version": 1}, AMINA, 404, "not-found"),
        ("post", "/v1/sessions/x/answer", {"version": 0}, AMINA, 422, "invalid-request"),
        ("get", "/v1/nowhere", None, AMINA, 404, "not-found"),
    ]
    for method, url, body, headers, status, code in cases:
        response = api.request(method, url, json=body, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code), (url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    broken = api.post("/v1/sessions", content=b"{not json", headers={**AMINA, "content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["code"] == "invalid-request"


def test_a_call_goes_on_after_the_server_restarts(db_url: str) -> None:
    with make_client(db_url) as first:
        session = move(first, AMINA, start(first, AMINA, pack="bboxx", flow="incoming"), value=None)
    with make_client(db_url) as second:  # a new process: nothing cached, all from the store
        assert second.get(f"/v1/sessions/{session['id']}", headers=AMINA).json() == session
        moved = move(second, AMINA, session, value="technical")
        assert moved["version"] == 3 and moved["view"]["step"] != "reason"


def test_a_snapshot_stored_as_an_earlier_version_wrote_it_resumes(db_url: str) -> None:
    with make_client(db_url) as first:
        session = move(first, AMINA, start(first, AMINA, pack="bboxx", flow="incoming"), value=None)
    db = connect(db_url)
    db.open()
    try:
        with db.transaction() as tx:
            stored = tx.one("select snapshot from sessions where id = ?", (session["id"],))
            assert stored is not None and stored[0].startswith('{"flows":')  # `snapshot_text()`: keys sorted
            # the map as orjson wrote it in the order it was made (before `snapshot_text`)
            data = orjson.loads(stored[0])
            earlier = {key: data[key] for key in ("format", "pack", "flows", "state", "signature")}
            tx.run("update sessions set snapshot = ? where id = ?", (orjson.dumps(earlier).decode(), session["id"]))
    finally:
        db.close()
    with make_client(db_url) as second:
        moved = move(second, AMINA, session, value="technical")
        assert moved["version"] == 3 and moved["view"]["step"] != "reason"


def test_worklist_and_case_endpoints(api: TestClient) -> None:
    task = api.post("/v1/packs/bboxx/worklists/calls_to_make/next", headers=BO).json()
    assert (task["status"], task["agent"]) == ("in_progress", "bo")
    refused = api.post(f"/v1/packs/bboxx/tasks/{task['id']}/postpone", json={"delay": "2h"}, headers=BO)
    assert refused.status_code == 422 and "4h, 8h" in refused.json()["detail"]
    postponed = api.post(
        f"/v1/packs/bboxx/tasks/{task['id']}/postpone", json={"delay": "8h", "comment": "busy line"}, headers=BO
    )
    assert postponed.status_code == 200 and postponed.json()["status"] == "postponed"
    done = api.post(f"/v1/packs/bboxx/tasks/{task['id']}/outcome", json={"outcome": "resolved"}, headers=BO).json()
    assert done["status"] == "done"
    case = api.post("/v1/packs/beeline/cases", json={"fields": {"subject": "no internet"}}, headers=BO)
    assert case.status_code == 201
    key = case.json()["id"]
    assert case.json()["status"] == "OPEN"
    moved = api.post(f"/v1/packs/beeline/cases/{key}/transitions", json={"transition": "dispatch"}, headers=BO)
    assert moved.status_code == 200 and moved.json()["status"] == "OPEN-DISPATCH"
    again = api.post(f"/v1/packs/beeline/cases/{key}/transitions", json={"transition": "dispatch"}, headers=BO)
    assert again.status_code == 422 and "only possible from OPEN" in again.json()["detail"]
    history = api.get(f"/v1/packs/beeline/cases/{key}/history", headers=BO).json()
    assert [(entry["transition"], entry["from"]) for entry in history] == [("dispatch", "OPEN")]
    assert api.get(f"/v1/packs/beeline/cases/{key}", headers=SAM).json()["status"] == "OPEN-DISPATCH"


def test_what_the_console_needs_language_detail_and_the_end_of_call_form(api: TestClient) -> None:
    session = start(api, AMINA, pack="beeline", flow="incoming", context={"caller_number": "9168889900"})
    assert session["language"] == "ru" and "input" not in session
    detail = api.get(f"/v1/sessions/{session['id']}?detail=full", headers=AMINA).json()
    assert detail["input"] == {"caller_number": "9168889900"} and detail["answers"] == {} and detail["effects"] == []
    assert detail["events"] == []
    # a rule event is kept in the detail, so the console's rule counts survive a reload
    warned = move(api, AMINA, session, "signal", event="insult")
    detail = api.get(f"/v1/sessions/{session['id']}?detail=full", headers=AMINA).json()
    assert [(event["rule"], event["count"]) for event in detail["events"]] == [("insult", 1)]
    assert detail["events"][0]["warning"] == warned["view"]["notice"]["text"]
    pack = api.get("/v1/packs/helpdesk", headers=AMINA).json()
    reasons = {reason["key"]: reason for reason in pack["call_end"]["reasons"]}
    assert "wrong_number" in reasons and reasons["wrong_number"]["close"] is True
    assert all(isinstance(rule["warnings"], int) and rule["label"] for rule in pack["rules"])


def test_an_answer_whose_screen_cannot_be_shown_is_a_422_and_changes_nothing(db_url: str, tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    write_pack(packs / "hostile", {"main.yaml": SHARES})
    with make_client(db_url, packs) as api:
        session = start(api, AMINA, pack="hostile", flow="main")
        url = f"/v1/sessions/{session['id']}/answer"
        refused = api.post(url, json={"version": 1, "value": "0"}, headers=AMINA)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["code"] == "flow-error" and "main.yaml:11:10: ZeroDivisionError" in problem["detail"]
        assert problem["session"] == session  # the move was undone: same version, same screen
        assert api.get(f"/v1/sessions/{session['id']}", headers=AMINA).json() == session
        moved = move(api, AMINA, session, value="4")
        assert (moved["version"], moved["view"]["say"]) == (2, "Each pays 25")
