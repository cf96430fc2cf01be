"""Checking a pack's files and model: the stages the checker runs when the check cache
cannot answer (`callguide.check.check_pack`). Kept apart from the package's face so that a
load the cache answers imports none of it (jsonschema, the schemas, every checker)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from callguide import collector
from callguide.check.broken import NOTHING_BROKEN, Broken
from callguide.check.calls import CallChecker
from callguide.check.flows import FlowChecker
from callguide.check.hidden import MEANT_AS_WRITTEN, hidden_problems
from callguide.check.lines import SourceLines
from callguide.check.pack import PackChecker, manifest_problems
from callguide.check.result import CheckResult
from callguide.check.samples import sample_fields
from callguide.check.schema import schema_problems
from callguide.check.texts import TextChecker
from callguide.check.variables import VariableChecker
from callguide.filters import make_environment
from callguide.load.build import build_pack
from callguide.load.files import PACK_FILE, SourceFile, display, read_file, read_pack
from callguide.model import Pack
from callguide.problems import Pos, Problem, sort_problems


# Checking a 5,000-step flow makes hundreds of thousands of objects (YAML nodes, the model,
# the checkers' template trees) and next to no garbage, yet the collections they set off
# walked them all five times: 0.25 s of the 2.5 s. Cycles made meanwhile wait for the next
# collection after the check.
@collector.paused()
def check_files(root: Path) -> CheckResult:
    """Every problem of the pack at `root`, read and checked afresh."""
    source = read_pack(root)
    problems = list(source.problems)
    valid: list[SourceFile] = []
    failed: list[tuple[str, object]] = []
    for file in source.files:
        found = _file_problems(file)
        problems.extend(found)
        unusable = [p for p in found if p.severity == "error" and p.code not in MEANT_AS_WRITTEN]
        if not unusable and file.kind != "scenario":
            valid.append(file)
        elif unusable:
            failed.append((file.kind, file.document.data))
    manifests = [file for file in valid if file.kind == "pack"]
    for extra in manifests[1:]:
        message = f"a pack has one manifest; this folder has another in {manifests[0].document.file}"
        problems.append(Problem(Pos(extra.document.file), "error", "duplicate-name", message))
    if manifests and manifests[0].path.name != PACK_FILE:
        message = f"the manifest must be called `{PACK_FILE}`"
        problems.append(Problem(Pos(manifests[0].document.file), "error", "missing-pack", message))
    pack = build_pack(
        display(root),
        manifests[0] if manifests else None,
        [f for f in valid if f.kind != "pack"],
        problems,
    )
    if pack is not None:
        broken = Broken.of([*failed, *Broken.salvage(source.unreadable)])
        lines = SourceLines({file.document.file: file.document.text for file in valid})
        problems.extend(check_model(pack, broken, lines, sample_fields(root, pack.lookups)))
    return CheckResult(root, pack, sort_problems(problems), source)


def _file_problems(file: SourceFile) -> list[Problem]:
    """What one file says wrong by itself: mistakes YAML hides, then its schema (not twice
    on one line: a text read as a map is not also a bad language name)."""
    hidden, lines = hidden_problems(file.document, file.kind)
    found = hidden + [problem for problem in schema_problems(file.document, file.kind) if problem.pos.line not in lines]
    if file.kind == "pack" and all(problem.code in MEANT_AS_WRITTEN for problem in found):
        found += manifest_problems(file.document)
    return found


def check_model(
    pack: Pack,
    broken: Broken = NOTHING_BROKEN,
    lines: SourceLines | None = None,
    fields: Mapping[str, frozenset[str]] | None = None,
) -> list[Problem]:
    """The checks of meaning, on a model whose files all passed their schema; what the
    files that failed it define (`broken`) is not reported as unknown. With the files'
    `lines`, a mistake inside a long text is reported at its own line; with the `fields`
    of each lookup's sample records, a read of a field they lack is reported."""
    problems: list[Problem] = []
    env = make_environment(pack.calendar, pack.phone_digits, pack.phone_region)
    texts = TextChecker(pack, env, problems, broken, lines)
    PackChecker(pack, problems, broken).check()
    texts.labels()
    flows = FlowChecker(pack, texts, problems, broken)
    for flow in pack.flows.values():
        flows.check(flow)
    CallChecker(pack, problems, broken).check()
    VariableChecker(pack, texts, problems, broken, fields or {}).check()
    return problems


def check_stray_file(path: Path) -> CheckResult:
    """A file outside any pack: its YAML and its schema only."""
    read = read_file(path)
    if isinstance(read, Problem):
        return CheckResult(path, None, [read])
    return CheckResult(path, None, sort_problems(schema_problems(read.document, read.kind)))
