"""Whole calls at the console in a real headless Chromium, one per bundled pack: from the
greeting to the saved call record, typing only what an agent types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from callguide.load.yaml_source import read_yaml
from playwright.sync_api import Browser, Page, expect

from console.agent import Agent
from console.conftest import FLOWS, Server

SIZE = {"width": 1280, "height": 720}
EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of (401|409|422)")


def scenario(name: str) -> dict[str, Any]:
    path = FLOWS / name
    data: dict[str, Any] = read_yaml(path.read_bytes(), str(path)).data
    return data


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=SIZE, locale="en-GB")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    # a refused answer is a 422 the page shows; Chromium logs it too, and that is no fault
    opened.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" and not EXPECTED.search(message.text) else None
        ),
    )
    yield opened
    context.close()
    assert not errors, f"the page reported errors: {errors}"


def agent_for(page: Page, server: Server, pack: str) -> Agent:
    agent = Agent(page, server.url, pack)
    page.goto(f"{server.url}/console/{pack}")
    agent.sign_in(*server.agents[pack])
    return agent


def test_bboxx_a_payment_query_from_greeting_to_saved_record(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "bboxx")
    agent.start("incoming")
    play = scenario("bboxx/tests/incoming_client_by_name_payment_query.yaml")["play"]
    # the scenario's own moves, with a reload in the middle of the call
    agent.play(play[:6])
    agent.reload()
    agent.check({"step": "summary"})
    agent.play(play[6:])
    # the refused answer was shown beside its field, and the call went on when corrected
    agent.wrap_up("payment_query", "Payment query: QKX7Y2ABC1, 500 KES.")
    expect(page.locator("#wrapup-review-panel")).to_contain_text(
        "Payment not showing - query sent to the payments team"
    )
    page.locator("#wrapup-back").press("Enter")
    expect(page.locator("#wrapup-reason")).to_be_focused()
    expect(page.locator("#wrapup-description")).to_have_value("Payment query: QKX7Y2ABC1, 500 KES.")
    page.locator("#wrapup-review").press("Enter")
    agent.save()
    expect(page.locator("#saved-record")).to_contain_text("Payment not showing - query sent to the payments team")
