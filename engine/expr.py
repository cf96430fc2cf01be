"""Compiled texts and conditions: a flow's Jinja, compiled once and run in the sandbox.

A text without `{{` or `{%` never reaches Jinja, and Jinja templates are compiled on first
use (a compiled flow shares them with all its sessions), so loading a big pack stays cheap.
The common shapes (`Hello {{ customer.name }}`, `reason == 'technical'`, `a if b else c`)
are evaluated from Jinja's own parse without a Jinja context, and the commonest of them are
read without Jinja's lexer (shapes.py): the first call after loading compiles little. A limit passed or a mistake met while rendering
is a `RenderError` with the place in the flow file. Texts in several languages are texts.py.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator
from typing import Any

from callguide.analysis import is_template, parse_condition
from callguide.problems import Pos, RenderError
from callguide.sandbox import MAX_OUTPUT, Sandbox, check_output, size_of
from callguide.shapes import condition_tree, text_tree
from jinja2 import TemplateError, Undefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext

RUNTIME_ERRORS = (TemplateError, SecurityError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError)


class _Compiled:
    """A text or condition of a flow, compiled on first use and then shared by every session.

    Jinja compiles it, except in the common shapes (`Hello {{ customer.name }}`,
    `reason == 'technical'`, `not is_client`) that `_direct` evaluates itself from Jinja's
    own parse: the same names, the same sandboxed attribute and item lookups, the same
    undefined errors, without a Jinja context per render."""

    __slots__ = ("_lock", "_run", "env", "pos", "source")

    def __init__(self, env: Sandbox, source: str, pos: Pos) -> None:
        self.env = env
        self.source = source
        self.pos = pos
        self._lock = threading.Lock()
        self._run: Callable[[dict[str, Any]], Any] | None = None

    def _value(self, context: dict[str, Any]) -> Any:
        run = self._run or self._compile()
        try:
            return run(context)
        except RUNTIME_ERRORS as err:
            raise RenderError(self.pos, _explain_runtime(err)) from None

    def _compile(self) -> Callable[[dict[str, Any]], Any]:
        with self._lock:
            if self._run is None:
                try:
                    self._run = self._build()
                except TemplateError as err:
                    raise RenderError(self.pos, _explain_runtime(err)) from None
            return self._run

    def _build(self) -> Callable[[dict[str, Any]], Any]:
        raise NotImplementedError


class CompiledText(_Compiled):
    """A text ready to render."""

    __slots__ = ()

    def __init__(self, env: Sandbox, source: str, pos: Pos) -> None:
        super().__init__(env, source, pos)
        if not is_template(source):
            self._run = self._literal

    def _literal(self, context: dict[str, Any]) -> str:
        return self.source

    @property
    def is_literal(self) -> bool:
        return not is_template(self.source)

    def render(self, context: dict[str, Any]) -> str:
        return str(self._value(context))

    def _build(self) -> Callable[[dict[str, Any]], str]:
        tree = text_tree(self.source) or self.env.parse(self.source)
        return _direct_text(self.env, tree) or _jinja_text(self.env, self.source)


def _join_bounded(chunks: Iterator[str]) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        check_output(size)
        parts.append(chunk)
    return "".join(parts)


class CompiledCondition(_Compiled):
    """A condition ready to evaluate."""

    __slots__ = ()

    def value(self, context: dict[str, Any]) -> Any:
        """The condition's value, to store: plain data only (never a function or macro)."""
        result = self._value(context)
        if not isinstance(result, (str, int, float, type(None))):
            try:
                size_of(result)
            except RUNTIME_ERRORS as err:
                raise RenderError(self.pos, _explain_runtime(err)) from None
        return result

    def test(self, context: dict[str, Any]) -> bool:
        return bool(self._value(context))

    def _build(self) -> Callable[[dict[str, Any]], Any]:
        tree = condition_tree(self.source) or parse_condition(self.env, self.source)
        evaluate = _direct(self.env, tree) or _jinja_expression(self.env, self.source)

        def checked(context: dict[str, Any]) -> Any:
            result = evaluate(context)
            if isinstance(result, Undefined):
                str(result)  # raises the UndefinedError that says which name
            return result

        return checked


def _jinja_expression(env: Sandbox, source: str) -> Callable[[dict[str, Any]], Any]:
    """An expression compiled by Jinja: what runs when `_direct` does not take the shape."""
    template = env.compile_expression(source, undefined_to_none=False)._template

    def evaluate(context: dict[str, Any]) -> Any:
        ctx = template.new_context(context, shared=True)
        for _ in template.root_render_func(ctx):
            pass
        return ctx.vars["result"]

    return evaluate


