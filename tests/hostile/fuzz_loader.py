"""Atheris (libFuzzer) target for the loader: `read_yaml`, then the whole checker.

Every input is read as a YAML file: a refusal must be a `YamlProblem` with a place. An input
that reads as a map is then put in a pack as one of its flow files and the whole pack is
checked: `check_pack` may only answer with problems, each with a place. Anything else (an
exception, a crash, a hang past `-timeout`, memory past `-rss_limit_mb`) is a finding.

    .venv/bin/python tests/hostile/fuzz_loader.py -max_total_time=600 -timeout=30 [CORPUS_DIR]

Without a corpus folder it starts from the bundled flow files and the small hostile YAML cases
(`write_seeds`). `test_hostile_fuzz.py` runs a fixed number of inputs from a fixed seed in CI;
`make fuzz` runs it for minutes, from a new seed each time.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `hostile.*`, when run as a script

with atheris.instrument_imports(include=["callguide", "yaml"]):
    from callguide.check import check_pack
    from callguide.load.yaml_source import YamlProblem, read_yaml
    from callguide.problems import Problem

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PACK = Path(tempfile.mkdtemp(prefix="callguide-fuzz-")) / "pack"


def _make_pack() -> Path:
    """A small valid pack; the fuzzed file joins it as `fuzzed.yaml`."""
    from hostile.packs import say_flow, write_pack

    return write_pack(PACK, {"main.yaml": say_flow("Hello {{ x }}")})


def write_seeds(folder: Path) -> Path:
    """The inputs libFuzzer starts from: every bundled flow file and the small hostile cases."""
    from hostile.yaml_cases import CASES

    folder.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(sorted((REPO / "flows").glob("*/*.yaml"))):
        (folder / f"flow-{n}.yaml").write_bytes(path.read_bytes())
    for name, case in CASES.items():
        raw = case.make()
        if len(raw) <= 4096:
            (folder / f"hostile-{name}.yaml").write_bytes(raw)
    return folder


def _placed(problem: Problem) -> None:
    if problem.pos.line < 1 or problem.pos.col < 1:
        raise AssertionError(f"a problem without a place: {problem}")


def TestOneInput(data: bytes) -> None:  # the name atheris calls
    try:
        document = read_yaml(data, "fuzzed.yaml")
    except YamlProblem as refused:
        _placed(refused.problem)
        return
    if not isinstance(document.data, dict):
        return
    (PACK / "fuzzed.yaml").write_bytes(data)
    for problem in check_pack(PACK).problems:
        _placed(problem)


def main() -> None:
    _make_pack()
    argv = list(sys.argv)
    if not any(not arg.startswith("-") for arg in argv[1:]):  # no corpus folder given
        argv.append(str(write_seeds(PACK.parent / "corpus")))
    try:
        atheris.Setup(argv, TestOneInput)
        atheris.Fuzz()
    finally:
        shutil.rmtree(PACK.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
