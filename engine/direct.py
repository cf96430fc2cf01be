"""Texts and conditions evaluated from Jinja's parse, without compiling them to Python.

Jinja compiles a template to Python source and then to bytecode (a few milliseconds the
first time a text is used: on the first call after loading, most of the call), and every
render builds a Jinja `Context`. Most texts and conditions of a flow are expressions and
`{% if %}` blocks: `Hello {{ customer.name }}`, `reason == 'technical'`,
`{{ numbers[1] | default('Second number') }}`, `customer.mobile is mobile`,
`(open_topics or []) + [topic]`, and the loops, `set`s and method calls analysts write
(`{% for entry in history if entry.case == case.id %}...{% else %}...{% endfor %}`,
`{% set last = history | last %}`, `agent.name.split()`). This module turns such a tree
into closures that do exactly what the code Jinja would write for it does (sandbox.py's
`BoundedCodeGenerator`): the same lookups through the sandbox, the same guarded filters
and tests handed the same arguments, the same `call_binop`, `joined` and `made` for the
values a text makes, what `printed` charges for what it shows, the same `rounds` charged for a
loop and the same `call` for a method, constant parts folded as Jinja's optimizer folds
them. Macros, blocks, recursive loops, `set` inside a loop, calls of anything but a method,
and the other shapes are left to Jinja (None).

The closures read a `Run`: what a filter or test sees of a render in place of Jinja's
`Context` (the data, the sandbox, the work done so far). A tree that only reads the data
(names, fields, items, constants, comparisons, `and` / `or` / `not`, `{% if %}`: most texts
and conditions of a flow) needs none: its closures read the data itself (`_plain`).
tests/test_fast_evaluator.py checks with hypothesis that both ways give the same value or
the same error.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, partial
from types import MappingProxyType
from typing import Any, TypeVar

from callguide.sandbox import (
    MAX_OUTPUT,
    Guard,
    Sandbox,
    check_output,
    pass_argument,
    round_cost,
    shown_size,
    spend,
)
from jinja2 import nodes
from jinja2.compiler import find_undeclared
from jinja2.nodes import EvalContext
from jinja2.optimizer import Optimizer
from jinja2.runtime import Context, LoopContext

Evaluate = Callable[[Any], Any]  # of a `Run`, or of the data itself in a plain tree (`_plain`)
Emit = Callable[[Any, list[str], int], int]  # writes a part of a text; the text's size so far -> after
_Built = TypeVar("_Built")


class Run:
    """One evaluation of a text or condition, as its filters and tests see it (Jinja hands
    them its `Context`: they read `environment`, `eval_ctx`, `get`; the sandbox keeps the
    work done in `_callguide_work`)."""

    __slots__ = ("_callguide_work", "data", "environment", "eval_ctx", "locals", "vars")

    # set only in the runs of a text that binds names (`_ScopedRun`)
    locals: dict[str, Any]  # what its loops bind now: their targets and `loop`
    vars: dict[str, Any]  # what its `set`s bound (Jinja's `context.vars`)

    def __init__(self, environment: Sandbox, eval_ctx: EvalContext, data: Mapping[str, Any]) -> None:
        self.environment = environment
        self.eval_ctx = eval_ctx
        self.data = data
        # the work done so far, set here: the sandbox's `getattr(run, ..., 0)` of a slot never
        # set raises and catches an AttributeError at every `{{ }}` and filter (~120 ns)
        self._callguide_work = 0

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def resolve(self, name: str) -> Any:
        found = self.get(name, _MISSING)
        return self.environment.undefined(name=name) if found is _MISSING else found

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """A call the sandbox has checked (`Sandbox.call`), made as Jinja's `Context` makes it:
        a function that asks for the render gets this one."""
        return Context.call(self, function, *args, **kwargs)  # type: ignore[arg-type]


class _ScopedRun(Run):
    """A run of a text with loops or `set`s. Filters see what a `set` bound, never a loop's
    names, as Jinja's filters see its `context.vars` and not a loop's locals."""

    __slots__ = ()

    def __init__(self, environment: Sandbox, eval_ctx: EvalContext, data: Mapping[str, Any]) -> None:
        super().__init__(environment, eval_ctx, data)
        self.locals = {}
        self.vars = {}

    def get(self, name: str, default: Any = None) -> Any:
        found = self.vars.get(name, _MISSING)
        return self.data.get(name, default) if found is _MISSING else found


_MISSING = object()

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
# the operators the sandbox does not intercept: Jinja writes them as Python's
_PLAIN_BINARY: dict[type[nodes.BinExpr], Callable[[Any, Any], Any]] = {
    nodes.Sub: operator.sub,
    nodes.Div: operator.truediv,
    nodes.FloorDiv: operator.floordiv,
}
_UNARY: dict[type[nodes.UnaryExpr], Callable[[Any], Any]] = {nodes.Neg: operator.neg, nodes.Pos: operator.pos}
# the nodes Jinja's code generator folds when they are constant (`optimizeconst`; the
# sandbox writes `~` itself, unfolded)
_FOLDED = (
    nodes.BinExpr,
    nodes.UnaryExpr,
    nodes.Compare,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Filter,
    nodes.Test,
    nodes.CondExpr,
)


def expression(env: Sandbox, node: nodes.Node, *, folded: bool = False) -> Callable[[Mapping[str, Any]], Any] | None:
    """A condition's value from the render data, or None when Jinja must run it. `folded`:
    nothing in the tree folds (shapes.py's trees), so Jinja's optimizer is not run on it."""
    eval_ctx = EvalContext(env)
    plain = _plain(node)
    with _scope(plain=plain):
        evaluate = _folded(lambda: _expression(env, node, eval_ctx)) if folded else _expression(env, node, eval_ctx)
    if evaluate is None or plain:
        return evaluate
    return lambda data: evaluate(Run(env, eval_ctx, data))


def text(env: Sandbox, tree: nodes.Template, *, folded: bool = False) -> Callable[[Mapping[str, Any]], str] | None:
    """A text rendered from the render data, or None when Jinja must render it. `folded`:
    as for `expression`."""
    eval_ctx = EvalContext(env)
    bound = frozenset() if folded else _bound(tree)  # shapes.py's trees bind nothing
    plain = not bound and _plain(tree)

    def build() -> list[Emit] | None:
        with _scope(bound=bound, settable=_settable(tree.body) if bound else frozenset(), plain=plain):
            return _body(env, tree.body, eval_ctx)

    emits = _folded(build) if folded else build()
    if emits is None:
        return None
    new_run = _ScopedRun if bound else Run

    def render(data: Mapping[str, Any]) -> str:
        out: list[str] = []
        size = 0  # characters written so far
        run = data if plain else new_run(env, eval_ctx, data)
        for emit in emits:
            size = emit(run, out, size)
        return "".join(out)

    return render


# --- scopes --------------------------------------------------------------------------------


class _Scope(threading.local):
    """What the text being compiled binds, and where in it the builders are (per thread)."""

    bound: frozenset[str] = frozenset()  # names its loops and `set`s bind
    settable: frozenset[int] = frozenset()  # ids of the `set`s evaluated here (`_settable`)
    loop_frame = False  # in a loop's body, where Jinja hands every call the loop's `_loop_vars`
    plain = False  # the tree is plain (`_plain`): its closures are handed the data, not a run


_SCOPE = _Scope()


@contextmanager
def _scope(**state: Any) -> Iterator[None]:
    saved = {name: getattr(_SCOPE, name) for name in state}
    for name, value in state.items():
        setattr(_SCOPE, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(_SCOPE, name, value)


# What reads the data and nothing of a run: no filter, test or call (they are handed the run
# and charge it), no value made, no loop. What a tree of these shows is all it spends of the
# work budget, and the output limit keeps that far below `MAX_WORK`: it needs no count.
_PLAIN = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Const,
    nodes.Compare,
    nodes.Operand,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.CondExpr,
    nodes.Sub,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Neg,
    nodes.Pos,
)


def _plain(tree: nodes.Node) -> bool:
    """The tree only reads the data (`_PLAIN`): its closures are handed the data itself.
    Walked field by field (a third of `find_all`'s cost: this runs when a text is compiled,
    on the first call after loading); whatever is not a node of those makes it not plain."""
    todo: list[Any] = [tree]
    for node in todo:  # grows as it is read
        if not isinstance(node, _PLAIN):
            return False
        for field in node.fields:
            item = getattr(node, field)
            if isinstance(item, list):
                todo.extend(item)
            elif isinstance(item, nodes.Node):
                todo.append(item)
    return True


def _bound(tree: nodes.Template) -> frozenset[str]:
    names = {name.name for name in tree.find_all(nodes.Name) if name.ctx == "store"}
    return frozenset(names | {"loop"}) if names else frozenset()


def _reads(node: nodes.Node) -> set[str]:
    return {
        name.name for name in (node, *node.find_all(nodes.Name)) if isinstance(name, nodes.Name) and name.ctx == "load"
    }


def _settable(body: Sequence[nodes.Node]) -> frozenset[int]:
    """The `set`s of one name at the top of a text that nothing before them reads, nor their
    own value: there a name is the data's until its `set` and the `set`'s after it. Before
    one (a loop that reads the name Jinja finds undefined) Jinja's scoping is its own."""
    read: set[str] = set()
    settable = set()
    for node in body:
        if isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
            read |= _reads(node.node)
            if node.target.name not in read:
                settable.add(id(node))
        read |= _reads(node)
    return frozenset(settable)


# --- texts ---------------------------------------------------------------------------------


def _body(env: Sandbox, body: Sequence[nodes.Node], eval_ctx: EvalContext) -> list[Emit] | None:
    emits: list[Emit] = []
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                emit = _literal(child.data) if isinstance(child, nodes.TemplateData) else _shown(env, child, eval_ctx)
                if emit is None:
                    return None
                emits.append(emit)
            continue
        build = _STATEMENTS.get(type(node))
        statement = None if build is None else build(env, node, eval_ctx)
        if statement is None:
            return None
        emits.append(statement)
    return emits


def _write(part: str, run: Any, out: list[str], size: int) -> int:
    """A part of the text, counted against its limit as Jinja's render counts it. `run` is
    not read: it keeps the `Emit` signature, so that a literal part is `partial(_write, part)`."""
    size += len(part)
    if size > MAX_OUTPUT:  # checked here, not by a call per part: most texts are far from it
        check_output(size)
    out.append(part)
    return size


def _literal(part: str) -> Emit:
    return partial(_write, part)  # no frame of its own: a text's literal parts are most of its parts


def _shown(env: Sandbox, node: nodes.Node, eval_ctx: EvalContext) -> Emit | None:
    """`{{ ... }}`: the value as the sandbox's `printed` takes it (measured, and charged to
    the render), as text."""
    evaluate = _expression(env, node, eval_ctx)
    if evaluate is None:
        return None
    if not _SCOPE.plain:

        def charged(run: Run, out: list[str], size: int) -> int:
            value = evaluate(run)
            if type(value) is str:  # `shown_size` of a text, without the call
                shown = len(value)
                if shown > MAX_OUTPUT:
                    check_output(shown)
            else:
                shown = shown_size(value)
                value = str(value)
            spend(run, shown)
            return _write(value, run, out, size)

        return charged

    def show(data: Mapping[str, Any], out: list[str], size: int) -> int:
        # `printed` without the work it charges (`_PLAIN`); a text is measured as it is written
        value = evaluate(data)
        if type(value) is not str:
            shown_size(value)
            value = str(value)
        return _write(value, data, out, size)

    return show


def _if(env: Sandbox, node: nodes.If, eval_ctx: EvalContext) -> Emit | None:
    """`{% if %}`, its `elif`s and its `else`: the first branch whose test holds."""
    branches: list[tuple[Evaluate, list[Emit]]] = []
    for branch in (node, *node.elif_):
        test, body = _expression(env, branch.test, eval_ctx), _body(env, branch.body, eval_ctx)
        if test is None or body is None:
            return None
        branches.append((test, body))
    otherwise = _body(env, node.else_, eval_ctx)
    if otherwise is None:
        return None

    def emit(run: Any, out: list[str], size: int) -> int:
        chosen = otherwise
        for test, body in branches:
            if test(run):
                chosen = body
                break
        for part in chosen:
            size = part(run, out, size)
        return size

    return emit


def _for(env: Sandbox, node: nodes.For, eval_ctx: EvalContext) -> Emit | None:
    """`{% for %}`, with its `if` and its `else`: every round of the iterable charged as
    `BoundedCodeGenerator` charges it (`rounds`, before the `if`), `loop` a Jinja
    `LoopContext` when the body reads it, the target the loop's own."""
    target = node.target
    if (
        node.recursive
        or not isinstance(target, nodes.Name)
        or target.name == "loop"  # Jinja refuses it: left to Jinja to say so
        or node.find(nodes.Assign) is not None
        or (node.test is not None and find_undeclared([node.test], ("loop",)))
    ):
        return None
    iterable = _expression(env, node.iter, eval_ctx)
    with _scope(loop_frame=False):
        test = None if node.test is None else _expression(env, node.test, eval_ctx)
        otherwise = _body(env, node.else_, eval_ctx)
    with _scope(loop_frame=True):
        body = _body(env, node.body, eval_ctx)
    if iterable is None or body is None or otherwise is None or (node.test is not None and test is None):
        return None
    name, rounds, cost, undefined = target.name, env.rounds, round_cost(node), env.undefined
    # Jinja makes `loop` only for a body that reads it (its `extended_loop`)
    extended = "loop" in find_undeclared(node.iter_child_nodes(only=("body",)), ("loop",))

    def emit(run: Run, out: list[str], size: int) -> int:
        local = run.locals
        outer, outer_loop = local.get(name, _MISSING), local.get("loop", _MISSING)
        items: Iterable[Any] = rounds(run, iterable(run), cost)
        if test is not None:
            items = _kept(run, items, name, test)
        looped = False
        try:
            for item in LoopContext(items, undefined) if extended else items:
                if extended:
                    local[name], local["loop"] = item
                else:
                    local[name] = item
                looped = True
                for part in body:
                    size = part(run, out, size)
        finally:
            _unbind(local, name, outer)
            if extended:
                _unbind(local, "loop", outer_loop)
        if not looped:
            for part in otherwise:
                size = part(run, out, size)
        return size

    return emit


def _kept(run: Run, items: Iterable[Any], name: str, test: Evaluate) -> Iterator[Any]:
    """The items a loop's `if` keeps, each tested with the target bound to it (and unbound
    after: a `loop.last` in the body tests the next item while the body runs)."""
    local = run.locals
    for item in items:
        outer = local.get(name, _MISSING)
        local[name] = item
        keep = test(run)
        _unbind(local, name, outer)
        if keep:
            yield item


def _unbind(local: dict[str, Any], name: str, outer: Any) -> None:
    if outer is _MISSING:
        local.pop(name, None)
    else:
        local[name] = outer


def _set(env: Sandbox, node: nodes.Assign, eval_ctx: EvalContext) -> Emit | None:
    """`{% set name = value %}` at the top of a text (`_settable`)."""
    if id(node) not in _SCOPE.settable or not isinstance(node.target, nodes.Name):
        return None
    name, value = node.target.name, _expression(env, node.node, eval_ctx)
    if value is None:
        return None

    def emit(run: Run, out: list[str], size: int) -> int:
        run.vars[name] = value(run)
        return size

    return emit


_STATEMENTS: dict[type[nodes.Node], Callable[..., Emit | None]] = {nodes.If: _if, nodes.For: _for, nodes.Assign: _set}


# --- expressions ---------------------------------------------------------------------------


def _expression(env: Sandbox, node: nodes.Node, eval_ctx: EvalContext) -> Evaluate | None:
    """A closure for `node`, or None for a shape left to Jinja. What Jinja folds while
    writing its code (`optimizeconst`: its optimizer on the node, children first) is folded
    here the same way; list, tuple and map literals are not, as Jinja does not."""
    if isinstance(node, _FOLDED) and not _FOLDING.inside:
        # Jinja's optimizer folds the whole subtree, children first; running it again on
        # each part below (as Jinja's code generator does) finds nothing more to fold, and
        # would make compiling a text cost its size squared
        return _folded(lambda: _built(env, Optimizer(env).visit(node, eval_ctx), eval_ctx))
    return _built(env, node, eval_ctx)


class _Folding(threading.local):
    inside = False  # an enclosing node's subtree is folded already (compiling is per thread)


_FOLDING = _Folding()


def _folded(build: Callable[[], _Built]) -> _Built:
    """`build` with the optimizer not run on any part of the tree: the tree is folded already
    (`_expression`), or Jinja's optimizer would leave it as it is (shapes.py's trees: running
    it costs more than the rest of compiling a short text, for nothing)."""
    _FOLDING.inside = True
    try:
        return build()
    finally:
        _FOLDING.inside = False


def _built(env: Sandbox, node: nodes.Node, eval_ctx: EvalContext) -> Evaluate | None:
    if isinstance(node, nodes.Const):
        constant = node.value
        return lambda run: constant
    for kinds, build in _BUILDERS:
        if isinstance(node, kinds):
            return build(env, node, eval_ctx)
    return None


def _name(env: Sandbox, node: nodes.Name, eval_ctx: EvalContext) -> Evaluate | None:
    if node.ctx != "load":
        return None
    name, undefined = node.name, env.undefined
    if _SCOPE.plain:

        def read(data: Mapping[str, Any]) -> Any:
            found = data.get(name, _MISSING)
            return undefined(name=name) if found is _MISSING else found

        return read
    if name in _SCOPE.bound:

        def lookup(run: Run) -> Any:  # a loop's, else a `set`'s (`_ScopedRun.get`), else the data's
            found = run.locals.get(name, _MISSING)
            return run.resolve(name) if found is _MISSING else found

        return lookup

    def load(run: Run) -> Any:
        found = run.data.get(name, _MISSING)
        return undefined(name=name) if found is _MISSING else found

    return load


def _getattr(env: Sandbox, node: nodes.Getattr, eval_ctx: EvalContext) -> Evaluate | None:
    owner, attribute, getattr_ = _expression(env, node.node, eval_ctx), node.attr, env.getattr
    if owner is None:
        return None
    by_item: dict[type, bool] = {}  # per type of value: `_item_first` (the same in every call)

    def read(run: Run) -> Any:
        value = owner(run)
        # `customer.name` of a map: the sandbox's getattr looks for an attribute of that name,
        # finds none (a map has none but its class's) and reads the item; read it first here,
        # without the failed lookup (~0.7 µs; a missing item is still the sandbox's)
        kind: type = type(value)
        first = by_item.get(kind)
        if first is None:
            first = by_item[kind] = _item_first(kind, attribute)
        if first:
            try:
                return value[attribute]
            except (TypeError, LookupError):
                pass
        return getattr_(value, attribute)

    return read


# maps whose attributes are their class's, read as Python reads a class's
_PLAIN_MAPS = (dict, MappingProxyType)


@cache  # a few types and the fields the flows read: per process, not per text
def _item_first(kind: type, attribute: str) -> bool:
    """Python finds no `attribute` of a `kind` (its instances have only their class's
    attributes, read the usual way), so the sandbox's getattr reads the item."""
    usual = kind in _PLAIN_MAPS or not any(
        "__getattribute__" in vars(base) or "__getattr__" in vars(base) for base in kind.__mro__[:-1]
    )
    return usual and kind.__dictoffset__ == 0 and not hasattr(kind, attribute)


def _getitem(env: Sandbox, node: nodes.Getitem, eval_ctx: EvalContext) -> Evaluate | None:
    if isinstance(node.arg, nodes.Slice):  # a slice copies what it takes: Jinja measures it
        return None
    container, getitem, undefined = _expression(env, node.node, eval_ctx), env.getitem, env.undefined
    if container is None:
        return None
    if isinstance(node.arg, nodes.Const) and type(node.arg.value) is int:
        index = node.arg.value

        def indexed(run: Run) -> Any:
            value = container(run)
            # `numbers[2]` of a list: the sandbox's getitem takes `value[2]`, or the undefined
            # it makes for the IndexError it catches (named by the index, as Jinja names it);
            # made here without raising it
            if type(value) is list or type(value) is tuple:
                if -len(value) <= index < len(value):
                    return value[index]
                return undefined(obj=value, name=index)  # type: ignore[arg-type]
            return getitem(value, index)

        return indexed
    if isinstance(node.arg, nodes.Const):
        key = node.arg.value
        return lambda run: getitem(container(run), key)
    item = _expression(env, node.arg, eval_ctx)
    return None if item is None else (lambda run: getitem(container(run), item(run)))


def _choice(env: Sandbox, node: nodes.CondExpr, eval_ctx: EvalContext) -> Evaluate | None:
    if node.expr2 is None:  # without `else` it is Jinja's own undefined
        return None
    test, yes, no = (_expression(env, part, eval_ctx) for part in (node.test, node.expr1, node.expr2))
    if test is None or yes is None or no is None:
        return None
    return lambda run: yes(run) if test(run) else no(run)


def _not(env: Sandbox, node: nodes.Not, eval_ctx: EvalContext) -> Evaluate | None:
    negated = _expression(env, node.node, eval_ctx)
    return None if negated is None else (lambda run: not negated(run))


def _logic(env: Sandbox, node: nodes.And | nodes.Or, eval_ctx: EvalContext) -> Evaluate | None:
    left, right = _expression(env, node.left, eval_ctx), _expression(env, node.right, eval_ctx)
    if left is None or right is None:
        return None
    if isinstance(node, nodes.And):
        return lambda run: left(run) and right(run)
    return lambda run: left(run) or right(run)


def _compare(env: Sandbox, node: nodes.Compare, eval_ctx: EvalContext) -> Evaluate | None:
    first = _expression(env, node.expr, eval_ctx)
    chain = []
    for operand in node.ops:
        test, value = _COMPARE.get(operand.op), _expression(env, operand.expr, eval_ctx)
        if test is None or value is None:
            return None
        chain.append((test, value))
    if first is None:
        return None
    if len(chain) == 1 and isinstance(node.ops[0].expr, nodes.Const):  # `reason == 'technical'`: most of them
        test, constant = chain[0][0], node.ops[0].expr.value
        return lambda run: bool(test(first(run), constant))

    def compare(run: Run) -> Any:
        left = first(run)
        for test, value in chain:
            right = value(run)
            if not test(left, right):
                return False
            left = right
        return True

    return compare


def _binary(env: Sandbox, node: nodes.BinExpr, eval_ctx: EvalContext) -> Evaluate | None:
    left, right = _expression(env, node.left, eval_ctx), _expression(env, node.right, eval_ctx)
    if left is None or right is None:
        return None
    if node.operator in env.intercepted_binops:  # `+`, `*`, `%`, `**`: measured by the sandbox
        sign, call_binop = node.operator, env.call_binop
        return lambda run: call_binop(run, sign, left(run), right(run))
    plain = _PLAIN_BINARY.get(type(node))
    return None if plain is None else (lambda run: plain(left(run), right(run)))


def _unary(env: Sandbox, node: nodes.UnaryExpr, eval_ctx: EvalContext) -> Evaluate | None:
    plain, operand = _UNARY.get(type(node)), _expression(env, node.node, eval_ctx)
    if plain is None or operand is None or node.operator in env.intercepted_unops:
        return None
    return lambda run: plain(operand(run))


def _concat(env: Sandbox, node: nodes.Concat, eval_ctx: EvalContext) -> Evaluate | None:
    """`a ~ b`: the sandbox's `joined`, as `BoundedCodeGenerator` writes it."""
    parts = _all(env, node.nodes, eval_ctx)
    if parts is None:
        return None
    joined = env.joined
    return lambda run: joined(run, tuple(part(run) for part in parts))


def _collection(env: Sandbox, node: nodes.List | nodes.Tuple, eval_ctx: EvalContext) -> Evaluate | None:
    """A list or tuple written in the text: a made value, measured."""
    if isinstance(node, nodes.Tuple) and node.ctx != "load":
        return None
    items, made = _all(env, node.items, eval_ctx), env.made
    if items is None:
        return None
    if isinstance(node, nodes.List):
        return lambda run: made(run, [item(run) for item in items])
    return lambda run: made(run, tuple(item(run) for item in items))


def _map(env: Sandbox, node: nodes.Dict, eval_ctx: EvalContext) -> Evaluate | None:
    keys = _all(env, [pair.key for pair in node.items], eval_ctx)
    values = _all(env, [pair.value for pair in node.items], eval_ctx)
    if keys is None or values is None:
        return None
    pairs, made = list(zip(keys, values, strict=True)), env.made
    return lambda run: made(run, {key(run): value(run) for key, value in pairs})


def _filter(env: Sandbox, node: nodes.Filter, eval_ctx: EvalContext) -> Evaluate | None:
    return _applied(env, node, env.filters.get(node.name), eval_ctx)


def _test(env: Sandbox, node: nodes.Test, eval_ctx: EvalContext) -> Evaluate | None:
    return _applied(env, node, env.tests.get(node.name), eval_ctx)


def _applied(env: Sandbox, node: nodes.Filter | nodes.Test, function: object, eval_ctx: EvalContext) -> Evaluate | None:
    """`value | name(args)` or `value is name(args)`: the guarded function called as
    Jinja's code calls it, with what it asks for first (the render, its eval context or
    the sandbox)."""
    if not callable(function) or node.node is None or node.dyn_args is not None or node.dyn_kwargs is not None:
        return None
    value, args = _expression(env, node.node, eval_ctx), _all(env, node.args, eval_ctx)
    kwargs = _all(env, [keyword.value for keyword in node.kwargs], eval_ctx)
    if value is None or args is None or kwargs is None:
        return None
    names = [str(keyword.key) for keyword in node.kwargs]
    if isinstance(function, Guard):  # the sandbox's filters and tests
        constants = [arg.value for arg in node.args if isinstance(arg, nodes.Const)]
        named = {
            str(keyword.key): keyword.value.value for keyword in node.kwargs if isinstance(keyword.value, nodes.Const)
        }
        # `default('none')`, `sort(attribute='date')`: the call resolved once
        given = (
            function.given(value, tuple(constants), named)
            if len(constants) + len(named) == len(node.args) + len(node.kwargs)
            else None
        )
        if given is not None:
            return given
        if not names:
            return lambda run: function(run, value(run), *[arg(run) for arg in args])
    lead = pass_argument(function)
    call = function

    def apply(run: Run) -> Any:
        first = run if lead == "context" else run.eval_ctx if lead == "eval_context" else env
        head = (first, value(run)) if lead is not None else (value(run),)
        given = [arg(run) for arg in args]
        named = {name: kwarg(run) for name, kwarg in zip(names, kwargs, strict=True)}
        return call(*head, *given, **named)

    return apply


def _call(env: Sandbox, node: nodes.Call, eval_ctx: EvalContext) -> Evaluate | None:
    """`value.method(args)`: the sandbox's `call`, handed what Jinja's code hands it (in a
    loop's body, the loop's `_loop_vars` too: empty, as no `set` there is taken)."""
    if not isinstance(node.node, nodes.Getattr) or node.dyn_args is not None or node.dyn_kwargs is not None:
        return None
    method, args = _expression(env, node.node, eval_ctx), _all(env, node.args, eval_ctx)
    kwargs = _all(env, [keyword.value for keyword in node.kwargs], eval_ctx)
    if method is None or args is None or kwargs is None:
        return None
    names, in_loop, call = [str(keyword.key) for keyword in node.kwargs], _SCOPE.loop_frame, env.call

    def apply(run: Run) -> Any:
        function = method(run)
        given = [arg(run) for arg in args]
        named = {name: kwarg(run) for name, kwarg in zip(names, kwargs, strict=True)}
        if in_loop:
            named["_loop_vars"] = {}
        return call(run, function, *given, **named)

    return apply


def _all(env: Sandbox, parts: Sequence[nodes.Node], eval_ctx: EvalContext) -> list[Evaluate] | None:
    made = [_expression(env, part, eval_ctx) for part in parts]
    return None if any(part is None for part in made) else [part for part in made if part is not None]


_BUILDERS: tuple[tuple[type[nodes.Node] | tuple[type[nodes.Node], ...], Callable[..., Evaluate | None]], ...] = (
    (nodes.Name, _name),
    (nodes.Getattr, _getattr),
    (nodes.Getitem, _getitem),
    (nodes.Compare, _compare),
    (nodes.CondExpr, _choice),
    (nodes.Not, _not),
    ((nodes.And, nodes.Or), _logic),
    (nodes.BinExpr, _binary),
    (nodes.UnaryExpr, _unary),
    (nodes.Concat, _concat),
    ((nodes.List, nodes.Tuple), _collection),
    (nodes.Dict, _map),
    (nodes.Filter, _filter),
    (nodes.Test, _test),
    (nodes.Call, _call),
)
