"""Whole calls at the console in a real headless Chromium, one per bundled pack: from the
greeting to the saved call record, typing only what an agent types."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from callguide.load.yaml_source import read_yaml
from playwright.sync_api import Browser, Page, expect

from console.agent import TIMEOUT, Agent
from console.conftest import FLOWS, Server

SIZE = {"width": 1280, "height": 720}
EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of (401|403|409|422)")


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page: Page, name: str) -> None:
    """The README's pictures, taken when asked (`make screenshots` sets CALLGUIDE_SCREENSHOTS)."""
    if os.environ.get("CALLGUIDE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


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
    agent.play(play[:4])
    shoot(page, "console-bboxx-pick")
    agent.play(play[4:6])
    agent.reload()
    agent.check({"step": "summary"})
    agent.play(play[6:])
    # the refused answer was shown beside its field, and the call went on when corrected
    agent.wrap_up("payment_query", "Payment query: QKX7Y2ABC1, 500 KES.")
    expect(page.locator("#wrapup-review-panel")).to_contain_text(
        "Payment not showing - query sent to the payments team"
    )
    shoot(page, "console-bboxx-review")
    page.locator("#wrapup-back").press("Enter")
    expect(page.locator("#wrapup-reason")).to_be_focused()
    expect(page.locator("#wrapup-description")).to_have_value("Payment query: QKX7Y2ABC1, 500 KES.")
    page.locator("#wrapup-review").press("Enter")
    agent.save()
    expect(page.locator("#saved-record")).to_contain_text("Payment not showing - query sent to the payments team")


def test_a_steps_note_is_shown_under_its_text_and_only_on_its_step(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "loyalty")
    agent.start("member_call", **{"input.caller_number": "79161234501"})
    note = page.locator("#note")
    expect(note).to_have_text("Let the member finish before you ask for the phone or card number.")
    said, noted = page.locator("#say-text").bounding_box(), note.bounding_box()
    assert said is not None and noted is not None and noted["y"] > said["y"]  # under the text
    agent.answer(None)
    expect(page.locator("#call")).not_to_have_attribute("data-step", "greeting")
    expect(note).to_be_hidden()


# Console words: headings, labels, buttons, the rule panel, messages. Data values (names,
# numbers, statuses from the sample data) are the data's own and not checked.
CHROME = (
    "h1:visible, h2:visible, h3:visible, label:visible, button:visible, legend:visible, dt:visible,"
    " #answer-limits:visible, #answer-error:visible, #notice-text:visible, #message:visible, .note:visible"
)
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def latin_words(page: Page, chrome: str = CHROME) -> list[str]:
    texts = page.locator(chrome).all_inner_texts()
    return [word for text in texts for word in LATIN_WORD.findall(text) if word not in ("SMS", "CSV")]


def test_beeline_a_russian_call_warned_then_ended_by_the_insult_rule(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "beeline")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    agent.start("incoming", **{"input.caller_number": "9260000000"})
    assert latin_words(page) == []
    # a rule warning: the full phrase to say, in a panel that does not clip it
    agent.signal("insult")
    notice = page.locator("#notice-text")
    expect(notice).to_contain_text("Пожалуйста, давайте общаться корректно")
    box = notice.bounding_box()
    assert box is not None and notice.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    expect(page.locator("button.rule[data-rule='insult'] .rule-count")).to_contain_text("1")
    expect(page.locator("button.rule[data-rule='insult'] .rule-next")).to_have_text("следующее прервёт звонок")
    shoot(page, "console-beeline-warning")
    agent.answer(None)
    agent.answer("yes")
    agent.check({"step": "find_customer"})
    # a refused answer: the message beside the field, the typed number kept for correcting it
    agent.answer("9260000000")
    expect(page.locator("#answer-error")).to_be_visible()
    expect(page.locator("#answer-input")).to_have_value("9260000000")
    assert latin_words(page) == [], "the engine's refusal is in Russian too"
    agent.answer(None)
    agent.check({"step": "reason"})
    agent.reload()
    agent.check({"step": "reason"})
    # the warning given before the reload still counts: read from the call, not the page
    expect(page.locator("#notice")).to_be_hidden()
    expect(page.locator("button.rule[data-rule='insult'] .rule-count")).to_contain_text("1")
    expect(page.locator("button.rule[data-rule='insult'] .rule-next")).to_have_text("следующее прервёт звонок")
    expect(page.locator("#answer-body button.option[data-key='claim']")).to_be_disabled()
    agent.answer("existing_case")
    agent.check({"step": "find_case"})
    # the second insult passes the rule's limit: the call ends, straight to the wrap-up
    agent.signal("insult")
    expect(page.locator("#wrapup")).to_be_visible()
    expect(page.locator("#wrapup-reason")).to_have_value("interrupted_insult")
    expect(page.locator("#wrapup-close")).to_be_checked()
    expect(page.locator("#wrapup-close")).to_be_disabled()
    assert latin_words(page) == []
    agent.wrap_up(description="Клиент дважды оскорбил оператора, предупреждён один раз")
    assert latin_words(page) == []
    agent.save()
    expect(page.locator("#saved-record")).to_contain_text("Прерванный звонок: оскорбления, угрозы")
    assert latin_words(page) == []


def test_loyalty_a_balance_call_with_a_rule_warning_on_the_way(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "loyalty")
    agent.start("member_call", **{"input.caller_number": "79161234501"})
    agent.check({"say": "Loyalty programme hotline, my name is Daria. How can I help you?"})
    play = scenario("loyalty/tests/member_balance_closes.yaml")["play"]
    agent.play(play[1:2])
    agent.signal("inaudible")
    expect(page.locator("#notice-text")).to_have_text("I am sorry, I cannot hear you. Could you repeat that, please?")
    expect(page.locator("button.rule[data-rule='inaudible'] .rule-next")).to_have_text("1 warning(s) left")
    agent.play(play[2:11])
    expect(page.locator("#wrapup")).to_be_visible()
    agent.wrap_up()
    expect(page.locator("#wrapup-review-panel")).to_contain_text("Account balance")
    agent.save()
    expect(page.locator("#saved-record")).to_contain_text("Account balance")


def test_helpdesk_a_call_the_golden_rule_ends_by_transfer(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "helpdesk")
    agent.start("incoming")
    play = scenario("helpdesk/tests/rule_golden_rule_not_covered.yaml")["play"]
    agent.play(play[:-1])
    expect(page.locator("#hint-text")).to_contain_text('press "Not covered"')
    agent.signal("not_covered")
    expect(page.locator("#wrapup")).to_be_visible()
    expect(page.locator("#wrapup-reason")).to_have_value("supervisor_transfer")
    agent.wrap_up(description="Caller's problem is not in the flowchart; transferred to Bradley.")
    agent.save()
    expect(page.locator("#saved-record")).to_contain_text("transferred")


def test_acm_a_declined_contact_from_the_telephone_list(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "acm")
    agent.start("process_calls", task_id="T001", customer_id="C001")
    expect(page.locator("#question-text")).to_contain_text("Mr James Whitfield - MOT due")
    play = scenario("acm/tests/declined_configured_reason.yaml")["play"]
    agent.play(play)
    agent.wrap_up()
    agent.save()
    expect(page.locator("#saved-record")).to_contain_text("Declined: Vehicle sold.")


def test_acm_the_customer_panel_and_what_happened(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "acm")
    agent.start("process_calls", task_id="T001", customer_id="C001")
    expect(page.locator("#customer")).to_contain_text("Mr James Whitfield")
    agent.play(scenario("acm/tests/declined_configured_reason.yaml")["play"][:9])
    expect(page.locator("#effects")).to_contain_text("Report submitted")
    # the panels are read again after a reload, not only kept by the page that saw the moves
    agent.reload()
    expect(page.locator("#customer")).to_contain_text("Mr James Whitfield")
    expect(page.locator("#effects")).to_contain_text("Report submitted")


def test_bboxx_an_sms_is_shown_as_sent_with_its_segments_and_the_double_cost_warning(
    page: Page, server: Server
) -> None:
    agent = agent_for(page, server, "bboxx")
    agent.start("incoming")
    play = scenario("bboxx/tests/incoming_client_by_government_id_sms_template.yaml")["play"]
    agent.play(play[:11])  # to the step `sent`, the scenario's own expectations checked on the way
    sms = page.locator("#effects li.effect.sms")
    expect(sms).to_have_count(1)
    expect(sms.locator(".sms-text")).to_contain_text("Bboxx: your solar system was switched off")
    expect(sms.locator(".segments")).to_have_text("2 SMS segment(s)")
    expect(sms.locator(".double-cost")).to_have_text("Longer than one SMS: it costs 2 messages.")
    expect(sms.locator(".provider")).to_contain_text("sent through africas_talking_sandbox")
    expect(sms.locator(".fallback")).to_have_count(0)


def test_bboxx_an_sms_through_the_fallback_provider_is_marked_so(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "bboxx")
    agent.start("incoming")
    play = scenario("bboxx/tests/incoming_sms_canned_failure_infobip.yaml")["play"]
    loaded = server.packs.get("bboxx")
    assert loaded is not None
    loaded.entities.down.add("africas_talking_sandbox")
    try:
        agent.play(play[:10])
        agent.answer("yes")  # send: Africa's Talking does not answer, the flow offers InfoBip
    finally:
        loaded.entities.down.discard("africas_talking_sandbox")
    agent.check({"step": "send_by_infobip"})
    expect(page.locator("#effects li.effect.sms.failed")).to_contain_text("africas_talking_sandbox is not answering")
    agent.answer(None)
    agent.check({"step": "sent"})
    sent = page.locator("#effects li.effect.sms.ok")
    expect(sent.locator(".provider")).to_contain_text("sent through infobip_sandbox")
    expect(sent.locator(".fallback")).to_have_text("fallback provider")
    expect(sent.locator(".double-cost")).to_have_count(0)  # a one-segment reminder


def test_acm_a_call_back_time_from_the_date_and_time_pickers_is_sent(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "acm")
    agent.start("process_calls", task_id="T001", customer_id="C001")
    agent.play([{"answer": "process"}, {"answer": None}, {"answer": "reached"}, {"answer": None}, {"answer": None}])
    agent.answer("not_available")
    agent.check({"step": "when"})
    # a moment already past is refused beside the pickers
    agent.answer(f"{date.today() - timedelta(days=1)} 10:00")
    expect(page.locator("#answer-error")).to_contain_text("must not be earlier than")
    day = date.today() + timedelta(days=10)
    agent.answer(f"{day} 16:45")
    agent.check({"step": "tell"})
    expect(page.locator("#say-text")).to_contain_text(f"{day:%d %B} at 16:45")


# --- the supervisor's view: runs after the calls above (tests in a module run in order) ----------


def supervisor_page(page: Page, server: Server, pack: str) -> None:
    page.goto(f"{server.url}/console/{pack}/supervisor")
    Agent(page, server.url, pack).sign_in(*server.supervisor)
    expect(page.locator("#board")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#kpi-calls")).not_to_be_empty()


def test_the_supervisor_sees_the_calls_live_and_what_they_add_up_to(
    page: Page, server: Server, browser: Browser
) -> None:
    # an agent's call still going on shows among the live calls
    other = browser.new_context(viewport=SIZE)
    live = agent_for(other.new_page(), server, "beeline")
    live.start("incoming", **{"input.caller_number": "9031234567"})
    supervisor_page(page, server, "beeline")
    expect(page.locator("#live tbody")).to_contain_text("maria")
    expect(page.locator("#live tbody")).to_contain_text("Входящий звонок в ЦПК")
    other.close()
    # the Beeline call ended by the insult rule: its reason, the rule event, in Russian
    expect(page.locator("#records tbody")).to_contain_text("Прерванный звонок: оскорбления, угрозы")
    expect(page.locator("#rules-agent tbody")).to_contain_text("insult × 2")
    expect(page.locator("#kpi-closed")).to_contain_text("100%")
    # where calls drop off: the funnel of the incoming flow counts the greeting
    page.select_option("#funnel-flow", "incoming")
    expect(page.locator("#funnel tbody tr").first).to_contain_text("greeting")
    # a filter: calls with a rule event; then export them
    page.select_option("#f-rule", "insult")
    page.locator("#filters button[type=submit]").press("Enter")
    expect(page.locator("#records tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.locator("#export").press("Enter")
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and "interrupted_insult" in lines[1]
    assert (
        latin_words(page, "h1:visible, h2:visible, h3:visible, label:visible, button:visible, thead th:visible") == []
    )
    shoot(page, "supervisor-beeline")


def test_the_acm_telephone_rejection_report(page: Page, server: Server) -> None:
    supervisor_page(page, server, "acm")
    expect(page.locator("#rejections tbody")).to_contain_text("Vehicle sold")
    expect(page.locator("#rejections tbody")).to_contain_text("AB12 CDE")
    expect(page.locator("#reasons tbody")).to_contain_text("1")
    shoot(page, "supervisor-acm-rejections")


def test_an_agent_does_not_get_the_supervisors_figures(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/console/bboxx/supervisor")
    Agent(page, server.url, "bboxx").sign_in(*server.agents["bboxx"])
    expect(page.locator("#not-supervisor")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#board")).to_be_hidden()


def test_a_second_tab_on_the_same_call_gets_a_clear_message(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "bboxx")
    agent.start("incoming")
    second = page.context.new_page()
    second.goto(page.url)
    expect(second.locator("#elsewhere-text")).to_have_text(
        "This call is open in another tab. Carry on there, or close that tab and reload this one."
    )
    expect(second.locator("#call")).to_be_hidden()
    # the first tab carries on as before
    agent.answer(None)
    agent.check({"step": "reason"})


def test_the_call_is_usable_from_the_keyboard_with_a_visible_focus(page: Page, server: Server) -> None:
    agent = agent_for(page, server, "bboxx")
    agent.start("incoming")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    outline = focused.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline not in ("none", ""), f"no visible focus on {focused.evaluate('e => e.id')}"
    # every control has a label a screen reader reads
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')].filter(
            e => !e.labels?.length && !e.getAttribute('aria-label')).map(e => e.id || e.name)"""
    )
    assert unlabeled == []
    # nothing is cut off at 1280x720: the page does not scroll sideways
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
