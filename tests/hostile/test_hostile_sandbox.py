"""The sandbox, round 2: texts cannot change shared data, show or call nothing of Python's,
pay for what their filters read, and give filters no size they would allocate first.

Each test was a reproducer of a hole found on the landed code (see issue 10); they go
straight into the sandbox (no checker in front), or through an engine where the host's own
data is at stake.
"""

from __future__ import annotations

import copy
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from callguide import Engine, FlowRuntimeError, FrozenClock, RenderError
from callguide.context import PhraseBook
from callguide.expr import CompiledCondition, CompiledText
from callguide.filters import make_environment
from callguide.problems import Pos

from .isolation import run_snippet
from .packs import say_flow, write_pack

ENV = make_environment()
AT = Pos("texts.yaml", 3, 7)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def context() -> dict[str, Any]:
    """What a text reads in a call, with every kind of value the engine puts there."""
    return {
        **ENV.globals,
        "pack": {"name": "hostile", "title": "Hostile"},
        "agent": {"name": "Sam", "permissions": ["calls"]},
        "flow": {"name": "main", "title": "Main"},
        "rules": {"rude": {"count": 0, "warnings": 2}},
        "customer": {"name": "Ann", "phone": "0712345678", "tags": ["vip"]},
        "stored": ["a", "b"],
        "x": "abc",
        "now": NOW,
        "today": NOW.date(),
    }


def render(source: str, values: dict[str, Any] | None = None) -> str:
    return CompiledText(ENV, source, AT).render(values if values is not None else context())


def refused(source: str, values: dict[str, Any] | None = None) -> str:
    """The message a text is refused with (its place checked)."""
    with pytest.raises(RenderError) as caught:
        render(source, values)
    assert str(caught.value).startswith("texts.yaml:3:7: ")
    return caught.value.detail


# --- 1. texts cannot change shared data ---------------------------------------------------

MUTATIONS = [
    "{{ dict.update(pack, title='X') }}",
    "{{ dict.update(agent, permissions=['manual_outgoing']) }}",
    "{{ dict.clear(flow) }}",
    "{{ dict.pop(rules, 'rude') }}",
    "{{ dict.setdefault(customer, 'vip', True) }}",
    "{{ dict.__setitem__(customer, 'name', 'X') }}",
    "{{ list.append(stored, 'c') }}",
    "{{ stored.append('c') }}",
    "{{ customer.update(name='X') }}",
    "{{ customer.tags.append('x') }}",
    "{{ range.__call__ }}",
    "{% set d = dict %}{{ d.update(customer, name='X') }}",
    "{{ customer|attr('update') }}",
    "{{ (dict|attr('update'))(customer, name='X') }}",
]


@pytest.mark.parametrize("source", MUTATIONS)
def test_a_text_cannot_change_the_data_it_reads(source: str) -> None:
    values = context()
    before = copy.deepcopy(values)
    with pytest.raises(RenderError):
        render(source, values)
    assert values == before


def test_a_text_cannot_change_the_hosts_agent_map_nor_the_pack() -> None:
    flow = say_flow("{{ dict.update(agent, permissions=['manual_outgoing']) }}{{ dict.update(pack, title='X') }}")
    root = write_pack(Path(tempfile.mkdtemp()) / "pack", {"main.yaml": flow.replace("input: [", "input: [agent, ")})
    engine = Engine.load(root, clock=FrozenClock())
    agent = {"name": "Sam", "permissions": ["calls"]}
    given = {"agent": agent, "x": "a", "n": 1, "items": [], "customer": {"name": "Ann"}}
    # a screen that cannot be shown is the flow's fault, its place said
    with pytest.raises(FlowRuntimeError, match=r"main\.yaml:\d+:\d+: "):
        engine.start("main", given).view  # noqa: B018 (the view renders the text)
    assert agent == {"name": "Sam", "permissions": ["calls"]}
    assert engine.start("main", {**given, "x": "b"}).state.inputs["agent"]["permissions"] == ["calls"]


