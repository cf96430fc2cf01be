"""Which names a text may read at each step: a forward data-flow over the step graph.

A name is known at a step when some path from the flow's start (or from a caller's call
site) stores it before: `save`, `set`, a sub-flow's saves, or the flow's declared `input`.
Reading a name that no path can have stored is the analyst's mistake we want to catch
before a call does: usually a typo, or a question placed after the text that needs it.

The sets of names flowing over the graph are the bits of an int (`NameBits`): a flow of
thousands of steps that stores thousands of names joins them with one `|` per edge, not by
copying sets that grow with the flow.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from callguide.analysis import Analysis
from callguide.check.base import Checker
from callguide.check.broken import NOTHING_BROKEN, Broken
from callguide.check.calls import calls
from callguide.check.flows import RESERVED_NAMES
from callguide.check.hints import suggest
from callguide.check.texts import TextChecker
from callguide.graph import graph_of
from callguide.model import AskStep, Condition, DoStep, Flow, Pack, Step, Text, keys_of
from callguide.problems import Pos, Problem, closest, did_you_mean


def top(name: str) -> str:
    return name.split(".", 1)[0]


def own_names(step: Step) -> set[str]:
    return {top(name) for name in step.stores}


def callees(step: Step) -> Iterator[str]:
    return (name for name, _ in calls(step))


class NameBits:
    """Sets of names as the bits of an int, each name its own bit."""

    def __init__(self) -> None:
        self.bits: dict[str, int] = {}

    def of(self, names: Iterable[str]) -> int:
        mask = 0
        for name in names:
            bit = self.bits.get(name)
            if bit is None:
                bit = self.bits[name] = 1 << len(self.bits)
            mask |= bit
        return mask

    def has(self, mask: int, name: str) -> bool:
        bit = self.bits.get(name)
        return bit is not None and mask & bit != 0

    def names(self, mask: int) -> set[str]:
        return {name for name, bit in self.bits.items() if mask & bit}


@dataclass(frozen=True, slots=True)
class Use:
    analysis: Analysis
    pos: Pos
    what: str
    after_save: bool = False
    extra: frozenset[str] = frozenset()
    item: tuple[str, frozenset[str]] | None = None  # a lookup's `show`: its records' fields
    text: Text | Condition | None = None  # where the names are read, to point at their line


class VariableChecker(Checker):
    def __init__(
        self,
        pack: Pack,
        texts: TextChecker,
        problems: list[Problem],
        broken: Broken = NOTHING_BROKEN,
        fields: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        super().__init__(pack, problems, broken)
        self.texts = texts
        self.records = self._record_fields(fields or {})
        flows = pack.flows.values()
        self.own = {flow.name: set().union(*(own_names(step) for step in flow.steps.values())) for flow in flows}
        self.everything = set().union(*self.own.values(), *(flow.inputs for flow in flows))
        self.bits = NameBits()
        self.all_bits = self.bits.of(self.everything)
        self.stores = self._transitive_stores()
        self.store_bits = {flow: self.bits.of(names) for flow, names in self.stores.items()}
        self.attributes, self.whole = self._dotted_saves()
        self.unsure = self._calling_broken()

    def _record_fields(self, samples: Mapping[str, frozenset[str]]) -> dict[str, tuple[str, frozenset[str]]]:
        """Each name that stores a lookup's pick -> the lookup and the fields its records
        have: those of its sample records and those it is searched `by`."""
        known = {source: set(found) for source, found in samples.items()}
        for flow in self.pack.flows.values():
            for step in flow.steps.values():
                answer = step.answer if isinstance(step, AskStep) else None
                if answer is not None and answer.kind == "lookup" and answer.source in known:
                    known[answer.source].update(answer.search_by)
        self.lookups = {source: frozenset(found) for source, found in known.items()}
        return {
            name: (kind.source, self.lookups[kind.source])
            for name, kind in self.texts.kinds.items()
            if kind.kind == "record" and kind.source in self.lookups
        }

    def _calling_broken(self) -> set[str]:
        """The flows that call, maybe through others, a flow whose file is broken: it may
        store a name before they read it, so only names nobody stores are reported there."""
        unsure: set[str] = set()
        changed = True
        while changed:
            changed = False
            for flow in self.pack.flows.values():
                if flow.name in unsure:
                    continue
                called = {callee for step in flow.steps.values() for callee in callees(step)}
                if any(self.broken.has("flow", callee) or callee in unsure for callee in called):
                    unsure.add(flow.name)
                    changed = True
        return unsure

    def _transitive_stores(self) -> dict[str, set[str]]:
        stores = {name: set(names) for name, names in self.own.items()}
        changed = True
        while changed:
            changed = False
            for flow in self.pack.flows.values():
                for step in flow.steps.values():
                    for callee in callees(step):
                        extra = stores.get(callee, set()) - stores[flow.name]
                        if extra:
                            stores[flow.name] |= extra
                            changed = True
        return stores

    def _dotted_saves(self) -> tuple[dict[str, set[str]], set[str]]:
        attributes: dict[str, set[str]] = {}
        whole: set[str] = set()
        for flow in self.pack.flows.values():
            whole.update(flow.inputs)
            for step in flow.steps.values():
                for name in step.stores:
                    head, _, rest = name.partition(".")
                    if rest:
                        attributes.setdefault(head, set()).add(rest.split(".")[0])
                    else:
                        whole.add(head)
        return attributes, whole

    def defines(self, step: Step) -> int:
        """The names a step stores, its sub-flows' included."""
        names = self.bits.of(own_names(step))
        for callee in callees(step):
            names |= self.store_bits.get(callee, 0)
        return names

    def known_before(self, flow: Flow, entry: int) -> dict[str, int]:
        """For each step reached: the names some path may have stored before it runs.

        A forward data-flow solved over the steps in reverse post-order, so that a flow of
        thousands of steps settles in a few passes."""
        if flow.start not in flow.steps:
            return {}
        graph = graph_of(flow)
        order, incoming_edges = graph.order, graph.incoming
        stores = {step_id: self.defines(flow.steps[step_id]) for step_id in order}
        sets_only = {step_id: self.bits.of(top(name) for name in flow.steps[step_id].sets) for step_id in order}
        before: dict[str, int] = {flow.start: entry}
        changed = True
        while changed:
            changed = False
            for step_id in order:
                names = entry if step_id == flow.start else 0
                for source, saved in incoming_edges.get(step_id, ()):
                    known = before.get(source)
                    if known is not None:
                        names |= known | (stores[source] if saved else sets_only[source])
                if names != before.get(step_id):
                    before[step_id] = names
                    changed = True
        return before

    def check(self) -> None:
        switched = {action.flow for rule in self.pack.rules.values() for action in rule.then if action.flow}
        if self.broken.names.get("flow"):
            # a flow whose file is broken may call any flow no other flow calls, with any name
            called = {
                callee for flow in self.pack.flows.values() for step in flow.steps.values() for callee in callees(step)
            }
            switched |= set(self.pack.flows) - called
        entry = {
            flow.name: self.bits.of(flow.inputs) | (self.all_bits if flow.name in switched else 0)
            for flow in self.pack.flows.values()
        }
        for _ in range(len(entry) + 1):  # callers' names flow into callees until nothing changes
            grown = False
            for flow in self.pack.flows.values():
                before = self.known_before(flow, entry[flow.name])
                for step_id, names in before.items():
                    for callee in callees(flow.steps[step_id]):
                        if callee in entry and names & ~entry[callee]:
                            entry[callee] |= names
                            grown = True
            if not grown:
                break
        for flow in self.pack.flows.values():
            before = self.known_before(flow, entry[flow.name])
            for step in flow.steps.values():
                # an unreachable step is reported as such; its texts are still checked
                names = before.get(step.id, self.all_bits)
                after = names | self.defines(step)
                for use in self.uses(step):
                    available = (after if use.after_save else names) | self.bits.of(use.extra)
                    if flow.name in self.unsure:  # a broken sub-flow may have stored any of them
                        available |= self.all_bits | self.bits.of(self.broken.stores)
                    self.report(flow, step, use, available)
        self.pack_texts()

    def uses(self, step: Step) -> Iterator[Use]:
        """Every text and condition of a step, with the names it may read besides the flow's."""
        where = f"step `{step.id}`"
        earlier: set[str] = set()
        for name, condition in step.sets.items():
            yield self.use(condition, f"`set: {name}` of {where}", where, extra=frozenset(earlier))
            earlier.add(top(name))
        sets = frozenset(earlier)
        texts: list[tuple[Text | Condition | None, str, bool]] = [
            (getattr(step, key.field), f"the `{key.name}` of {where}", bool(key.extra.get("spoken")))
            for key in keys_of(type(step))
            if key.type is Text
        ]
        default = step.default if isinstance(step, AskStep) else None
        texts.append((default if isinstance(default, Text) else None, f"the `default` of {where}", False))
        for warning in step.warnings:
            texts += [
                (warning.text, f"a warning of {where}", False),
                (warning.condition, f"a warning of {where}", False),
            ]
        answer = step.answer if isinstance(step, AskStep) else None
        if answer is not None:
            texts.append((answer.message, f"the message of {where}", False))
            for option in answer.options:
                what = f"option `{option.key}` of {where}"
                texts += [(option.label, what, True), (option.condition, what, False), (option.disabled, what, False)]
            if answer.show:
                use = self.use(answer.show, f"the `show` of {where}", where, extra=sets | {"item"})
                source = answer.source or ""
                yield replace(use, item=(source, self.lookups[source])) if source in self.lookups else use
        for text, what, spoken in texts:
            if text is not None:
                yield self.use(text, what, where, extra=sets, spoken=spoken)
        if isinstance(step, DoStep) and step.args:
            yield Use(self.texts.value(step.args, f"the `with` of {where}"), step.pos, where, extra=sets)
        for case in step.next:  # branches read the step's own answer too
            for text, what in ((case.description, "the `description` of a branch"), (case.condition, "a branch")):
                if text is not None:
                    yield self.use(text, f"{what} of {where}", where, extra=sets, after_save=True, spoken=False)

    def use(
        self,
        text: Text | Condition,
        what: str,
        where: str,
        *,
        extra: frozenset[str],
        spoken: bool = False,
        after_save: bool = False,
    ) -> Use:
        analysis = (
            self.texts.condition(text, what)
            if isinstance(text, Condition)
            else self.texts.text(text, what, spoken=spoken)
        )
        return Use(analysis, text.pos, where, after_save=after_save, extra=extra, text=text)

    def report(self, flow: Flow, step: Step, use: Use, known: int) -> None:
        """Report the names `use` reads that are not in `known` (bits) and the fields of
        records or dotted saves it reads that nothing stores."""
        inputs = set(flow.inputs)
        missing = sorted(name for name in use.analysis.names - RESERVED_NAMES if not self.bits.has(known, name))
        available = self.bits.names(known) if missing else set()  # the hints' vocabulary: only on a mistake
        for name in missing:
            if name not in self.everything and name in self.broken.stores:
                continue  # a flow whose file is broken stores it
            if name in self.everything:
                message = f"`{name}` is read in {use.what} before any step can have stored it"
            else:
                message = f"`{name}` is not stored by any step nor given as `input`"
                meant = closest(name, self.everything | RESERVED_NAMES | available)
                if meant is not None:
                    # a name stored only further on would be read too early: say so with the hint
                    later = "" if meant in available | RESERVED_NAMES else " (no path stores it before this yet)"
                    message += f" - did you mean `{meant}`?{later}"
            self.error(self.texts.locate(use.text, name, use.pos), "undefined-variable", message)
        for path in sorted(use.analysis.paths):
            head, attribute = path[0], path[1]
            record = use.item if head == "item" else self.records.get(head)
            if record is not None and attribute not in record[1]:
                source, fields = record
                hint = suggest(attribute, fields, "their fields")
                message = f"`{head}.{attribute}` is read in {use.what}, but the records of the `{source}` lookup have no `{attribute}`{hint}"
                self.error(self.texts.locate(use.text, f"{head}.{attribute}", use.pos), "unknown-field", message)
                continue
            dotted_only = head in self.attributes and head not in self.whole | inputs | RESERVED_NAMES
            if dotted_only and attribute not in self.attributes[head]:
                hint = did_you_mean(attribute, self.attributes[head])
                message = f"`{head}.{attribute}` is read in {use.what}, but no step stores `{head}.{attribute}`{hint}"
                self.error(self.texts.locate(use.text, f"{head}.{attribute}", use.pos), "undefined-variable", message)

    def pack_texts(self) -> None:
        """Texts outside flows (rules, phrases, catalogs, lifecycles) may read any name."""
        known = self.everything | RESERVED_NAMES | set(self.pack.lifecycles) | {"comment"}
        analyses: list[tuple[Analysis, Pos]] = []
        for rule in self.pack.rules.values():
            what = f"rule `{rule.name}`"
            analyses.append((self.texts.text(rule.label, what, spoken=False), rule.label.pos))
            analyses.extend((self.texts.text(phrase, what), phrase.pos) for phrase in rule.phrases)
            for action in rule.then:
                analyses.append((self.texts.text(action.text, what), action.pos))
                analyses.append((self.texts.value(action.args, what), action.pos))
        for name, phrase in self.pack.phrases.items():
            analyses.append((self.texts.text(phrase, f"phrase `{name}`"), phrase.pos))
        for catalog in self.pack.catalogs.values():
            for reason in catalog.reasons.values():
                analyses.append(
                    (
                        self.texts.text(reason.label, f"reason `{reason.key}`", spoken=False),
                        reason.pos,
                    )
                )
        for lifecycle in self.pack.lifecycles.values():
            for transition in lifecycle.transitions.values():
                what = f"transition `{lifecycle.name}.{transition.name}`"
                analyses.append((self.texts.condition(transition.guard, what), transition.pos))
                for text in (transition.label, transition.message, transition.warning):
                    analyses.append((self.texts.text(text, what, spoken=False), transition.pos))
        for flow in self.pack.flows.values():
            if flow.access:
                what = f"the `access` of flow `{flow.name}`"
                analyses.append((self.texts.condition(flow.access.condition, what), flow.access.condition.pos))
                analyses.append(
                    (
                        self.texts.text(flow.access.message, what, spoken=False),
                        flow.access.message.pos,
                    )
                )
        self._unknown(analyses, known)

    def _unknown(self, analyses: Iterable[tuple[Analysis, Pos]], known: set[str]) -> None:
        known = known | self.broken.stores  # what the flows whose files are broken store
        for analysis, pos in analyses:
            for name in sorted(analysis.names - known):
                message = f"`{name}` is not stored by any flow of the pack{did_you_mean(name, known)}"
                self.error(pos, "undefined-variable", message)
