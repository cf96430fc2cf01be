"""Hostile YAML: every file is refused with its exact problem code and `file:line:col`, in
little CPU time, in a child process limited to 1 GiB and 20 s of CPU.

The cases live in `yaml_cases.py`; each class of attack runs in its own child, which builds
the bytes itself and reports every case as it finishes (so a crash names its input).
"""

from __future__ import annotations

from typing import Any

import pytest

from .corpus import CRASH, REFUSED, Corpus
from .isolation import run_snippet
from .yaml_cases import CASES

pytestmark = pytest.mark.slow_hostile

# CPU seconds (never wall-clock time: CI runs on two busy cores) with a generous margin: a
# refusal takes milliseconds; only an attack that works (a blow-up, a backtracking parse)
# comes near. How fast it really is belongs to benchmarks/.
MAX_CPU_SECONDS = 5.0  # for one refusal
MAX_PACK_CPU_SECONDS = 60.0  # for a whole pack of hostile files
MAX_RSS_MB = 512

GROUPS: dict[str, list[str]] = {
    "nesting": [
        "brackets_40000_one_line",
        "brackets_40000_one_per_line",
        "braces_40000_one_per_line",
        "mixed_brackets_and_braces_40000",
        "brackets_hidden_behind_text",
        "block_nesting_5000_levels_by_indentation",
        "block_sequences_2100_levels_on_one_line",
        "block_sequences_5000_levels_with_long_lines_allowed",
        "block_nesting_within_line_limit",
        "recursive_alias",
    ],
    "expansion": [
        "billion_laughs",
        "merge_key_bomb",
        "many_aliases_of_one_anchor",
        "too_many_values",
        "too_many_values_block_style",
        "too_many_values_past_the_hard_maximum",
    ],
    "keys": ["duplicate_key", "duplicate_key_quoted_and_plain", "huge_key", "huge_explicit_key", "map_as_key"],
    "tags": [
        "python_object_apply",
        "python_name",
        "python_module",
        "python_object_new",
        "tag_directive_alias_for_python",
        "unknown_local_tag",
        "verbatim_tag",
        "set_tag",
        "binary_tag",
        "tagged_key",
    ],
    "numbers": [
        "integer_5000_digits",
        "integer_5000_digits_default_limits",
        "negative_hex_huge",
        "float_3000_digits",
        "nan",
        "inf",
        "minus_inf",
        "nan_as_key_value_in_flow",
    ],
    "sizes": ["huge_scalar", "huge_quoted_scalar", "long_line", "file_9_mb", "file_9_mb_past_the_hard_maximum"],
    "encodings": [
        "utf16_le_bom",
        "utf16_be_bom",
        "utf16_no_bom",
        "utf32",
        "latin1",
        "cp1251",
        "nul",
        "encoded_surrogate",
        "overlong_utf8",
        "control_character",
        "escape_sequence",
        "unicode_line_separator",
        "next_line_character",
        "invalid_utf8_in_a_comment",
    ],
    "documents": ["two_documents", "hundred_thousand_documents", "many_documents_within_size", "unknown_yaml_version"],
}

READ_CASES = """
import resource, time
from callguide.load.files import pack_limits
from callguide.load.yaml_source import YamlProblem, read_yaml
from hostile.yaml_cases import CASES

for name in {names!r}:
    case = CASES[name]
    raw = case.make()
    limits = pack_limits({{"limits": case.limits}} if case.limits else {{}})
    started = time.process_time()
    try:
        read_yaml(raw, "hostile.yaml", limits)
    except YamlProblem as refused:
        seconds = time.process_time() - started
        p = refused.problem
        report(name, verdict="refused", cpu_seconds=seconds, code=p.code, line=p.pos.line, col=p.pos.col,
               file=p.pos.file, message=p.message, shown=str(p),
               rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    except BaseException as other:
        report(name, verdict="crash", cpu_seconds=time.process_time() - started, error=f"{{type(other).__name__}}: {{other}}")
    else:
        report(name, verdict="accepted", cpu_seconds=time.process_time() - started)
"""


def check_reports(reports: list[dict[str, Any]], names: list[str]) -> list[str]:
    """Every way the reports differ from what the cases expect."""
    wrong: list[str] = []
    seen = {report["input"]: report for report in reports}
    for name in names:
        case, report = CASES[name], seen.get(name)
        if report is None:
            wrong.append(f"{name}: no report (the child died before or during it)")
            continue
        if report["verdict"] != REFUSED:
            wrong.append(f"{name}: {report['verdict']} {report.get('error', '')}")
            continue
        got = (report["code"], report["line"], report["col"])
        if got != (case.code, case.line, case.col) or case.says not in report["message"]:
            wrong.append(
                f"{name}: expected {case.code} at {case.line}:{case.col} ({case.says!r}), got {report['shown']}"
            )
        if (
            report["shown"]
            != f"hostile.yaml:{report['line']}:{report['col']}: error {report['code']}: {report['message']}"
        ):
            wrong.append(f"{name}: not shown as file:line:col: {report['shown']}")
        if report["cpu_seconds"] >= MAX_CPU_SECONDS:
            wrong.append(f"{name}: took {report['cpu_seconds']:.2f}s of CPU")
        if report["rss_mb"] >= MAX_RSS_MB:
            wrong.append(f"{name}: used {report['rss_mb']} MB")
    return wrong


