"""Who may do what: an agent reaches only its own calls and cannot grant itself a permission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from callguide.service.auth import Identity
from fastapi.testclient import TestClient

from .helpers import AMINA, AUTH, BO, KEYS, SAM, SECRET, move, start


def test_an_agent_cannot_read_or_move_another_agents_session(api: TestClient) -> None:
    session = start(api, AMINA, pack="helpdesk", flow="incoming")
    url = f"/v1/sessions/{session['id']}"
    for response in (
        api.get(url, headers=BO),
        api.get(f"{url}/record", headers=BO),
        api.post(f"{url}/answer", json={"version": 1, "value": None}, headers=BO),
        api.post(f"{url}/hangup", json={"version": 1, "outcome": "resolved"}, headers=BO),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not-found"  # not even told it exists
    assert api.get("/v1/sessions", headers=BO).json() == []
    assert api.get(url, headers=AMINA).json()["version"] == 1  # nothing moved


def test_a_supervisor_sees_every_session_but_moves_none_of_them(api: TestClient) -> None:
    mine = start(api, AMINA, pack="helpdesk", flow="incoming")
    theirs = start(api, BO, pack="helpdesk", flow="incoming")
    listed = {session["id"]: session["owner"] for session in api.get("/v1/sessions?live=true", headers=SAM).json()}
    assert listed == {mine["id"]: "amina", theirs["id"]: "bo"}
    assert api.get(f"/v1/sessions/{mine['id']}", headers=SAM).json() == mine
    refused = api.post(f"/v1/sessions/{mine['id']}/answer", json={"version": 1, "value": None}, headers=SAM)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_an_agent_cannot_grant_itself_a_permission(api: TestClient) -> None:
    refusal = "Only an agent authorised by the supervisor may make a manual outgoing call."
    plain = api.post("/v1/sessions", json={"pack": "bboxx", "flow": "manual_outgoing"}, headers=AMINA)
    assert plain.status_code == 422 and plain.json()["detail"].startswith(refusal)
    forged = {"pack": "bboxx", "flow": "manual_outgoing", "context": {"agent": {"permissions": ["manual_outgoing"]}}}
    smuggled = api.post("/v1/sessions", json=forged, headers=AMINA)
    assert smuggled.status_code == 422 and "signed-in identity" in smuggled.json()["detail"]
    allowed = start(api, SAM, pack="bboxx", flow="manual_outgoing")  # the supervisor's config grants it
    assert allowed["view"]["step"] == "find_customer"


def test_the_flow_sees_the_identity_as_its_agent(api: TestClient) -> None:
    session = start(api, BO, pack="bboxx", flow="incoming")
    assert "my name is Bo" in session["view"]["say"]
    session = move(api, BO, session, "hangup", outcome="dropped")
    record = api.get(f"/v1/sessions/{session['id']}", headers=BO).json()
    assert record["owner"] == "bo"


def test_signing_in_gives_a_token_that_expires_and_cannot_be_forged(api: TestClient) -> None:
    wrong = api.post("/v1/auth/token", json={"name": "amina", "key": KEYS["bo"]})
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthenticated"
    signed = api.post("/v1/auth/token", json={"name": "amina", "key": KEYS["amina"]})
    assert signed.status_code == 200
    token = signed.json()["token"]
    me = api.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"name": "amina", "display": "Amina", "role": "agent", "permissions": []}
    forged = jwt.encode({"sub": "sam", "exp": 2**40}, b"another-secret-0123456789abcdef!", algorithm="HS256")
    expired, _ = AUTH.token(Identity("amina", "agent"), datetime.now(UTC) - timedelta(days=2))
    for credential, message in ((forged, "not valid"), (expired, "expired")):
        response = api.get("/v1/me", headers={"Authorization": f"Bearer {credential}"})
        assert response.status_code == 401 and message in response.json()["detail"]
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["sub"] == "amina"
