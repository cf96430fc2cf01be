"""The commonest texts and conditions, read without Jinja's lexer.

Most texts of a flow are words with a few `{{ customer.name }}` or `{{ day | format_date }}`
in them, and most conditions are a field, `not` a field, a field compared with a constant
(`reason == 'technical'`), a field through filters with constant arguments
(`today | add_business_days(3)`), a field passed to a test (`customer.mobile is mobile`), a
constant (`'booked'`, `none`), or a choice between fields and constants (`number or ''`,
`customer.id if customer else none`). Jinja reads each of them through its lexer and parser, which
costs a few hundred microseconds the first time a text is used: on the first call after
loading, that is most of the call. These readers make the very tree Jinja's parser makes
for those shapes (tests/test_fast_evaluator.py compares them), and None for anything
else, which Jinja then reads as before.
"""

from __future__ import annotations

import re

from jinja2 import nodes

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = re.compile(rf"\s*({_NAME}(?:\.{_NAME})*)\s*")
_HOLE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NEWLINE = re.compile(r"\r\n|\r|\n")  # Jinja's newlines, written `\n` in the text it makes
# a constant without escapes or newlines (Jinja rewrites those), or a whole number
_COMPARISON = re.compile(rf"\s*({_NAME}(?:\.{_NAME})*)\s*(==|!=)\s*('[^'\\\r\n]*'|\"[^\"\\\r\n]*\"|0|[1-9][0-9]*)\s*")
_NEGATION = re.compile(rf"\s*not\s+({_NAME}(?:\.{_NAME})*)\s*")
# a field or a constant (`_ARGUMENT`'s): what a choice picks from
_OPERAND = rf"{_NAME}(?:\.{_NAME})*|'[^'\\\r\n]*'|\"[^\"\\\r\n]*\"|0|[1-9][0-9]*"
_CONSTANT = re.compile(r"\s*('[^'\\\r\n]*'|\"[^\"\\\r\n]*\"|0|[1-9][0-9]*|[Tt]rue|[Ff]alse|[Nn]one)\s*")
_CHOICE = re.compile(rf"\s*({_OPERAND})\s+if\s+({_NAME}(?:\.{_NAME})*)\s+else\s+({_OPERAND})\s*")
# a field first: Jinja's optimizer folds `'a' or x` (its left is a constant that holds)
_EITHER = re.compile(rf"\s*({_NAME}(?:\.{_NAME})*)\s+or\s+({_OPERAND})\s*")
_TEST = re.compile(rf"\s*({_NAME}(?:\.{_NAME})*)\s+is\s+(not\s+)?({_NAME})\s*")
_OPERATORS = {"==": "eq", "!=": "ne"}
# `| name` or `| name(...)`, and one constant argument of it: a text without escapes or
# newlines, a whole number, a truth value or none (Jinja reads the capitalized ones alike).
# Compiled on first use (`re` keeps them compiled), not by every process that imports callguide
_FILTER = rf"\|\s*({_NAME})\s*(?:\(([^()]*)\))?\s*"
_ARGUMENT = r"\s*('[^'\\\r\n]*'|\"[^\"\\\r\n]*\"|0|[1-9][0-9]*|[Tt]rue|[Ff]alse|[Nn]one)\s*(?:,|\Z)"
_CONSTANTS = {"true": True, "True": True, "false": False, "False": False, "none": None, "None": None}
# words Jinja reads as constants or operators, never as a name or a field
_KEYWORDS = frozenset({"true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else"})


def text_tree(source: str) -> nodes.Template | None:
    """The tree of a text made of words and `{{ name.field }}`, `{{ a.b if c else 'none' }}`,
    `{{ a.b or 'unknown' }}` or `{{ a.b | filter('constant') }}` holes; None for any other."""
    if "{%" in source or "{#" in source:
        return None
    lines = _NEWLINE.split(source)
    if lines[-1] == "":  # Jinja drops the text's last newline (`keep_trailing_newline` is off)
        del lines[-1]
    source = "\n".join(lines)
    parts: list[nodes.Node] = []
    end = 0
    for hole in _HOLE.finditer(source):
        value = _path(hole.group(1)) or _choice(hole.group(1)) or _either(hole.group(1)) or _filtered(hole.group(1))
        if value is None:
            return None
        if hole.start() > end:
            parts.append(nodes.TemplateData(source[end : hole.start()]))
        parts.append(value)
        end = hole.end()
    if not parts or "{{" in source[end:] or "}}" in source[end:]:
        return None
    if end < len(source):
        parts.append(nodes.TemplateData(source[end:]))
    return nodes.Template([nodes.Output(parts)])


