"""The static analysis of texts and conditions, for the checker: parsing them as Jinja does,
and what each one reads (names, `name.attr` paths, filters, tests, how deep its loops nest).
"""

from __future__ import annotations

from dataclasses import dataclass

from callguide.sandbox import Sandbox
from jinja2 import nodes
from jinja2.parser import Parser


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a text or condition reads: names, `name.attr` pairs, filters, tests, loops."""

    names: frozenset[str]
    paths: frozenset[tuple[str, ...]]
    filters: frozenset[str]
    tests: frozenset[str]
    loop_depth: int


def parse_text(env: Sandbox, source: str) -> nodes.Template:
    return env.parse(source)


def parse_condition(env: Sandbox, source: str) -> nodes.Expr:
    """Parse exactly one expression, as `compile_expression` does: no `}}` injection."""
    parser = Parser(env, source, state="variable")
    expression = parser.parse_expression()
    if not parser.stream.eos:
        token = parser.stream.current
        hint = ": to compare, write `==`" if token.value == "=" else " after the condition"
        parser.fail(f"unexpected `{token.value}`{hint}", token.lineno)
    return expression


def analyse(tree: nodes.Node) -> Analysis:
    """One walk over the tree (the checker runs this for every text of a pack)."""
    loads: list[nodes.Name] = []
    assigned: set[str] = set()
    filters: set[str] = set()
    tests: set[str] = set()
    outermost: list[nodes.Getattr] = []
    deepest = 0
    stack: list[tuple[nodes.Node, int, bool]] = [(tree, 0, False)]
    while stack:
        node, loops, in_chain = stack.pop()
        if isinstance(node, nodes.Name):
            if node.ctx == "load":
                loads.append(node)
            elif node.ctx in ("store", "param"):
                assigned.add(node.name)
        elif isinstance(node, nodes.Filter):
            filters.add(node.name)
        elif isinstance(node, nodes.Test):
            tests.add(node.name)
        elif isinstance(node, nodes.For):
            loops += 1
            deepest = max(deepest, loops)
        is_getattr = isinstance(node, nodes.Getattr)
        if isinstance(node, nodes.Getattr) and not in_chain:
            outermost.append(node)
        for child in node.iter_child_nodes():
            stack.append((child, loops, is_getattr and child is getattr(node, "node", None)))
    names = {name.name for name in loads} - assigned
    paths = {path for path in map(_attribute_path, outermost) if path and path[0] not in assigned}
    return Analysis(frozenset(names), frozenset(paths), frozenset(filters), frozenset(tests), deepest)


def _attribute_path(node: nodes.Getattr) -> tuple[str, ...]:
    """`env.queues.main` -> ("env", "queues", "main"); () when the chain does not start at a name."""
    chain: list[str] = []
    current: nodes.Node = node
    while isinstance(current, nodes.Getattr):
        chain.append(current.attr)
        current = current.node
    if isinstance(current, nodes.Name) and current.ctx == "load":
        return (current.name, *reversed(chain))
    return ()


# what a text may hold to be the same whenever the names it shows are: their attributes and
# items, and literal text (no filter, test, call or loop, which may read more: the clock...)
_PLAIN_READS = (nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const)


def reads_only(tree: nodes.Template, names: frozenset[str]) -> bool:
    """The text shows `names` (or parts of them) and literal text, nothing else."""
    return all(
        isinstance(node, _PLAIN_READS) and (not isinstance(node, nodes.Name) or node.name in names)
        for node in tree.find_all(nodes.Node)
    )


def is_template(source: str) -> bool:
    return "{{" in source or "{%" in source or "{#" in source
