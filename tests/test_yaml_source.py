"""Safe YAML reading: every refusal with its place, YAML 1.2 scalars, positions, and fuzzing.

Each refusal is asserted as the exact line an analyst sees (`file:line:col: error code:
message`); the hypothesis tests feed random and mutated files to the reader and to the whole
checker, which may only ever answer with problems, never with another exception.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from callguide.check import check_pack
from callguide.load.yaml_source import DEFAULT_LIMITS, Document, Limits, YamlProblem, read_yaml
from callguide.problems import Pos, Problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutation import paths

FLOWS = Path(__file__).resolve().parent.parent / "flows"
BUNDLED = sorted(path for path in FLOWS.glob("*/*.yaml"))
EXAMPLE_PACK = FLOWS / "bboxx"


def refusal(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """The problem `read_yaml` refuses `raw` with, as printed."""
    with pytest.raises(YamlProblem) as caught:
        read_yaml(raw, "f.yaml", limits)
    assert isinstance(caught.value.problem, Problem)
    assert str(caught.value) == str(caught.value.problem)
    return str(caught.value.problem)


def read(text: str) -> Document:
    return read_yaml(text.encode(), "f.yaml")


# --- syntax ----------------------------------------------------------------------------


def test_syntax_error_names_the_line_and_where_the_construct_started() -> None:
    assert refusal(b"a: 1\nb: [1, 2\nc: 3\n") == (
        "f.yaml:3:2: error yaml-syntax: YAML syntax: did not find expected ',' or ']'"
        " (while parsing a flow sequence at line 2, column 4)"
    )


def test_syntax_error_on_bad_indentation() -> None:
    assert refusal(b"a:\n  b: 1\n c: 2\n") == (
        "f.yaml:3:2: error yaml-syntax: YAML syntax: did not find expected key"
        " (while parsing a block mapping at line 1, column 1); check the indentation of this line"
    )


def test_syntax_error_text_with_colon_says_quote_it() -> None:
    assert refusal(b"say: Note: this\n") == (
        "f.yaml:1:10: error yaml-syntax: YAML syntax: mapping values are not allowed in this context;"
        " put a text that contains `: ` in quotes, or check the indentation"
    )


def test_syntax_error_tab_indentation() -> None:
    assert refusal(b"a:\n\tb: 1\n") == (
        "f.yaml:2:1: error yaml-syntax: YAML syntax: found character that cannot start any token"
        " (while scanning for the next token); indent with spaces, not tabs"
    )


def test_syntax_error_text_starting_with_reserved_character() -> None:
    assert refusal(b"say: @home\n") == (
        "f.yaml:1:6: error yaml-syntax: YAML syntax: found character that cannot start any token"
        " (while scanning for the next token); a text that starts with `@` must be in quotes"
    )


def test_syntax_error_unclosed_quote() -> None:
    assert refusal(b"a: 'abc\nb: 1\n") == (
        "f.yaml:3:1: error yaml-syntax: YAML syntax: found unexpected end of stream"
        " (while scanning a quoted scalar at line 1, column 4)"
    )


def test_unquoted_template_text_says_quote_it() -> None:
    assert refusal(b"say: {{ customer.name }}\n") == (
        'f.yaml:1:6: error yaml-key: a text that starts with `{{` must be in quotes: "{{ ... }}"'
    )
    assert refusal(b"say: {{ customer.name }} is here\n") == (
        "f.yaml:1:26: error yaml-syntax: YAML syntax: did not find expected key"
        ' (while parsing a block mapping at line 1, column 1); a text that starts with `{{` must be in quotes: "{{ ... }}"'
    )


def test_undefined_alias() -> None:
    assert refusal(b"a: *nope\n") == "f.yaml:1:4: error yaml-syntax: YAML syntax: found undefined alias"


def test_list_or_map_as_key() -> None:
    assert (
        refusal(b"? [a]\n: 1\n") == "f.yaml:1:3: error yaml-key: a key must be a plain word or text, not a list or map"
    )


def test_multi_document_file() -> None:
    assert refusal(b"a: 1\n---\nb: 2\n") == (
        "f.yaml:3:1: error yaml-syntax: a file holds one YAML document; remove the `---` that starts a second"
    )


def test_merge_key_needs_a_map() -> None:
    assert refusal(b"a: &x 1\nb:\n  <<: *x\n") == (
        "f.yaml:3:3: error yaml-syntax: a merge key `<<` takes a map or a list of maps"
    )


# --- keys, tags, numbers -----------------------------------------------------------------


def test_duplicate_key() -> None:
    assert refusal(b"steps:\n  a: 1\n  b: 2\n  a: 3\n") == (
        "f.yaml:4:3: error duplicate-key: the key `a` appears twice in this map (first on line 2);"
        " YAML would silently keep only the last one"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"a: !!python/object:os.system {}\n",
            "f.yaml:1:4: error yaml-tag: the tag `!!python/object:os.system` is not allowed in flow files;"
            " write plain values",
        ),
        (
            b"a: !!python/name:os.system x\n",
            "f.yaml:1:4: error yaml-tag: the tag `!!python/name:os.system` is not allowed in flow files;"
            " write plain values",
        ),
        (
            b"a: !foo bar\n",
            "f.yaml:1:4: error yaml-tag: the tag `!foo` is not allowed in flow files; write plain values",
        ),
        (
            b"a: !!set {x}\n",
            "f.yaml:1:4: error yaml-tag: the tag `!!set` is not allowed in flow files; write plain values",
        ),
        (
            b"a: !!binary aGVsbG8=\n",
            "f.yaml:1:4: error yaml-tag: the tag `!!binary` is not allowed in flow files; write plain values",
        ),
        (
            b"!!python/name:os.system : 1\n",
            "f.yaml:1:1: error yaml-tag: the tag `!!python/name:os.system` is not allowed in flow files;"
            " write plain values",
        ),
    ],
)
def test_tags_are_refused(raw: bytes, expected: str) -> None:
    assert refusal(raw) == expected


def test_explicit_str_tag_is_plain_text() -> None:
    assert read("a: !!str 12\n").data == {"a": "12"}


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.Inf"])
def test_non_finite_numbers(value: str) -> None:
    assert refusal(f"a: {value}\n".encode()) == (
        f"f.yaml:1:4: error yaml-number: `{value}` is not a number a call flow can use; quote it if it is text"
    )


def test_huge_integer() -> None:
    assert refusal(b"a: 1234567890123456789012\n") == (
        "f.yaml:1:4: error yaml-number: the number `1234567890123456789012...` is too long; quote it if it is text"
    )


def test_huge_float() -> None:
    assert refusal(b"a: 1." + b"1" * 50 + b"\n") == (
        "f.yaml:1:4: error yaml-number: the number `1.1111111111111111111111...` is too long"
    )


def test_longest_allowed_integer_is_read() -> None:
    assert read("a: 999999999999999999\n").data == {"a": 999_999_999_999_999_999}


# --- expansion and nesting limits --------------------------------------------------------


def test_alias_bomb_is_refused_where_the_alias_is_used() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    assert refusal(("\n".join(lines) + "\n").encode()) == (
        "f.yaml:4:5: error yaml-limit: more than 200 uses of `*alias`"
    )


def test_too_many_aliases_names_the_key_that_passes_the_limit() -> None:
    lines = ["base: &b [1]"] + [f"c{i}: *b" for i in range(250)]
    assert refusal(("\n".join(lines) + "\n").encode()) == (
        "f.yaml:202:1: error yaml-limit: more than 200 uses of `*alias`"
    )


def test_node_budget_catches_expansion_within_the_alias_cap() -> None:
    lines = ["a0: &a0 [" + ", ".join(["x"] * 50) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 40) + "]" for i in range(1, 4)]
    assert refusal(("\n".join(lines) + "\n").encode(), Limits(max_nodes=5_000)) == (
        "f.yaml:3:5: error yaml-limit: the file expands to more than 5,000 values (aliases?)"
    )


def test_merge_key_bomb() -> None:
    lines = ["m0: &m0 {k0: 1}"] + [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: 1}}" for i in range(1, 150)]
    assert refusal(("\n".join(lines) + "\n").encode()) == (
        "f.yaml:15:12: error yaml-limit: more than 100 merge keys (`<<`)"
    )


def test_many_merge_keys() -> None:
    lines = ["base: &b {x: 1}"] + [f"c{i}: {{<<: *b}}" for i in range(120)]
    assert refusal(("\n".join(lines) + "\n").encode()) == (
        "f.yaml:102:8: error yaml-limit: more than 100 merge keys (`<<`)"
    )


def test_merge_keys_keep_the_maps_own_values_and_places() -> None:
    document = read("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n")
    assert document.data == {"base": {"x": 1, "y": 2}, "c": {"y": 3, "x": 1}}
    assert document.pos(("c", "y")) == Pos("f.yaml", 4, 6)
    assert document.pos(("c", "y"), key=True) == Pos("f.yaml", 4, 3)
    assert document.pos(("c", "x")) == Pos("f.yaml", 1, 14)


def test_deep_flow_nesting() -> None:
    assert refusal(b"a: " + b"[" * 40 + b"]" * 40 + b"\n") == (
        "f.yaml:1:36: error yaml-limit: values are nested more than 32 levels deep"
    )


def test_deep_block_nesting() -> None:
    raw = "".join(" " * i + f"k{i}:\n" for i in range(40)).encode()
    assert refusal(raw) == "f.yaml:34:34: error yaml-limit: values are nested more than 32 levels deep"


def test_very_deep_nesting_is_refused_before_the_parser_can_crash() -> None:
    # Brackets inside a text must not hide real nesting from the guard: 100,000 levels
    # crash PyYAML's C composer (a segmentation fault, not an exception).
    closers = "x: |\n" + "".join("  " + "]" * 3000 + "\n" for _ in range(34))
    raw = (closers + "a: " + "[\n" * 100_000 + "]\n" * 100_000).encode()
    assert refusal(raw) == "f.yaml:68:1: error yaml-limit: values are nested more than 32 levels deep"


def test_brackets_in_texts_are_not_nesting() -> None:
    document = read("a: '" + "[" * 40 + "'\nb: |\n  " + "{" * 40 + "\n")
    assert document.data == {"a": "[" * 40, "b": "{" * 40 + "\n"}


def test_long_line() -> None:
    assert refusal(b"a: " + b"x" * 5000 + b"\n") == (
        "f.yaml:1:1: error yaml-limit: line is 5,003 characters long; the limit is 4,000"
    )


def test_long_line_on_a_later_line() -> None:
    assert refusal(b"a: 1\nb: " + b"x" * 5000 + b"\n") == (
        "f.yaml:2:1: error yaml-limit: line is 5,003 characters long; the limit is 4,000"
    )


def test_file_size() -> None:
    assert refusal(b"a: 1\n" + b"#" * 1_100_000 + b"\n") == (
        "f.yaml:1:1: error yaml-limit: the file is 1,100,006 bytes; the limit is 1,048,576"
    )


def test_long_key() -> None:
    assert refusal(b"k" * 300 + b": 1\n") == "f.yaml:1:1: error yaml-limit: a key of 300 characters; the limit is 200"


def test_long_text() -> None:
    raw = b"a: |\n" + b"".join(b"  " + b"y" * 1000 + b"\n" for _ in range(25))
    assert refusal(raw) == "f.yaml:2:3: error yaml-limit: a text of 25,025 characters; the limit is 20,000"


def test_limits_can_be_lowered() -> None:
    assert refusal(b"a: [[[1]]]\n", Limits(max_depth=2)) == (
        "f.yaml:1:6: error yaml-limit: values are nested more than 2 levels deep"
    )


def test_limits_are_capped_by_the_hard_maximum() -> None:
    assert Limits(max_depth=1_000).within(Limits(max_depth=64)).max_depth == 64


# --- encodings -------------------------------------------------------------------------


def test_not_utf8() -> None:
    assert refusal(b"a: 1\nb: caf\xe9\n") == (
        "f.yaml:2:7: error yaml-encoding: byte 0xe9 is not UTF-8; save the file as UTF-8"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16(encoding: str) -> None:
    raw = "a: 1\n".encode(encoding)
    if encoding != "utf-16":
        raw = ("\ufeff" + "a: 1\n").encode(encoding)
    assert refusal(raw) == "f.yaml:1:1: error yaml-encoding: the file is UTF-16; save it as UTF-8"


def test_nul_character() -> None:
    assert refusal(b"a: 1\nb: \x00\n") == (
        "f.yaml:2:1: error yaml-encoding: the file contains a NUL character; it is not a text file"
    )


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert read_yaml("\ufeffa: привет\n".encode(), "f.yaml").data == {"a": "привет"}


# --- scalars: YAML 1.2 core, not 1.1 -------------------------------------------------------


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "NO", "On", "OFF", "y", "n"])
def test_norway_problem_words_stay_text(word: str) -> None:
    assert read(f"answer: {word}\n").data == {"answer": word}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("false", False),
        ("True", True),
        ("FALSE", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("12", 12),
        ("-7", -7),
        ("012", 12),
        ("0x1F", 31),
        ("0o17", 15),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("'12'", "12"),
        ('"true"', "true"),
        ("08:00", "08:00"),
        ("1_000", "1_000"),
        ("2024-05-01", "2024-05-01"),
    ],
)
def test_scalars(text: str, value: Any) -> None:
    found = read(f"a: {text}\n").data["a"]
    assert found == value
    assert type(found) is type(value)


def test_empty_and_comment_only_files_are_nothing() -> None:
    assert read("").data is None
    assert read("# only a comment\n").data is None


# --- positions -------------------------------------------------------------------------


def test_positions_of_keys_and_values() -> None:
    document = read("flow: main\nsteps:\n  hello:\n    say: Hi\n    next:\n      - if: x\n        go: bye\n")
    assert document.pos(("flow",)) == Pos("f.yaml", 1, 7)
    assert document.pos(("flow",), key=True) == Pos("f.yaml", 1, 1)
    assert document.pos(("steps", "hello"), key=True) == Pos("f.yaml", 3, 3)
    assert document.pos(("steps", "hello", "say")) == Pos("f.yaml", 4, 10)
    assert document.pos(("steps", "hello", "next", 0)) == Pos("f.yaml", 6, 9)
    assert document.pos(("steps", "hello", "next", 0, "go")) == Pos("f.yaml", 7, 13)
    assert document.pos(("steps", "hello", "next", 0, "go"), key=True) == Pos("f.yaml", 7, 9)


def test_position_of_a_missing_value_is_its_nearest_parent() -> None:
    document = read("steps:\n  hello:\n    say: Hi\n")
    assert document.pos(("steps", "hello", "next")) == Pos("f.yaml", 3, 5)
    assert document.pos(("nothing", "here")) == Pos("f.yaml", 1, 1)


def test_block_text_starts_on_the_line_after_its_indicator() -> None:
    document = read("say: |\n  Hello\n  there\nfolded: >-\n    one\n    two\n")
    assert document.pos(("say",)) == Pos("f.yaml", 2, 3)
    assert document.pos(("folded",)) == Pos("f.yaml", 5, 5)


def test_flow_style_positions() -> None:
    document = read("reasons:\n  done: {label: Done, close: true}\n")
    assert document.pos(("reasons", "done", "close")) == Pos("f.yaml", 2, 30)
    assert document.pos(("reasons", "done", "close"), key=True) == Pos("f.yaml", 2, 23)


# --- fuzzing -----------------------------------------------------------------------------

TOKENS = [
    b"{{", b"}}", b"{%", b"[", b"]", b"{", b"}", b":", b"- ", b"\n", b"  ", b"&a ", b"*a", b"<<: ",
    b"!!str ", b"!!python/object ", b"true", b"null", b"'", b'"', b"#", b"|", b">", b"~", b"1e999",
    b".nan", b"\t", b"%", b"?", b"@", b"`", b"\xff", b"\x00", b"0x", b"---\n", b"if: x\n", b"go: ",
    b"next: ", b"end: ", b"call: ", b"save: ", b"say: ", b"ask: ", b"{{ x.y | nope }}", b"9" * 30,
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, sources: list[bytes]) -> bytes:
    """A bundled file with a few bytes or lines changed."""
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 5))):
        where = draw(st.integers(0, len(data)))
        operation = draw(st.integers(0, 4))
        if operation == 0:
            del data[where : where + draw(st.integers(1, 40))]
        elif operation == 1:
            data[where:where] = draw(st.sampled_from(TOKENS))
        elif operation == 2:
            data[where : where + 1] = bytes([draw(st.integers(0, 255))])
        else:
            lines = bytes(data).split(b"\n")
            first = draw(st.integers(0, len(lines) - 1))
            second = draw(st.integers(0, len(lines) - 1))
            if operation == 3:
                lines[first], lines[second] = lines[second], lines[first]
            else:
                lines.insert(second, lines[first])
            data = bytearray(b"\n".join(lines))
    return bytes(data)


BUNDLED_BYTES = [path.read_bytes() for path in BUNDLED]


def read_or_refuse(raw: bytes) -> None:
    try:
        read_yaml(raw, "f.yaml")
    except YamlProblem as err:
        assert isinstance(err.problem, Problem)
        assert err.problem.severity == "error"
        assert err.problem.pos.line >= 1
        assert err.problem.pos.col >= 1


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_random_text(text: str) -> None:
    read_or_refuse(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(raw: bytes) -> None:
    read_or_refuse(raw)


@settings(max_examples=150, deadline=None)
@given(mutated(BUNDLED_BYTES))
def test_fuzz_mutated_bundled_files(raw: bytes) -> None:
    read_or_refuse(raw)


# The example pack's flow files, read once: the examples must not depend on files that
# change while the tests run.
PACK_SOURCES = {path.name: path.read_bytes() for path in sorted(EXAMPLE_PACK.glob("*.yaml"))}
PACK_FILES = sorted(PACK_SOURCES)


def _plain_yaml(raw: bytes) -> Any:
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None


PARSED = {name: raw for name, raw in PACK_SOURCES.items() if isinstance(_plain_yaml(raw), dict)}


@pytest.fixture(scope="module")
def fuzz_pack() -> Iterator[Path]:
    """A copy of the example pack (its flow files only) to break one file at a time."""
    folder = Path(tempfile.mkdtemp(prefix="callguide-fuzz-"))
    root = folder / "pack"
    root.mkdir()
    for name, raw in PACK_SOURCES.items():
        (root / name).write_bytes(raw)
    yield root
    shutil.rmtree(folder, ignore_errors=True)


def check_with(root: Path, name: str, raw: bytes) -> None:
    """Check the pack with one file replaced: problems are fine, exceptions are not."""
    target = root / name
    original = target.read_bytes() if target.exists() else None
    target.write_bytes(raw)
    try:
        result = check_pack(root)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_bytes(original)
    for problem in result.problems:
        assert isinstance(problem, Problem)
        assert problem.pos.line >= 1 and problem.pos.col >= 1


@pytest.mark.slow_hostile
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzz_check_pack_with_a_mutated_file(fuzz_pack: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(PACK_FILES))
    raw = data.draw(mutated([PACK_SOURCES[name]]))
    check_with(fuzz_pack, name, raw)


# Values a mutation may put anywhere in a file: of every type, and names the checker resolves.
VALUES = st.sampled_from(
    [
        None, True, False, 0, -1, 7, 2.5, "", "x", "{{ x }}", "{{", "{% for a in b %}", [], {}, "any",
        "resolved", "case.create", "sms.send", ["a", "b"], {"a": "b"}, {"if": "x", "go": "start"},
        [{"if": "x"}], [{"go": "nowhere"}], {"en": "hi", "ru": "x"}, "today+3d", "25:00", "4h",
        {"max": 2, "then": {"end": "resolved"}}, {"min": 5, "max": 1}, {"digits": 10, "region": "XX"},
        "customers", "caller.phone", "agent", "{{ env.queues.x }}", "{{ phrases.x }}", "{{ rules.x }}",
        "{{ x | nofilter }}", "{{ x is nope }}", [{"text": "w", "if": "x"}], "(" * 200 + "x" + ")" * 200,
    ]
)  # fmt: skip
KEYS = st.sampled_from(
    [
        "say", "ask", "do", "call", "end", "next", "save", "with", "on_failure", "confirm", "choice", "yes_no",
        "text", "number", "phone", "date", "time", "datetime", "lookup", "by", "show", "multi", "email",
        "attempts", "set", "warn", "default", "optional", "reason", "if", "go", "then", "from", "to",
        "queue", "close", "input", "access", "migrate", "environments", "languages", "outcomes",
        "effects", "calendar", "holidays", "timezone", "warnings", "warning", "within", "limits",
    ]
)  # fmt: skip


@pytest.mark.slow_hostile
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzz_check_pack_with_changed_values(fuzz_pack: Path, data: st.DataObject) -> None:
    """Valid YAML with wrong values: reaches the schema and the checks of meaning."""
    name = data.draw(st.sampled_from(sorted(PARSED)))
    content = _plain_yaml(PARSED[name])
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(list(paths(content))))
        if not path:
            continue
        parent = content
        for part in path[:-1]:
            parent = parent[part]
        choice = data.draw(st.integers(0, 2))
        # a copy: the sampled values are shared, and a later round may change what it put in
        if choice == 0:
            parent[path[-1]] = copy.deepcopy(data.draw(VALUES))
        elif choice == 1 and isinstance(parent, dict):
            parent[data.draw(KEYS)] = copy.deepcopy(data.draw(VALUES))
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    check_with(fuzz_pack, name, yaml.safe_dump(content, allow_unicode=True).encode())