# --- 5. nothing of Python's is shown or called --------------------------------------------

# What Python prints for its internals; no text or message may show any of it.
REPRS = (
    "<function",
    "<class",
    " object at 0x",
    "<built-in",
    "<bound method",
    "jinja2.",
    "<Macro",
    "<generator",
    "Undefined",
    "callguide.",
)

INTERNALS = [
    "{{ range }}",
    "{{ dict }}",
    "{{ phrases }}",
    "{{ now.strftime }}",
    "{{ x.upper }}",
    "{{ [range] }}",
    "{{ range ~ '' }}",
    "{{ range|string }}",
    "{{ range|pprint }}",
    "{{ '{}'.format(range) }}",
    "{{ '-'.join([x.upper, 'a']) }}",
    "{{ x|attr('upper') }}",
    "{{ stored|map(attribute='upper')|join }}",
    "{% macro m() %}{% endmacro %}{{ m }}",
    "{% macro m() %}{% endmacro %}{{ [m]|join }}",
    "{{ x.maketrans }}",
    "{{ stored|map(attribute='nope')|list }}",
    "{{ range|tojson }}",
]


@pytest.mark.parametrize("source", INTERNALS)
def test_python_internals_are_refused_with_an_analysts_message(source: str) -> None:
    values = {**context(), "phrases": PhraseBook({}, {}, "en")}
    message = refused(source, values)
    assert not [shown for shown in REPRS if shown in message], message
    assert "cannot be shown" in message or "has no field" in message, message


def test_a_generator_made_by_a_filter_prints_as_its_items() -> None:
    assert render("{{ stored|map('upper') }}") == "['A', 'B']"
    assert render("{{ stored|select|join(',') }}") == "a,b"


@pytest.mark.parametrize(
    "source",
    [
        "{{ now.tzinfo.clear_cache() }}",
        "{{ now.tzinfo.no_cache('UTC') }}",
        "{{ now.now() }}",
        "{{ today.today() }}",
        "{{ now.fromtimestamp(0) }}",
        "{{ {}.fromkeys([1]) }}",
    ],
)
def test_methods_of_the_class_behind_a_value_are_refused(source: str) -> None:
    message = refused(source)
    assert "cannot be used in a text" in message, message


def test_the_zone_cache_is_untouched_by_a_text() -> None:
    cached = ZoneInfo("Europe/Moscow")
    with pytest.raises(RenderError):
        render("{{ now.tzinfo.clear_cache() }}")
    assert ZoneInfo("Europe/Moscow") is cached


def test_values_of_a_date_still_work() -> None:
    assert render("{{ now.strftime('%d.%m') }} {{ now.year }} {{ now.tzinfo }} {{ today.isoformat() }}") == (
        "05.01 2026 Europe/Moscow 2026-01-05"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ nope }}", "`nope` is undefined"),
        ("{{ x.nope }}", "a text has no field `nope`"),
        ("{{ customer.nope ~ 'a' }}", "a map has no field `nope`"),
        ("{{ stored[7] }}", "a list has no item 7"),
        ("{{ x[nope] }}", "`nope` is undefined"),
        ("{{ stored|map(attribute='nope')|first }}", "a text has no field `nope`"),
        ("{{ (stored|map(attribute='nope')|list)[0].y }}", "a text has no field `nope`"),
        ("{{ range(nope) }}", "`nope` is undefined"),
        ("{{ x|center(nope) }}", "`nope` is undefined"),
        ("{{ x.split(nope) }}", "`nope` is undefined"),
        ("{{ x is divisibleby(nope) }}", "`nope` is undefined"),
        ("{{ nope|abs }}", "`nope` is undefined"),
        ("{{ nope is none }}", "`nope` is undefined"),
        ("{{ nope|default('-') }}{{ nope is defined }}", None),
    ],
)
def test_an_undefined_value_is_named_in_the_analysts_words(source: str, message: str | None) -> None:
    if message is None:  # what is made for an undefined value takes one
        assert render(source) == "-False"
        return
    said = refused(source)
    assert said == message
    assert not [shown for shown in REPRS if shown in said]


