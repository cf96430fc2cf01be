"""The checker: every problem of a pack, in one run, each with its file, line and column.

Reading (YAML and its limits), the mistakes YAML hides and the schema of each file kind,
then the model's meaning: references, the step graph, the calls between flows, names used
before they are stored and what they can hold, texts. A file that fails its schema is left
out of the later stages (what it declares still counts as known), so one mistake is
reported once, not ten times.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from callguide.check.result import CheckResult as CheckResult
from callguide.load.paths import PACK_FILE, display
from callguide.problems import Pos, Problem


def check_pack(root: Path, *, cache: bool = False) -> CheckResult:
    """Every problem of the pack at `root`; with `cache`, an unchanged pack is not re-checked."""
    if cache:
        from callguide.load import cache as check_cache

        cached = check_cache.load(root)
        if cached is not None:
            return CheckResult(root, cached[0], cached[1])
        from callguide.check.run import check_files

        result = check_files(root)
        if result.pack is not None:
            check_cache.save(root, result.pack, result.problems)
        return result
    from callguide.check.run import check_files  # the checker's stages: imported when a check runs

    return check_files(root)


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
    from callguide.check.run import check_stray_file

    return check_stray_file(path)
