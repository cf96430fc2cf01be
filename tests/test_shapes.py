"""shapes.py reads constants, `a or b`, `a if field else b` and `field is test` as Jinja's
parser does (the very tree), with nothing in them for Jinja's optimizer to fold; whatever
else is Jinja's to read (None)."""

from __future__ import annotations

from callguide.analysis import parse_condition
from callguide.filters import make_environment
from callguide.shapes import condition_tree, text_tree
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import TemplateSyntaxError, nodes
from jinja2.nodes import EvalContext
from jinja2.optimizer import Optimizer

ENV = make_environment()
_OPERANDS = [
    "x",
    "customer.name",
    "'a'",
    '"b c"',
    "''",
    "0",
    "12",
    "012",
    "none",
    "True",
    "false",
    "'it''s'",
    "'a\\'b'",
]
_WORSE = ["-1", "not", "if", "x.if", "[x]", "x | upper", "x or y"]
_TESTS = ["defined", "mobile", "none", "in", "divisibleby 3", "sameas(x)", "not", "not defined"]
_SPACES = st.sampled_from([" ", "  ", "\n", ""])


def _operand() -> st.SearchStrategy[str]:
    return st.sampled_from(_OPERANDS + _WORSE)


_CONDITIONS = st.one_of(
    st.tuples(_SPACES, _operand(), _SPACES).map("".join),
    st.tuples(_operand(), st.sampled_from([" or ", " or\n", "or ", " and "]), _operand()).map("".join),
    st.tuples(_operand(), st.sampled_from([" if "]), _operand(), st.sampled_from([" else "]), _operand()).map("".join),
    st.tuples(_operand(), st.sampled_from([" is ", " is  not ", " is\n"]), st.sampled_from(_TESTS)).map("".join),
)


def _parsed(source: str) -> nodes.Node | None:
    try:
        return parse_condition(ENV, source)
    except TemplateSyntaxError:
        return None


def _unfolded(tree: nodes.Node) -> bool:
    return bool(Optimizer(ENV).visit(tree, EvalContext(ENV)) == tree)


@given(_CONDITIONS)
def test_a_condition_of_the_new_shapes_is_the_tree_jinja_makes(source: str) -> None:
    tree = condition_tree(source)
    if tree is not None:
        assert tree == _parsed(source)
        assert _unfolded(condition_tree(source))  # nothing to fold: direct.py skips the optimizer


@given(st.lists(st.one_of(st.sampled_from(["Hi ", "!", " "]), _CONDITIONS.map(lambda hole: "{{ " + hole + " }}"))))
def test_a_text_of_the_new_holes_is_the_tree_jinja_makes(parts: list[str]) -> None:
    source = "".join(parts)
    tree = text_tree(source)
    if tree is not None:
        assert tree == ENV.parse(source)
        fresh = text_tree(source)  # the optimizer rewrites the tree it is given
        assert fresh is not None
        holes = [node for output in fresh.find_all(nodes.Output) for node in output.nodes]
        assert all(_unfolded(node) for node in holes if not isinstance(node, nodes.TemplateData))


def test_the_common_constants_choices_and_tests_are_read_without_jinjas_lexer() -> None:
    for source in (
        "'booked'",
        "none",
        "True",
        "12",
        "caller_number or ''",
        "customer.id if customer else none",
        "'satisfied' if repair_satisfied else 'not satisfied'",
        "customer.mobile is mobile",
        "appointment_day is not business_day",
        "numbers.second is defined",
    ):
        assert condition_tree(source) == parse_condition(ENV, source), source
    text = "{{ item.serial or 'unknown' }} ({{ 'satisfied' if happy else 'not satisfied' }})"
    assert text_tree(text) == ENV.parse(text)
    for source in ("'a' or x", "x or y or z", "x is none", "x is divisibleby 3", "a if b == 1 else c", "012", "-1"):
        assert condition_tree(source) is None, source
