"""`callguide fmt` writes the house style of the bundled packs, and never changes what a file means."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from callguide.check import check_pack
from callguide.cli.files import formatted
from hostile.flow_strategies import SUB_FLOW, dump, flows, mutated_flows
from hostile.packs import write_pack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import invoke

ROOT = Path(__file__).parent.parent.parent
FLOWS = ROOT / "flows"

# One file of each layout the packs use; `make test` checks every bundled file (`fmt --check flows/`).
HOUSE_FILES = [
    "acm/call_end.yaml",  # values aligned in a column
    "beeline/call_end.yaml",  # aligned, with keys longer than the column and block values among them
    "acm/data/customers.yaml",  # a top-level list, `null`, comments aligned after values
    "acm/tests/call_dropped.yaml",  # a flow list broken over two lines under its bracket
    "acm/tests/call_list_summary.yaml",  # a list of lists (`- - {...}`)
    "bboxx/incoming.yaml",  # long texts, comments between steps, quoted templates
]


@pytest.mark.parametrize("name", HOUSE_FILES)
def test_the_bundled_packs_are_the_house_style(name: str) -> None:
    text = (FLOWS / name).read_text(encoding="utf-8")
    assert formatted(text) == text


def test_fmt_writes_the_house_style(tmp_path: Path) -> None:
    long_text = "Thank you for calling, " + "this sentence is long and is never wrapped by the formatter, " * 3
    path = tmp_path / "flow.yaml"
    path.write_text(
        "flow: x   # the name  \n"
        "start: a\n"
        "steps:\n"
        "    a:\n"
        f"        say: {long_text.strip()}\n"
        "        next:\n"
        "        -   if: answer == null\n"
        "            go: b\n"
        "        -   go: b\n"
        "    b: {end: resolved}\n"
        "outcomes:\n"
        "    first:     {label: First, close: true}   # aligned (a comment keeps its column)\n"
        "    second:    {label: Second, close: false}\n"
        "    third_one_longer: {label: Third}\n"
        "    fourth: {label: Fourth}\n"
        "answers: [one, two,\n"
        "          three]\n"
        "nothing: null\n",
        encoding="utf-8",
    )
    assert invoke("fmt", "--check", str(path)) == (
        1,
        f"would reformat {path}\n1 file(s) checked, 1 would be reformatted\n",
    )
    assert invoke("fmt", str(path))[0] == 0
    assert path.read_text(encoding="utf-8") == (
        "flow: x   # the name\n"
        "start: a\n"
        "steps:\n"
        "  a:\n"
        f"    say: {long_text.strip()}\n"
        "    next:\n"
        "      - if: answer == null\n"
        "        go: b\n"
        "      - go: b\n"
        "  b: {end: resolved}\n"
        "outcomes:\n"
        "  first:     {label: First, close: true}     # aligned (a comment keeps its column)\n"
        "  second:    {label: Second, close: false}\n"
        "  third_one_longer: {label: Third}\n"
        "  fourth:    {label: Fourth}\n"
        "answers: [one, two,\n"
        "          three]\n"
        "nothing: null\n"
    )
    assert invoke("fmt", "--check", str(path)) == (0, "1 file(s) checked, 0 would be reformatted\n")


def test_a_padded_value_keeps_its_comment_in_place() -> None:
    text = "reasons:\n  a: {x: 1}       # one\n  bb:  {x: 2}     # two\n  cc:  {x: 3}\n"
    assert formatted(text) == "reasons:\n  a:   {x: 1}     # one\n  bb:  {x: 2}     # two\n  cc:  {x: 3}\n"


def test_a_broken_list_inside_a_broken_list_keeps_both_breaks() -> None:
    text = "paths: [[a, b,\n         c], [d,\n              e]]\n"
    assert formatted(text) == text


def test_a_top_level_list_of_records_stays_at_the_margin() -> None:
    text = "# customers\n- id: C1\n  tags: [a, b]\n  notes:\n    - first\n    - - nested\n      - list\n- id: C2\n"
    assert formatted(text) == text


def test_a_file_that_is_not_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("flow: x\nsteps: [a\n", encoding="utf-8")
    code, out = invoke("fmt", str(path))
    assert code == 1
    assert f"{path}:3:1: error yaml-syntax:" in out
    assert path.read_text(encoding="utf-8") == "flow: x\nsteps: [a\n"


# Layouts a hand-written file may have: pyyaml's output with other indents, narrow wrapping
# (texts and flow lists broken over lines), block or flow collections, trailing spaces.
layouts = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([2, 3, 4]),
        "width": st.sampled_from([30, 60, 100, 4096]),
        "flow": st.sampled_from([None, False]),
        "trailing": st.booleans(),
    }
)


def _written(data: Any, layout: dict[str, Any]) -> str:
    text = yaml.safe_dump(
        data,
        allow_unicode=True,
        sort_keys=False,
        indent=layout["indent"],
        width=layout["width"],
        default_flow_style=layout["flow"],
    )
    return text.replace("\n", "  \n") if layout["trailing"] else text


def _problems(root: Path) -> list[tuple[str, str, str]]:
    return sorted((p.severity, p.code, p.message) for p in check_pack(root).problems)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(flow=st.one_of(flows(), mutated_flows()), layout=layouts)
def test_fmt_is_idempotent_and_keeps_what_the_flow_means(
    tmp_path: Path, flow: dict[str, Any], layout: dict[str, Any]
) -> None:
    text = _written(flow, layout)
    once = formatted(text)
    assert formatted(once) == once
    assert yaml.safe_load(once) == yaml.safe_load(text)
    assert not any(line != line.rstrip() for line in once.splitlines())
    before = _problems(write_pack(tmp_path / "before", {"main.yaml": text, "sub.yaml": dump(SUB_FLOW)}))
    after = _problems(write_pack(tmp_path / "after", {"main.yaml": once, "sub.yaml": dump(SUB_FLOW)}))
    assert after == before


def test_an_alias_is_not_the_collection_it_names() -> None:
    text = (
        "first: &report {a: 1, b: 2,\n"
        "                 c: 3}\n"
        "again: [{report: *report, via: link}, {report: *report, via: pc}]\n"
        "block: &block\n  x:   1\n  yy:  2\n"
        "copy: *block\n"
    )
    assert formatted(text) == text


def test_one_padded_value_alone_is_a_slip_not_an_alignment() -> None:
    assert formatted("flow:     main\ntitle: Main\nstart: a\n") == "flow: main\ntitle: Main\nstart: a\n"