def _jinja_text(env: Sandbox, source: str) -> Callable[[dict[str, Any]], str]:
    """A text rendered by Jinja: what runs when `_direct_text` does not take the shape."""
    template = env.from_string(source)

    def render(context: dict[str, Any]) -> str:
        return _join_bounded(template.root_render_func(template.new_context(context, shared=True)))

    return render


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "gt": operator.gt,
    "lteq": operator.le,
    "gteq": operator.ge,
    "in": lambda left, right: left in right,
    "notin": lambda left, right: left not in right,
}


def _direct(env: Sandbox, node: nodes.Node) -> Callable[[dict[str, Any]], Any] | None:
    """A closure for an expression made only of names, attributes, constants, comparisons,
    `and` / `or` / `not` and `a if b else c`; None for anything else (Jinja runs it then). These shapes make
    no new values, so the sandbox's size and work bounds have nothing to count."""
    if isinstance(node, (nodes.Const, nodes.List, nodes.Tuple)):
        try:
            constant = node.as_const(EvalContext(env))
        except nodes.Impossible:
            return None
        return lambda context: constant
    if isinstance(node, nodes.Name) and node.ctx == "load":
        name, undefined = node.name, env.undefined

        def load(context: dict[str, Any]) -> Any:
            found = context.get(name, _MISSING)
            return undefined(name=name) if found is _MISSING else found

        return load
    if isinstance(node, nodes.Getattr):
        owner, attribute, getattr_ = _direct(env, node.node), node.attr, env.getattr
        return None if owner is None else (lambda context: getattr_(owner(context), attribute))
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        container, key, getitem = _direct(env, node.node), node.arg.value, env.getitem
        return None if container is None else (lambda context: getitem(container(context), key))
    if isinstance(node, nodes.CondExpr) and node.expr2 is not None:  # without `else` it is Jinja's undefined
        test, yes, no = _direct(env, node.test), _direct(env, node.expr1), _direct(env, node.expr2)
        if test is None or yes is None or no is None:
            return None
        return lambda context: yes(context) if test(context) else no(context)
    if isinstance(node, nodes.Not):
        negated = _direct(env, node.node)
        return None if negated is None else (lambda context: not negated(context))
    if isinstance(node, (nodes.And, nodes.Or)):
        left, right = _direct(env, node.left), _direct(env, node.right)
        if left is None or right is None:
            return None
        if isinstance(node, nodes.And):
            return lambda context: left(context) and right(context)
        return lambda context: left(context) or right(context)
    if isinstance(node, nodes.Compare):
        first = _direct(env, node.expr)
        steps = [(_COMPARE.get(operand.op), _direct(env, operand.expr)) for operand in node.ops]
        if first is None or any(compare is None or value is None for compare, value in steps):
            return None
        chain = [(compare, value) for compare, value in steps if compare is not None and value is not None]

        def compare(context: dict[str, Any]) -> Any:
            left = first(context)
            for test, value in chain:
                right = value(context)
                if not test(left, right):
                    return False
                left = right
            return True

        return compare
    return None


def _direct_text(env: Sandbox, tree: nodes.Template) -> Callable[[dict[str, Any]], str] | None:
    """A closure for a text of literal parts and `{{ name.attr }}`-like outputs only."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts: list[str | Callable[[dict[str, Any]], Any]] = []
    for node in tree.body[0].nodes:
        if isinstance(node, nodes.TemplateData):
            parts.append(node.data)
            continue
        if not isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem, nodes.CondExpr)):
            return None
        value = _direct(env, node)
        if value is None:
            return None
        parts.append(value)

    def render(context: dict[str, Any]) -> str:
        text = "".join(part if isinstance(part, str) else _shown(part(context)) for part in parts)
        check_output(len(text))
        return text

    return render


_MISSING = object()


def _shown(value: Any) -> str:
    if not isinstance(value, str):
        check_output(size_of(value, MAX_OUTPUT))  # refuses what is not plain data
    return str(value)


def _explain_runtime(err: BaseException) -> str:
    if isinstance(err, SecurityError):
        return f"refused by the sandbox: {err}"
    message = getattr(err, "message", None) or str(err)
    message = message.replace("'", "`")
    return f"{type(err).__name__}: {message}" if not isinstance(err, TemplateError) else message
