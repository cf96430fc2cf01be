"""The checker: every problem of a pack, in one run, each with its file, line and column.

Reading (YAML and its limits), the mistakes YAML hides and the schema of each file kind,
then the model's meaning: references, the step graph, the calls between flows, names used
before they are stored and what they can hold, texts. A file that fails its schema is left
out of the later stages (what it declares still counts as known), so one mistake is
reported once, not ten times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from callguide.check.broken import NOTHING_BROKEN, Broken
from callguide.check.calls import CallChecker
from callguide.check.flows import FlowChecker
from callguide.check.hidden import MEANT_AS_WRITTEN, hidden_problems
from callguide.check.lines import SourceLines
from callguide.check.pack import PackChecker, manifest_problems
from callguide.check.samples import sample_fields
from callguide.check.schema import schema_problems
from callguide.check.texts import TextChecker
from callguide.check.variables import VariableChecker
from callguide.filters import make_environment
from callguide.load.build import build_pack
from callguide.load.files import PACK_FILE, PackSource, SourceFile, display, read_file, read_pack
from callguide.model import Pack
from callguide.problems import Pos, Problem, sort_problems


@dataclass(slots=True)
class CheckResult:
    """The outcome of checking one pack (or one stray file)."""

    path: Path
    pack: Pack | None
    problems: list[Problem] = field(default_factory=list)
    source: PackSource | None = None

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]


def check_pack(root: Path, *, cache: bool = False) -> CheckResult:
    """Every problem of the pack at `root`; with `cache`, an unchanged pack is not re-checked."""
    if cache:
        from callguide.load import cache as check_cache

        cached = check_cache.load(root)
        if cached is not None:
            return CheckResult(root, cached[0], cached[1])
        result = _check_pack(root)
        if result.pack is not None:
            check_cache.save(root, result.pack, result.problems)
        return result
    return _check_pack(root)


def _check_pack(root: Path) -> CheckResult:
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


def find_packs(path: Path) -> list[Path]:
    """The pack folders at or below `path`: a pack, or a folder of packs."""
    if (path / PACK_FILE).is_file():
        return [path]
    return sorted(manifest.parent for manifest in path.rglob(PACK_FILE) if "data" not in manifest.parent.parts[-1:])


def pack_of(file: Path) -> Path | None:
    for folder in file.resolve().parents:
        if (folder / PACK_FILE).is_file():
            return folder
    return None


def check_paths(paths: Iterable[Path], *, cache: bool = False) -> list[CheckResult]:
    """What `callguide validate` checks: files, packs and folders of packs, each pack once."""
    results: list[CheckResult] = []
    done: set[Path] = set()
    for path in paths:
        if path.is_dir():
            roots = find_packs(path)
            if not roots:
                message = f"no `{PACK_FILE}` in or below this folder: nothing to check"
                results.append(CheckResult(path, None, [Problem(Pos(display(path)), "error", "missing-pack", message)]))
            for root in roots:
                if root.resolve() not in done:
                    done.add(root.resolve())
                    results.append(check_pack(root, cache=cache))
            continue
        owner = pack_of(path)
        if owner is None:
            results.append(check_file(path))
        elif owner.resolve() not in done:
            # A file is checked within its pack (its references need the rest), and only
            # its own problems are reported.
            whole = check_pack(owner, cache=cache)
            mine = display(path)
            whole.problems = [problem for problem in whole.problems if problem.pos.file == mine]
            results.append(whole)
    return results


def check_file(path: Path) -> CheckResult:
    """A file outside any pack: its YAML and its schema only."""
    read = read_file(path)
    if isinstance(read, Problem):
        return CheckResult(path, None, [read])
    return CheckResult(path, None, sort_problems(schema_problems(read.document, read.kind)))
