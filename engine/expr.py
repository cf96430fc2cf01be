"""Compiled texts and conditions: a flow's Jinja, compiled once and run in the sandbox.

A text without `{{` or `{%` never reaches Jinja, and Jinja templates are compiled on first
use (a compiled flow shares them with all its sessions), so loading a big pack stays cheap.
Texts and conditions made of expressions and `{% if %}` blocks (`Hello {{ customer.name }}`,
`reason == 'technical'`, `x | default('none')`) are evaluated from Jinja's own parse without
compiling them nor a Jinja context (direct.py), and the commonest of them are read without
Jinja's lexer (shapes.py). Those are compiled when the pack loads (`prepare`, ~20 µs each),
except in a big pack: the first call after loading compiles only what Jinja's parser reads.
A limit passed or a mistake met while rendering is a `RenderError` with the place in the flow
file. Texts in several languages are texts.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from typing import Any

from callguide import direct
from callguide.analysis import is_template, parse_condition, reads_only
from callguide.problems import Pos, RenderError
from callguide.sandbox import Sandbox, check_output, size_of
from callguide.shapes import condition_tree, text_tree
from jinja2 import TemplateError, nodes
from jinja2.exceptions import SecurityError

RUNTIME_ERRORS = (TemplateError, SecurityError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError)
# One lock for every text's and condition's first compile, not one per object: a 5,000-step
# flow loads about 16,000 of them, and a lock is held only while one of them compiles (a few
# per call, once). Reentrant in case a build ever compiles another text.
_COMPILING = threading.RLock()


class _Compiled:
    """A text or condition of a flow, compiled on first use and then shared by every session.

    Jinja compiles it, except in the shapes that direct.py evaluates from Jinja's own parse
    (expressions and `{% if %}` blocks): the same lookups, filters and tests through the
    sandbox, the same undefined errors, without a Jinja context per render."""

    __slots__ = ("_run", "env", "pos", "source")

    def __init__(self, env: Sandbox, source: str, pos: Pos) -> None:
        self.env = env
        self.source = source
        self.pos = pos
        self._run: Callable[[dict[str, Any]], Any] | None = None

    def _value(self, context: dict[str, Any], then: Callable[[Any], Any] | None = None) -> Any:
        """The value, or `then` of it; a mistake met on the way is a `RenderError`."""
        run = self._run or self._compile()
        try:
            return run(context) if then is None else then(run(context))
        except RUNTIME_ERRORS as err:
            raise RenderError(self.pos, _explain_runtime(err)) from None

    def _compile(self) -> Callable[[dict[str, Any]], Any]:
        with _COMPILING:
            if self._run is None:
                try:
                    self._run = self._build()
                except TemplateError as err:
                    raise RenderError(self.pos, _explain_runtime(err)) from None
            return self._run

    def prepare(self) -> None:
        """Compile now, when the pack loads, if shapes.py reads the source (most texts and
        conditions of a flow: ~20 µs each). The first call after loading paid for them
        otherwise, each compiled cold on its first use; the others (Jinja's parser, ~0.3 ms
        each) still wait for theirs. A source that does not compile is left to its first use,
        which says why."""
        if self._run is not None:
            return
        common = self._common()
        if common is None:
            return
        with _COMPILING:
            if self._run is None:
                with suppress(TemplateError):
                    self._run = self._direct(common, True)

    def _build(self) -> Callable[[dict[str, Any]], Any]:
        common = self._common()
        return (
            self._direct(common, True) if common is not None else self._direct(self._parse(), False)
        ) or self._jinja()

    def _common(self) -> nodes.Node | None:
        """The source's tree as shapes.py reads it (its trees fold nothing: no optimizer to
        run), or None."""
        raise NotImplementedError

    def _parse(self) -> nodes.Node:
        """The source's tree as Jinja's parser reads it."""
        raise NotImplementedError

    def _direct(self, tree: nodes.Node, folded: bool) -> Callable[[dict[str, Any]], Any] | None:
        """What direct.py makes of the tree, or None."""
        raise NotImplementedError

    def _jinja(self) -> Callable[[dict[str, Any]], Any]:
        """The source compiled by Jinja: what runs when direct.py does not take the shape."""
        raise NotImplementedError


def prepare(compiled: Iterable[_Compiled]) -> None:
    """Compile now what `_Compiled.prepare` compiles at load. A source written again (one
    condition on several steps: a sixth of a pack's) shares what the first one compiled:
    a compiled source reads nothing of where it was written."""
    runs: dict[tuple[type[_Compiled], Sandbox, str], Callable[[dict[str, Any]], Any]] = {}
    for item in compiled:
        key = (type(item), item.env, item.source)
        run = runs.get(key)
        if run is not None:
            item._run = item._run or run
            continue
        item.prepare()
        if item._run is not None:
            runs[key] = item._run


class CompiledText(_Compiled):
    """A text ready to render."""

    __slots__ = ("literal",)

    def __init__(self, env: Sandbox, source: str, pos: Pos) -> None:
        super().__init__(env, source, pos)
        # a text without `{{` or `{%` is itself (most texts of a view): no call to render it
        self.literal: str | None = None if is_template(source) else source

    @property
    def is_literal(self) -> bool:
        return self.literal is not None

    def reads_only(self, names: frozenset[str]) -> bool:
        """The text is the same whenever `names` are (`analysis.reads_only`)."""
        if self.literal is not None:
            return True
        try:
            return reads_only(self._tree(), names)
        except TemplateError:
            return False

    def render(self, context: dict[str, Any]) -> str:
        literal = self.literal
        if literal is not None:
            return literal
        text: str = self._value(context)  # direct.py's renders and Jinja's make a text
        return text

    def _tree(self) -> nodes.Template:
        return self._common() or self._parse()

    def _common(self) -> nodes.Template | None:
        return None if self.literal is not None else text_tree(self.source)

    def _parse(self) -> nodes.Template:
        return self.env.parse(self.source)

    def _direct(self, tree: nodes.Node, folded: bool) -> Callable[[dict[str, Any]], str] | None:
        assert isinstance(tree, nodes.Template)
        return direct.text(self.env, tree, folded=folded)

    def _jinja(self) -> Callable[[dict[str, Any]], str]:
        return _jinja_text(self.env, self.source)


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
        return self._value(context, _stored)

    def test(self, context: dict[str, Any]) -> bool:
        # `bool` of an undefined value raises the UndefinedError that says which name
        result: bool = self._value(context, bool)
        return result

    def _common(self) -> nodes.Expr | None:
        return condition_tree(self.source)

    def _parse(self) -> nodes.Expr:
        return parse_condition(self.env, self.source)

    def _direct(self, tree: nodes.Node, folded: bool) -> Callable[[dict[str, Any]], Any] | None:
        return direct.expression(self.env, tree, folded=folded)

    def _jinja(self) -> Callable[[dict[str, Any]], Any]:
        return _jinja_expression(self.env, self.source)


def _stored(result: Any) -> Any:
    """A condition's value as it may be stored: `size_of` refuses an undefined value (naming
    what is missing), a function, a macro, and anything else that is not plain data."""
    if not isinstance(result, (str, int, float, type(None))):
        size_of(result)
    return result


def _jinja_expression(env: Sandbox, source: str) -> Callable[[dict[str, Any]], Any]:
    """An expression compiled by Jinja: what runs when direct.py does not take the shape."""
    template = env.compile_expression(source, undefined_to_none=False)._template

    def evaluate(context: dict[str, Any]) -> Any:
        ctx = template.new_context(context, shared=True)
        for _ in template.root_render_func(ctx):
            pass
        return ctx.vars["result"]

    return evaluate


def _jinja_text(env: Sandbox, source: str) -> Callable[[dict[str, Any]], str]:
    """A text rendered by Jinja: what runs when direct.py does not take the shape."""
    template = env.from_string(source)

    def render(context: dict[str, Any]) -> str:
        return _join_bounded(template.root_render_func(template.new_context(context, shared=True)))

    return render


def _explain_runtime(err: BaseException) -> str:
    if isinstance(err, SecurityError):
        return f"refused by the sandbox: {err}"
    message = getattr(err, "message", None) or str(err)
    message = message.replace("'", "`")
    return f"{type(err).__name__}: {message}" if not isinstance(err, TemplateError) else message