def test_a_condition_cannot_hand_a_function_to_the_engine() -> None:
    for source in ("range", "x.upper", "dict"):
        with pytest.raises(RenderError, match="cannot be shown"):
            CompiledCondition(ENV, source, AT).value(context())


# --- 3. the budget counts what filters and methods read ---------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(300) %}{{ big|sms_segments }}{% endfor %}",
        "{% for i in range(300) %}{{ big|wordcount }}{% endfor %}",
        "{% for i in range(300) %}{{ big|upper|length }}{% endfor %}",
        "{% for i in range(300) %}{{ big.count('a') }}{% endfor %}",
        "{% for i in range(300) %}{{ big is email }}{% endfor %}",
        "{% for i in range(300) %}{{ big|sms_encoding|length }}{% endfor %}",
        "{% for i in range(300) %}{% set copy = big[1:] %}{% endfor %}",
    ],
)
def test_filters_and_methods_pay_for_what_they_read(source: str) -> None:
    message = refused(source, {**context(), "big": "a" * 100_000})
    assert "does too much work" in message


def test_reading_small_values_stays_within_the_budget() -> None:
    assert render("{% for i in range(300) %}{{ x|sms_segments }}{% endfor %}") == "1" * 300


def test_what_looks_at_a_value_without_reading_it_costs_little() -> None:
    source = "{% for i in range(300) %}{{ big|length }}{{ big|first }}{{ big is defined }}{% endfor %}"
    assert render(source, {**context(), "big": "a" * 100_000}) == "100000aTrue" * 300


# --- 4. filters check their sizes before they allocate -------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ '07'|mask_phone(-100000) }}", "`mask_phone` keeps 0 to 20 digits at each end, not -100,000"),
        ("{{ '07'|mask_phone(10**12) }}", "`mask_phone` keeps 0 to 20 digits at each end, not 1,000,000,000,000"),
        ("{{ x|truncate(-5) }}", "`truncate` takes a length from 0 to 10,000, not -5"),
        ("{{ x|truncate(1) }}", "`truncate` needs a length of at least 3 to fit `...`"),
        ("{{ stored|batch(-3)|list }}", "`batch` takes a count from 1 to 10,000, not -3"),
        ("{{ stored|slice(0)|list }}", "`slice` takes a count from 1 to 10,000, not 0"),
        ("{{ x|wordwrap(-1) }}", "`wordwrap` takes a width from 1 to 10,000, not -1"),
    ],
)
def test_filter_sizes_are_checked_first_with_a_clear_message(source: str, message: str) -> None:
    assert refused(source) == f"refused by the sandbox: {message}"


def test_mask_phone_still_masks() -> None:
    assert render("{{ customer.phone|mask_phone }} {{ customer.phone|mask_phone(3) }}") == "07******78 071****678"


HUGE_MASK = """
from callguide.expr import CompiledText
from callguide.filters import make_environment
from callguide.problems import Pos
from callguide import RenderError
for keep in (-1_000_000_000, -400_000_000):
    try:
        CompiledText(make_environment(), "{{ '07'|mask_phone(%d) }}" % keep, Pos("f.yaml", 1, 1)).render({})
    except RenderError as refused:
        report(keep, verdict="refused", message=str(refused))
"""


def test_a_huge_mask_is_refused_before_any_memory_is_taken() -> None:
    outcome = run_snippet(HUGE_MASK, memory=512 << 20, cpu=20)
    assert outcome.ok, outcome.describe()
    assert [report["verdict"] for report in outcome.reports] == ["refused", "refused"]
