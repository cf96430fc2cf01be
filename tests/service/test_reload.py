"""A flow edited on disk while a call is live: the server reloads the pack, the live call
keeps the version it started in to its end, and a call started after the reload gets the new flow."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from .helpers import AMINA, FLOWS, make_client, move, start

OLD_QUESTION = "Do you have an account with us?"
NEW_QUESTION = "Are you already a customer of ours?"


def _reloaded_version(api: TestClient, before: str) -> str:
    """The pack's version once the server's watcher has loaded the edited files (it looks
    every 0.05 s; the generous bound only stops a broken reload from hanging the test)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        version: str = api.get("/v1/packs/helpdesk", headers=AMINA).json()["version"]
        if version != before:
            return version
        time.sleep(0.05)
    raise AssertionError("the server never reloaded the edited pack")


def test_a_live_call_keeps_its_flow_version_while_new_calls_get_the_edited_flow(db_url: str, tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(FLOWS / "helpdesk", packs / "helpdesk")
    flow_file = packs / "helpdesk" / "incoming.yaml"
    with make_client(db_url, packs, reload_seconds=0.05) as api:
        before = api.get("/v1/packs/helpdesk", headers=AMINA).json()["version"]
        live = start(api, AMINA, pack="helpdesk", flow="incoming")
        assert live["pack_version"] == before

        flow_file.write_text(flow_file.read_text(encoding="utf-8").replace(OLD_QUESTION, NEW_QUESTION), "utf-8")
        after = _reloaded_version(api, before)

        live = move(api, AMINA, live, value=None)  # greeting -> has_account, in the old version
        assert (live["view"]["step"], live["view"]["text"], live["pack_version"]) == (
            "has_account",
            OLD_QUESTION,
            before,
        )
        fresh = move(api, AMINA, start(api, AMINA, pack="helpdesk", flow="incoming"), value=None)
        assert (fresh["view"]["step"], fresh["view"]["text"], fresh["pack_version"]) == (
            "has_account",
            NEW_QUESTION,
            after,
        )

        ended = _to_the_end(api, live)
        record = api.get(f"/v1/sessions/{ended['id']}/record", headers=AMINA).json()
        assert record["path"] == ["incoming:greeting", "incoming:has_account"]
        assert api.get(f"/v1/sessions/{ended['id']}", headers=AMINA).json()["pack_version"] == before


def _to_the_end(api: TestClient, session: dict[str, Any]) -> dict[str, Any]:
    session = move(api, AMINA, session, "hangup", outcome="resolved")
    session = move(api, AMINA, session, "wrapup", reason="wrong_number")
    assert session["ended"] and session["outcome"] == "resolved"
    return session
