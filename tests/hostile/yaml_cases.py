"""Hostile YAML files: each builds its bytes (in the child process, so that nothing big
crosses a command line) and says what the reader must answer: the problem code and the
exact place. Positions count from 1, as `file:line:col`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class YamlCase:
    name: str
    make: Callable[[], bytes]
    code: str  # the problem code the reader must give
    line: int
    col: int
    says: str  # a part of the message
    limits: dict[str, int] | None = None  # a pack's own limits, if not the defaults


def _lines(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def _billion_laughs() -> bytes:
    """The classic: nine levels of nine aliases each, 352 bytes."""
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[level]
        rows.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return _lines(*rows)


def _merge_bomb() -> bytes:
    """Nested merge keys, each merging the level below nine times."""
    rows = ["a0: &a0 {k: v}"]
    rows += [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 9)}], k{i}: v}}" for i in range(1, 9)]
    return _lines(*rows)


CASES: dict[str, YamlCase] = {
    case.name: case
    for case in [
        # --- nesting: PyYAML's C composer segfaults near 40,000 levels -----------------------
        YamlCase(
            "brackets_40000_one_line",
            lambda: b"a: " + b"[" * 40_000 + b"]" * 40_000 + b"\n",
            "yaml-limit",
            1,
            1,
            "line is 80,003 characters long; the limit is 4,000",
        ),
        YamlCase(
            "brackets_40000_one_per_line",
            lambda: b"a: " + b"[\n" * 40_000 + b"]\n" * 40_000,
            "yaml-limit",
            33,
            1,
            "values are nested more than 32 levels deep",
        ),
        YamlCase(
            "braces_40000_one_per_line",
            lambda: b"a: " + b"{\n" * 40_000 + b"}\n" * 40_000,
            "yaml-limit",
            33,
            1,
            "values are nested more than 32 levels deep",
        ),
        YamlCase(
            "mixed_brackets_and_braces_40000",
            lambda: b"a: " + b"[{k: \n" * 20_000 + b"}]\n" * 20_000,
            "yaml-limit",
            17,
            1,
            "values are nested more than 32 levels deep",
        ),
        YamlCase(
            "brackets_hidden_behind_text",
            lambda: b"x: |\n" + b"".join(b"  " + b"]" * 3000 + b"\n" for _ in range(34)) + b"a: " + b"[\n" * 40_000,
            "yaml-limit",
            68,
            1,
            "values are nested more than 32 levels deep",
        ),
        YamlCase(
            "block_nesting_5000_levels_by_indentation",
            lambda: b"".join(b" " * i + b"k:\n" for i in range(5_000)),
            "yaml-limit",
            1,
            1,
            "the file is 12,512,500 bytes; the limit is 1,048,576",
        ),
        YamlCase(
            "block_sequences_2100_levels_on_one_line",
            lambda: b"- " * 2_100 + b"x\n",
            "yaml-limit",
            1,
            1,
            "line is 4,201 characters long; the limit is 4,000",
        ),
        YamlCase(
            "block_sequences_5000_levels_with_long_lines_allowed",
            lambda: b"- " * 5_000 + b"x\n",
            "yaml-limit",
            1,
            67,
            "values are nested more than 32 levels deep",
            limits={"max_line_length": 20_000},
        ),
        YamlCase(
            "block_nesting_within_line_limit",
            lambda: b"".join(b" " * i + b"k:\n" for i in range(100)),
            "yaml-limit",
            34,
            34,
            "values are nested more than 32 levels deep",
        ),
        YamlCase(
            "recursive_alias",
            lambda: b"a: &a [*a]\n",
            "yaml-limit",
            1,
            4,
            "values are nested more than 32 levels deep",
        ),
        # --- expansion: aliases and merge keys ------------------------------------------------
        YamlCase("billion_laughs", _billion_laughs, "yaml-limit", 4, 4, "more than 200 uses of `*alias`"),
        YamlCase("merge_key_bomb", _merge_bomb, "yaml-limit", 4, 10, "more than 100 merge keys (`<<`)"),
        YamlCase(
            "many_aliases_of_one_anchor",
            lambda: _lines("base: &b [1]", *(f"c{i}: *b" for i in range(5_000))),
            "yaml-limit",
            202,
            1,
            "more than 200 uses of `*alias`",
        ),
        YamlCase(
            "too_many_values",
            lambda: b"a: [" + b",\n".join(b",".join([b"1"] * 1_900) for _ in range(140)) + b"]\n",
            "yaml-limit",
            106,
            995,
            "the file holds more than 200,000 values",
        ),
        YamlCase(
            "too_many_values_block_style",
            lambda: b"a:\n" + b"- 1\n" * 262_000,
            "yaml-limit",
            199_999,
            3,
            "the file holds more than 200,000 values",
        ),
        # --- keys -------------------------------------------------------------------------------
        YamlCase(
            "duplicate_key",
            lambda: _lines("steps:", "  a: 1", "  b: 2", "  a: 3"),
            "duplicate-key",
            4,
            3,
            "the key `a` appears twice in this map (first on line 2)",
        ),
        YamlCase(
            "duplicate_key_quoted_and_plain",
            lambda: _lines("flow: main", '"flow": other'),
            "duplicate-key",
            2,
            1,
            "the key `flow` appears twice",
        ),
        YamlCase(
            "huge_key", lambda: b"k" * 300 + b": 1\n", "yaml-limit", 1, 1, "a key of 300 characters; the limit is 200"
        ),
        YamlCase(
            "huge_explicit_key",
            lambda: b'? "' + b"k" * 3_000 + b'"\n: 1\n',
            "yaml-limit",
            1,
            3,
            "a key of 3,000 characters; the limit is 200",
        ),
        YamlCase(
            "map_as_key",
            lambda: b"? {a: 1}\n: 1\n",
            "yaml-key",
            1,
            3,
            "a key must be a plain word or text, not a list or map",
        ),
        # --- tags ---------------------------------------------------------------------------------
        YamlCase(
            "python_object_apply",
            lambda: b'a: !!python/object/apply:os.system ["echo pwned"]\n',
            "yaml-tag",
            1,
            4,
            "the tag `!!python/object/apply:os.system` is not allowed",
        ),
        YamlCase(
            "python_name", lambda: b"a: !!python/name:os.system ''\n", "yaml-tag", 1, 4, "`!!python/name:os.system`"
        ),
        YamlCase(
            "python_module",
            lambda: b"a: !!python/module:subprocess ''\n",
            "yaml-tag",
            1,
            4,
            "`!!python/module:subprocess`",
        ),
        YamlCase(
            "python_object_new",
            lambda: b"a: !!python/object/new:subprocess.Popen [[id]]\n",
            "yaml-tag",
            1,
            4,
            "`!!python/object/new:subprocess.Popen`",
        ),
        YamlCase(
            "tag_directive_alias_for_python",
            lambda: b"%TAG ! tag:yaml.org,2002:python/object:\n---\na: !apply:os.system [id]\n",
            "yaml-tag",
            3,
            4,
            "`!!python/object:apply:os.system`",
        ),
        YamlCase("unknown_local_tag", lambda: b"a: !foo bar\n", "yaml-tag", 1, 4, "the tag `!foo` is not allowed"),
        YamlCase("verbatim_tag", lambda: b"a: !<tag:evil.com,2024:x> bar\n", "yaml-tag", 1, 4, "`tag:evil.com,2024:x`"),
        YamlCase("set_tag", lambda: b"a: !!set {x, y}\n", "yaml-tag", 1, 4, "the tag `!!set` is not allowed"),
        YamlCase(
            "binary_tag", lambda: b"a: !!binary aGVsbG8=\n", "yaml-tag", 1, 4, "the tag `!!binary` is not allowed"
        ),
        YamlCase("tagged_key", lambda: b"!!python/name:os.system : 1\n", "yaml-tag", 1, 1, "`!!python/name:os.system`"),
        # --- numbers --------------------------------------------------------------------------------
        YamlCase(
            "integer_5000_digits",
            lambda: b"a: " + b"9" * 5_000 + b"\n",
            "yaml-number",
            1,
            4,
            "the number `999999999999999999999999...` is too long",
            limits={"max_line_length": 20_000},
        ),
        YamlCase(
            "integer_5000_digits_default_limits",
            lambda: b"a: " + b"9" * 5_000 + b"\n",
            "yaml-limit",
            1,
            1,
            "line is 5,003 characters long",
        ),
        YamlCase(
            "negative_hex_huge",
            lambda: b"a: 0x" + b"f" * 3_000 + b"\n",
            "yaml-number",
            1,
            4,
            "is too long; quote it if it is text",
        ),
        YamlCase(
            "float_3000_digits", lambda: b"a: 1." + b"5" * 3_000 + b"\n", "yaml-number", 1, 4, "the number `1.55555"
        ),
        YamlCase("nan", lambda: b"a: .nan\n", "yaml-number", 1, 4, "`.nan` is not a number a call flow can use"),
        YamlCase("inf", lambda: b"a: .inf\n", "yaml-number", 1, 4, "`.inf` is not a number a call flow can use"),
        YamlCase("minus_inf", lambda: b"a: [1, -.Inf]\n", "yaml-number", 1, 8, "`-.Inf` is not a number"),
        YamlCase("nan_as_key_value_in_flow", lambda: b"a: {b: .NaN}\n", "yaml-number", 1, 8, "`.NaN` is not a number"),
        # --- sizes ------------------------------------------------------------------------------------
        YamlCase(
            "huge_scalar",
            lambda: b"a: |\n" + b"".join(b"  " + b"y" * 3_000 + b"\n" for _ in range(100)),
            "yaml-limit",
            2,
            3,
            "a text of 300,100 characters; the limit is 20,000",
        ),
        YamlCase(
            "huge_quoted_scalar",
            lambda: b'a: "' + b"\n  ".join([b"z" * 3_000] * 10) + b'"\n',
            "yaml-limit",
            1,
            4,
            "a text of 30,009 characters; the limit is 20,000",
        ),
        YamlCase(
            "long_line",
            lambda: b"a: 1\nb: " + b"x" * 5_000 + b"\n",
            "yaml-limit",
            2,
            1,
            "line is 5,003 characters long",
        ),
        YamlCase(
            "file_9_mb",
            lambda: b"a: 1\n" + (b"#" * 3_000 + b"\n") * 3_000,
            "yaml-limit",
            1,
            1,
            "the file is 9,003,005 bytes; the limit is 1,048,576",
        ),
        YamlCase(
            "file_9_mb_past_the_hard_maximum",
            lambda: b"a: 1\n" + (b"#" * 3_000 + b"\n") * 3_000,
            "yaml-limit",
            1,
            1,
            "the file is 9,003,005 bytes; the limit is 8,388,608",
            limits={"max_bytes": 100_000_000},
        ),
        YamlCase(
            "too_many_values_past_the_hard_maximum",
            lambda: b"a: [" + b",\n".join(b",".join([b"1"] * 5_000) for _ in range(104)) + b"]\n",
            "yaml-limit",
            60,
            9_995,
            "the file holds more than 300,000 values",
            limits={"max_nodes": 10_000_000, "max_bytes": 8_000_000, "max_line_length": 20_000},
        ),
        # --- encodings -----------------------------------------------------------------------------
        YamlCase(
            "utf16_le_bom",
            lambda: "a: 1\n".encode("utf-16"),
            "yaml-encoding",
            1,
            1,
            "the file is UTF-16; save it as UTF-8",
        ),
        YamlCase(
            "utf16_be_bom",
            lambda: ("\ufeff" + "a: 1\n").encode("utf-16-be"),
            "yaml-encoding",
            1,
            1,
            "the file is UTF-16",
        ),
        YamlCase("utf16_no_bom", lambda: "a: 1\n".encode("utf-16-le"), "yaml-encoding", 1, 1, "NUL character"),
        YamlCase("utf32", lambda: "a: 1\n".encode("utf-32"), "yaml-encoding", 1, 1, "save it as UTF-8"),
        YamlCase(
            "latin1", lambda: "a: 1\nb: café\n".encode("latin-1"), "yaml-encoding", 2, 7, "byte 0xe9 is not UTF-8"
        ),
        YamlCase("cp1251", lambda: "a: привет\n".encode("cp1251"), "yaml-encoding", 1, 4, "is not UTF-8"),
        YamlCase("nul", lambda: b"a: 1\nb: \x00\n", "yaml-encoding", 2, 1, "the file contains a NUL character"),
        YamlCase("encoded_surrogate", lambda: b"a: \xed\xa0\x80\n", "yaml-encoding", 1, 4, "byte 0xed is not UTF-8"),
        YamlCase("overlong_utf8", lambda: b"a: \xc0\xaf\n", "yaml-encoding", 1, 4, "byte 0xc0 is not UTF-8"),
        YamlCase("control_character", lambda: b"a: x\x07y\n", "yaml-encoding", 1, 5, "control character U+0007"),
        YamlCase("escape_sequence", lambda: b"say: \x1b[2Jhello\n", "yaml-encoding", 1, 6, "control character U+001B"),
        YamlCase(
            "unicode_line_separator",
            lambda: "say: one\u2028two\nnext: x\n".encode(),
            "yaml-encoding",
            1,
            9,
            "a line separator (U+2028) that YAML reads as a new line",
        ),
        YamlCase(
            "next_line_character", lambda: "a: x\x85y\n".encode(), "yaml-encoding", 1, 5, "line separator (U+0085)"
        ),
        YamlCase(
            "invalid_utf8_in_a_comment", lambda: b"a: 1 # \xff\n", "yaml-encoding", 1, 8, "byte 0xff is not UTF-8"
        ),
        # --- documents ------------------------------------------------------------------------------
        YamlCase(
            "two_documents",
            lambda: b"a: 1\n---\nb: 2\n",
            "yaml-syntax",
            3,
            1,
            "a file holds one YAML document; remove the `---` that starts a second",
        ),
        YamlCase(
            "hundred_thousand_documents",
            lambda: b"a: 1\n" + b"---\nb: 2\n" * 100_000,
            "yaml-syntax",
            3,
            1,
            "a file holds one YAML document",
            limits={"max_bytes": 1_000_000},
        ),
        YamlCase(
            "many_documents_within_size",
            lambda: b"a: 1\n" + b"---\n" * 200_000,
            "yaml-syntax",
            3,
            1,
            "a file holds one YAML document",
        ),
        YamlCase(
            "unknown_yaml_version", lambda: b"%YAML 9.9\n---\na: 1\n", "yaml-syntax", 1, 1, "incompatible YAML document"
        ),
    ]
}
