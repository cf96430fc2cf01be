"""An agent at the console, as the browser tests drive it: only keys an agent presses.

`Agent.play` takes moves in the scenario files' words (`answer`, `event`, `expect`) and
turns each into what the agent does on screen: Enter to go on from a line read out, the
option's number key, 1/2 for yes/no, typing into the field and Enter, a rule button
reached with the keyboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from browser import WAIT_MS
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

TIMEOUT = WAIT_MS  # ms; only a bound on waiting, never a measure of speed


@dataclass
class Agent:
    page: Page
    base: str
    pack: str

    # --- getting there -------------------------------------------------------------------------

    def sign_in(self, name: str, key: str) -> None:
        page = self.page
        expect(page.locator("#sign-in-name")).to_be_focused(timeout=TIMEOUT)
        page.keyboard.type(name)
        page.keyboard.press("Tab")
        page.keyboard.type(key)
        self._then(lambda: page.keyboard.press("Enter"))

    def start(self, flow: str, **inputs: str) -> None:
        page = self.page
        page.goto(f"{self.base}/console/{self.pack}")
        if page.locator("#sign-in").is_visible():
            raise AssertionError("sign in first")
        expect(page.locator("#start-flow")).to_be_focused(timeout=TIMEOUT)
        page.select_option("#start-flow", flow)  # a select: the agent types the flow's title, here picked
        for name, value in inputs.items():
            page.locator(f"#start-inputs input[name='{name}']").fill(value)
        self._then(lambda: page.locator("#start-form button[type=submit]").press("Enter"))
        expect(page.locator("#call, #wrapup").first).to_be_visible(timeout=TIMEOUT)

    # --- moves ---------------------------------------------------------------------------------

    def updates(self) -> int:
        return int(self.page.evaluate("() => Number(document.body.dataset.updates || 0)"))

    def _then(self, act: Any) -> None:
        """Do something on the page and wait until the page has shown what came of it."""
        before = self.updates()
        act()
        try:
            self.page.wait_for_function(
                "n => Number(document.body.dataset.updates || 0) > n", arg=before, timeout=TIMEOUT
            )
        except PlaywrightError:
            shown = self.page.locator("#answer-error, #message").all_inner_texts()
            raise AssertionError(f"nothing came of it at step `{self.step()}` ({self.kind()}): {shown}") from None
        self.page.wait_for_load_state("networkidle", timeout=TIMEOUT)

    def wrapping_up(self) -> bool:
        return self.page.locator("#wrapup").is_visible()

    def kind(self) -> str:
        if self.wrapping_up():
            return "wrapup"
        return str(self.page.locator("#answer-form").get_attribute("data-type") or "")

    def step(self) -> str:
        if self.wrapping_up():
            return "@wrapup"
        return str(self.page.locator("#call").get_attribute("data-step"))

    def answer(self, value: Any) -> None:
        page = self.page
        kind = self.kind()
        if kind == "wrapup" and value is None:  # the form's presets: filled in by `wrap_up`
            return
        if value is None:
            field = page.locator("#answer-input")
            if field.count():  # an empty answer: whatever the field still holds is cleared
                field.focus()
                field.press("Control+A")
                field.press("Delete")
                self._then(lambda: field.press("Control+Enter"))
                return
            focused = page.locator("#continue, #answer-body button.primary").first
            self._then(lambda: focused.press("Enter"))
            return
        if kind == "yes_no":
            yes = value is True or str(value).lower() in ("yes", "true", "да")
            self._then(lambda: page.keyboard.press("1" if yes else "2"))
            return
        options = page.locator("#answer-body button.option")
        if options.count():
            self._then(lambda: page.keyboard.press(self.number_of(value)))
            return
        if kind == "multi":
            for item in value:
                page.keyboard.press(self.number_of(item, "#answer-body .check label"))
            self._then(lambda: page.locator("#answer-body button.primary").press("Enter"))
            return
        field = page.locator("#answer-input")
        if kind in ("date", "time", "datetime"):  # the pickers: a date, a time, or both
            day, _, moment = str(value).replace("T", " ").partition(" ")
            if kind == "time":
                day, moment = "", day
            if day:
                field.fill(day)
            if moment:
                (page.locator("#answer-time") if kind == "datetime" else field).fill(moment)
            self._then(lambda: page.locator("#answer-body button.primary").press("Enter"))
            return
        field.focus()
        field.press("Control+A")
        page.keyboard.type(str(value))
        long = field.evaluate("e => e.tagName") == "TEXTAREA"  # Enter is a new line there
        self._then(lambda: page.keyboard.press("Control+Enter" if long else "Enter"))

    def number_of(self, value: Any, items: str = "#answer-body button.option") -> str:
        """The number key of an option: the number the agent was told, or the option's own."""
        if isinstance(value, int) or str(value).isdigit():
            return str(value)
        found = self.page.locator(items)
        for index in range(found.count()):
            item = found.nth(index)
            key = item.get_attribute("data-key") or item.get_attribute("for") or ""
            if key == str(value) or str(value) in item.inner_text():
                return str(index + 1)
        raise AssertionError(f"no option `{value}` at {self.step()}: {found.all_inner_texts()}")

    def signal(self, rule: str) -> None:
        button = self.page.locator(f"button.rule[data-rule='{rule}']")
        button.focus()
        self._then(lambda: button.press("Enter"))

    def reload(self) -> None:
        """Reload the page (a new page: its count of updates starts again)."""
        self.page.reload()
        self.page.wait_for_function("() => Number(document.body.dataset.updates || 0) > 0", timeout=TIMEOUT)
        self.page.wait_for_load_state("networkidle", timeout=TIMEOUT)

    # --- checks --------------------------------------------------------------------------------

    def check(self, wanted: dict[str, Any]) -> None:
        page = self.page
        for key, value in wanted.items():
            if "{{" in str(value):  # a phrase of the pack, worded by the engine: not checked here
                continue
            if key == "step":
                if str(value).startswith("@"):
                    expect(page.locator("#wrapup")).to_be_visible()
                else:
                    expect(page.locator("#call")).to_have_attribute("data-step", str(value).split(":")[-1])
            elif key == "say":
                expect(page.locator("#say-text")).to_have_text(str(value))
            elif key == "text":
                expect(page.locator("#question-text:visible, #wrapup-question:visible")).to_have_text(str(value))
            elif key == "hint":
                expect(page.locator("#hint-text")).to_have_text(str(value))
            elif key == "error":
                expect(page.locator("#answer-error")).to_have_text(str(value))
            elif key == "contains":
                expect(page.locator("#call")).to_contain_text(str(value))
            elif key == "kind" and value == "wrapup":
                expect(page.locator("#wrapup")).to_be_visible()
            elif key == "notice":
                expect(page.locator("#notice-text, #wrapup-body .notice-inline").first).to_have_text(str(value))

    def play(self, moves: list[dict[str, Any]]) -> None:
        for move in moves:
            if "answer" in move:
                self.answer(move["answer"])
            elif "event" in move:
                self.signal(move["event"])
            elif move.get("reload"):
                self.reload()
            self.check(move.get("expect") or {})

    # --- the wrap-up ---------------------------------------------------------------------------

    def wrap_up(self, reason: str | None = None, description: str = "", close: bool | None = None) -> None:
        page = self.page
        expect(page.locator("#wrapup-reason")).to_be_focused(timeout=TIMEOUT)
        if reason is not None:
            label = page.locator(f"#wrapup-reason option[value='{reason}']").inner_text()
            page.locator("#wrapup-reason").select_option(label=label)
        if close is not None and page.locator("#wrapup-close").is_enabled():
            page.locator("#wrapup-close").set_checked(close)
        if description:
            page.locator("#wrapup-description").focus()
            page.keyboard.type(description)
        page.locator("#wrapup-review").press("Enter")
        expect(page.locator("#wrapup-save")).to_be_focused(timeout=TIMEOUT)

    def save(self) -> None:
        self._then(lambda: self.page.locator("#wrapup-save").press("Enter"))
        expect(self.page.locator("#saved")).to_be_visible(timeout=TIMEOUT)
