"""Where a pack's files are: its YAML files, and the links out of it (never read).

Kept apart from reading the files (`files.py` imports the YAML parsers and the schemas):
the check cache keys a pack by these paths without importing any of that.
"""

from __future__ import annotations

from pathlib import Path

PACK_FILE = "pack.yaml"
# Folders of a pack that hold something other than flow files.
NOT_FLOW_FOLDERS = frozenset({"data", "tests"})
YAML_SUFFIXES = (".yaml", ".yml")


def display(path: Path) -> str:
    """A path as the analyst typed it: relative to the working folder when possible."""
    try:
        itself = path.parent.resolve() / path.name  # a link is shown as itself, never its target
        return str(itself.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def scan_pack(root: Path) -> tuple[list[Path], list[Path]]:
    """The YAML files of a pack (its folder and sub-folders, except sample data and tests),
    and the links in it to YAML files or folders outside it (a password file...), which are
    never read."""
    found, outside = [], []
    real_root = root.resolve()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if NOT_FLOW_FOLDERS & set(relative[:-1]) or not (path.suffix in YAML_SUFFIXES or path.is_dir()):
            continue
        if not is_inside(path, real_root):
            outside.append(path)
        elif path.suffix in YAML_SUFFIXES and path.is_file():
            found.append(path)
    return found, outside


def is_inside(path: Path, folder: Path) -> bool:
    """Whether `path`, links followed, is in `folder` (itself resolved)."""
    try:
        return path.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):  # a loop of links
        return False
