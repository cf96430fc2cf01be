"""Answer types: what the agent may type, what is stored, and the message when it is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from callguide.answers import Choice, Options, parse, pick, valid_email, valid_phone, yes_no
from callguide.model import Answer
from callguide.problems import InputError, Pos

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AT = Pos("flow.yaml", 1, 1)


def answer(kind: str, **settings: Any) -> Answer:
    return Answer(kind, AT, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["yes", "Y", "true", "да", True, "1"])
def test_yes(raw: Any) -> None:
    assert yes_no(raw) is True


@pytest.mark.parametrize("raw", ["no", "N", "false", "нет", False, "0"])
def test_no(raw: Any) -> None:
    assert yes_no(raw) is False


def test_yes_no_refuses_anything_else() -> None:
    with pytest.raises(InputError, match="answer yes or no, not `maybe`"):
        yes_no("maybe")


def test_pick_by_key_number_or_label_and_refuse_the_rest() -> None:
    options = [Choice("yes", "Yes please"), Choice("no", "No thanks")]
    assert [pick(options, raw) for raw in ("yes", "2", "no thanks")] == ["yes", "no", "no"]
    with pytest.raises(InputError, match=r"`3` is not one of the options: 1\. Yes please, 2\. No thanks"):
        pick(options, "3")


@pytest.mark.parametrize("made", [list, Options])
def test_pick_prefers_a_key_to_a_number_to_a_label_and_the_first_of_equal_spellings(made: type) -> None:
    options = made([Choice("later", "Call back"), Choice("1", "Later"), Choice("CALL", "Call back")])
    picked = [pick(options, raw) for raw in ("Later", "1", "2", " call back ", "call", "Call")]
    assert picked == ["later", "1", "1", "later", "CALL", "CALL"]


def test_multi_select_keeps_order_and_drops_repeats() -> None:
    options = [Choice("a", "A"), Choice("b", "B"), Choice("c", "C")]
    assert parse(answer("multi"), "3, 1, c", options=options, now=NOW) == ["c", "a"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("07123456", "must be 10 digits long (it has 8)"),
        ("07-123 abc", "`07-123 abc` is not a phone number: use digits only"),
    ],
)
def test_phone_with_a_digit_rule(raw: str, message: str) -> None:
    with pytest.raises(InputError) as refused:
        parse(answer("phone"), raw, now=NOW, phone_digits=10)
    assert refused.value.message == message


def test_phone_is_stored_without_separators_and_checked_by_region() -> None:
    assert parse(answer("phone", region="GB"), "07911 123456", now=NOW) == "07911123456"
    with pytest.raises(InputError, match="is not a valid phone number of GB"):
        parse(answer("phone", region="GB"), "0770090012", now=NOW)
    with pytest.raises(InputError, match="is not a mobile number"):
        parse(answer("phone", region="GB", mobile=True), "0161 496 0123", now=NOW)


def test_stored_contact_details_can_be_tested() -> None:
    assert valid_phone("07911 123456", None, "GB", mobile=True)
    assert not valid_phone(None, None, "GB")
    assert valid_email("a@example.com") and not valid_email("a@example")


def test_text_lengths_and_pattern_with_the_analysts_message() -> None:
    spec = answer("text", min_length=2, max_length=5, pattern="[A-Z]+")
    assert parse(spec, " ABC ", now=NOW) == "ABC"
    with pytest.raises(InputError, match=r"must be at most 5 characters long \(it has 6\)"):
        parse(spec, "ABCDEF", now=NOW)
    with pytest.raises(InputError, match="`ab` does not have the expected form"):
        parse(spec, "ab", now=NOW)


def test_numbers() -> None:
    assert parse(answer("number"), "1 234,5", now=NOW) == 1234.5
    with pytest.raises(InputError, match="`nan` is not a number"):
        parse(answer("number"), "nan", now=NOW)
    with pytest.raises(InputError, match="must be at least 1"):
        parse(answer("number", minimum=1), "0", now=NOW)


def test_dates_times_and_relative_bounds() -> None:
    assert parse(answer("date"), "tomorrow", now=NOW) == "2026-11-24"
    assert parse(answer("date"), "+3d", now=NOW) == "2026-11-26"
    assert parse(answer("datetime"), "now+2h", now=NOW) == "2026-11-23 12:00"
    assert parse(answer("time", minimum="08:00", maximum="21:00"), "09:30", now=NOW) == "09:30"
    with pytest.raises(InputError, match="must not be later than 21:00"):
        parse(answer("time", minimum="08:00", maximum="21:00"), "22:00", now=NOW)
    with pytest.raises(InputError, match="`31/12` is not a date: write YYYY-MM-DD"):
        parse(answer("date", minimum="today"), "31/12", now=NOW)
    with pytest.raises(InputError, match="must not be earlier than 2026-11-23"):
        parse(answer("date", minimum="today"), "2026-01-01", now=NOW)


@pytest.mark.parametrize("kind", ["date", "time", "datetime"])
@pytest.mark.parametrize("typed", ["+999999999d", "today-99999999d", "now+99999999999999999999h", f"+{'9' * 5000}d"])
def test_a_relative_moment_past_the_calendar_is_refused(kind: str, typed: str) -> None:
    with pytest.raises(InputError) as refused:
        parse(answer(kind), typed, now=NOW)
    assert refused.value.message == f"`{typed}` is too far from now"


def test_email() -> None:
    assert parse(answer("email"), "jo@example.co.uk", now=NOW) == "jo@example.co.uk"
    with pytest.raises(InputError, match="is not an e-mail address"):
        parse(answer("email"), "jo@", now=NOW)


def test_huge_answers_are_refused() -> None:
    with pytest.raises(InputError, match="at most 10,000 are accepted"):
        parse(answer("text"), "x" * 10_001, now=NOW)


def test_only_a_pack_that_checks_numbers_by_region_imports_phonenumbers(tmp_path: Path) -> None:
    """`phonenumbers` takes about 20 ms to import: a process whose pack checks no number by
    region never pays for it; one whose pack does (bboxx, region KE) loads it with the pack."""
    import subprocess
    import sys

    from test_cli_validate import GOOD, write_pack

    plain = write_pack(tmp_path / "plain", main=GOOD)
    script = "import sys\nfrom callguide import Engine\nEngine.load(sys.argv[1])\nprint('phonenumbers' in sys.modules)"
    for pack, imported in ((plain, "False"), (Path(__file__).resolve().parents[1] / "flows" / "bboxx", "True")):
        done = subprocess.run([sys.executable, "-c", script, str(pack)], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == imported, (pack, done.stderr)


def test_a_typed_number_is_checked_anew_and_what_it_says_is_kept_for_conditions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import callguide.answers as answers

    checked: list[str] = []
    plan_problem = answers._plan_problem

    def counted(compact: str, region: str, mobile: bool) -> str | None:
        checked.append(compact)
        return plan_problem(compact, region, mobile)

    monkeypatch.setattr(answers, "_plan_problem", counted)
    monkeypatch.setattr(answers, "_CHECKED", {})
    for _ in range(2):  # typed twice (two calls): checked each time
        assert parse(answer("phone", region="GB"), "07911 123456", now=NOW) == "07911123456"
    assert answers.valid_phone("07911123456", None, "GB")  # a condition on the stored number
    assert answers.valid_phone("07911 123456", None, "GB")
    assert checked == ["07911123456", "07911123456"]