@pytest.mark.parametrize("group", list(GROUPS))
def test_hostile_yaml_is_refused_quickly_with_its_place(group: str, corpus: Corpus) -> None:
    names = GROUPS[group]
    outcome = run_snippet(READ_CASES.format(names=names))
    corpus.add(
        f"yaml/{group}", outcome.reports or [{"input": group, "verdict": CRASH, "wall_seconds": outcome.seconds}]
    )
    assert outcome.ok, outcome.describe()
    wrong = check_reports(outcome.reports, names)
    assert not wrong, "\n".join(wrong)


def test_every_case_belongs_to_a_group() -> None:
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(CASES)


CHECK_PACK = """
import shutil, tempfile, time
from pathlib import Path
from callguide.check import check_pack
from hostile.packs import say_flow, write_pack
from hostile.yaml_cases import CASES

names = {names!r}
root = write_pack(Path(tempfile.mkdtemp()) / "pack", {{"main.yaml": say_flow("Hello")}})
for name in names:
    (root / f"{{name}}.yaml").write_bytes(CASES[name].make())
started = time.process_time()
result = check_pack(root)
seconds = time.process_time() - started
for name in names:
    found = [p for p in result.problems if p.pos.file.endswith(f"/{{name}}.yaml")]
    report(name, verdict="refused" if found else "accepted", pack_cpu_seconds=seconds,
           problems=[[p.code, p.pos.line, p.pos.col, str(p)] for p in found])
others = [str(p) for p in result.problems if not any(p.pos.file.endswith(f"/{{n}}.yaml") for n in names)]
report("(rest of the pack)", verdict="accepted" if not others else "crash", pack_cpu_seconds=seconds, problems=others)
shutil.rmtree(root.parent)
"""


def test_a_pack_of_hostile_files_gets_one_problem_per_file(corpus: Corpus) -> None:
    """Through the whole checker: each hostile file is one problem at its place; the rest
    of the pack is still checked; nothing else goes wrong."""
    names = [name for name, case in CASES.items() if case.limits is None and "9_mb" not in name]
    outcome = run_snippet(CHECK_PACK.format(names=names))
    corpus.add("yaml/pack", outcome.reports)
    assert outcome.ok, outcome.describe()
    by_name = {report["input"]: report for report in outcome.reports}
    for name in names:
        case = CASES[name]
        assert [problem[:3] for problem in by_name[name]["problems"]] == [[case.code, case.line, case.col]], name
        assert f"/{name}.yaml:{case.line}:{case.col}: error {case.code}:" in by_name[name]["problems"][0][3]
    assert by_name["(rest of the pack)"]["problems"] == []
    assert by_name["(rest of the pack)"]["pack_cpu_seconds"] < MAX_PACK_CPU_SECONDS


PACK_LIMITS = """
import tempfile, time
from pathlib import Path
from callguide.check import check_pack
from hostile.packs import MANIFEST, say_flow, write_pack

deep = "a: " + "[" * 70 + "]" * 70 + "\\n"
for name, limits, expected in [
    ("raised past the hard maximum", "limits: {{max_depth: 1000}}\\n", "values are nested more than 64 levels deep"),
    ("lowered", "limits: {{max_depth: 4}}\\n", "values are nested more than 4 levels deep"),
    ("defaults", "", "values are nested more than 32 levels deep"),
]:
    root = write_pack(Path(tempfile.mkdtemp()) / "pack", {{"main.yaml": say_flow("Hi"), "deep.yaml": deep}},
                      manifest=MANIFEST + limits)
    started = time.process_time()
    problems = [str(p) for p in check_pack(root).problems]
    report(name, verdict="refused" if any(expected in p for p in problems) else "crash",
           cpu_seconds=time.process_time() - started, problems=problems)
"""


def test_pack_limits_are_configurable_within_the_hard_maxima(corpus: Corpus) -> None:
    outcome = run_snippet(PACK_LIMITS.format())
    corpus.add("yaml/pack-limits", outcome.reports)
    assert outcome.ok, outcome.describe()
    assert [report["verdict"] for report in outcome.reports] == [REFUSED] * 3, outcome.reports


MANY_FILES = """
import tempfile, time
from pathlib import Path
from callguide.check import check_pack
from hostile.packs import write_pack


flow = "flow: fNUM\\ntitle: FNUM\\nstart: a\\nsteps:\\n  a:\\n    say: Hello {{{{ x }}}}\\n    next: b\\n  b:\\n    end: resolved\\n"
files = {{f"f{{i}}.yaml": flow.replace("NUM", str(i)) for i in range(1500)}}
files["broken.yaml"] = "flow: [\\n"
root = write_pack(Path(tempfile.mkdtemp()) / "pack", files)
started = time.process_time()
problems = check_pack(root).problems
codes = sorted({{p.code for p in problems}})
report("1,500 flow files and a broken one", verdict="refused" if "yaml-syntax" in codes else "crash",
       pack_cpu_seconds=time.process_time() - started, problems=len(problems), codes=codes)
"""


def test_many_files_are_all_checked_within_the_limits(corpus: Corpus) -> None:
    """1,500 flows (each reading an undefined `x`) and one broken file: every problem is
    reported, in bounded time and memory."""
    outcome = run_snippet(MANY_FILES.format())
    corpus.add("yaml/many-files", outcome.reports)
    assert outcome.ok, outcome.describe()
    (found,) = outcome.reports
    assert found["codes"] == ["undefined-variable", "yaml-syntax"]
    assert found["problems"] == 1_501
    assert found["pack_cpu_seconds"] < MAX_PACK_CPU_SECONDS