def condition_tree(source: str) -> nodes.Expr | None:
    """The tree of `field`, `not field`, `field == 'text'` (or `!=`, or a whole number),
    `field | filter(constants)`, `field is test` (or `is not`), a constant, `a or b` and
    `a if field else b` (`a`, `b` fields or constants); None for any other condition."""
    value = _operand(source) or _choice(source) or _either(source) or _tested(source)
    if value is not None:
        return value
    negated = _NEGATION.fullmatch(source)
    if negated is not None:
        path = _path(negated.group(1))
        return None if path is None else nodes.Not(path)
    compared = _COMPARISON.fullmatch(source)
    if compared is None:
        return _filtered(source)
    path = _path(compared.group(1))
    if path is None:
        return None
    constant = nodes.Const(_constant(compared.group(3)))
    return nodes.Compare(path, [nodes.Operand(_OPERATORS[compared.group(2)], constant)])


def _filtered(source: str) -> nodes.Expr | None:
    """`customer.name | upper`, `day | add_business_days(3)`, `x | default('', true) | trim`:
    Jinja's `Filter` nodes over a field, with constant arguments."""
    start = source.find("|")
    tree = _path(source[:start]) if start > 0 else None
    while tree is not None and start < len(source):
        applied = re.compile(_FILTER).match(source, start)
        if applied is None or applied.group(1) in _KEYWORDS:
            return None
        arguments = _arguments(applied.group(2) or "")
        if arguments is None:
            return None
        tree = nodes.Filter(tree, applied.group(1), arguments, [], None, None)
        start = applied.end()
    return tree


def _arguments(written: str) -> list[nodes.Expr] | None:
    """`1, 'a',` as Jinja's constants; None unless every argument is a constant."""
    arguments: list[nodes.Expr] = []
    start = 0
    while written[start:].strip():
        found = re.compile(_ARGUMENT).match(written, start)
        if found is None:
            return None
        arguments.append(nodes.Const(_constant(found.group(1))))
        start = found.end()
    return arguments


def _constant(written: str) -> str | int | bool | None:
    """A constant as `_ARGUMENT` or `_COMPARISON` reads it."""
    if written[0] in "'\"":
        return written[1:-1]
    return _CONSTANTS[written] if written in _CONSTANTS else int(written)


def _choice(source: str) -> nodes.Expr | None:
    """`a.b if c else 'none'` as Jinja's `CondExpr`."""
    found = _CHOICE.fullmatch(source)
    if found is None:
        return None
    yes, test, no = _operand(found.group(1)), _path(found.group(2)), _operand(found.group(3))
    if yes is None or test is None or no is None:
        return None
    return nodes.CondExpr(test, yes, no)


def _either(source: str) -> nodes.Expr | None:
    """`number or ''` as Jinja's `Or`."""
    found = _EITHER.fullmatch(source)
    if found is None:
        return None
    left, right = _path(found.group(1)), _operand(found.group(2))
    return None if left is None or right is None else nodes.Or(left, right)


def _tested(source: str) -> nodes.Expr | None:
    """`customer.mobile is mobile`, `day is not business_day` as Jinja's `Test` (in a `Not`)."""
    found = _TEST.fullmatch(source)
    path = None if found is None or found.group(3) in _KEYWORDS else _path(found.group(1))
    if found is None or path is None:
        return None
    test = nodes.Test(path, found.group(3), [], [], None, None)
    return nodes.Not(test) if found.group(2) else test


def _operand(source: str) -> nodes.Expr | None:
    """A field, or a constant as `_CONSTANT` reads it."""
    path = _path(source)
    if path is not None:
        return path
    found = _CONSTANT.fullmatch(source)
    return None if found is None else nodes.Const(_constant(found.group(1)))


def _path(source: str) -> nodes.Expr | None:
    """`customer.address.city` as Jinja's `Getattr` nodes over a `Name`."""
    found = _PATH.fullmatch(source)
    if found is None:
        return None
    names = found.group(1).split(".")
    if any(name in _KEYWORDS for name in names):
        return None
    tree: nodes.Expr = nodes.Name(names[0], "load")
    for name in names[1:]:
        tree = nodes.Getattr(tree, name, "load")
    return tree
