"""The engine's and the simulator's messages in the call's language (callguide.i18n)."""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Mapping
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from callguide import i18n
from callguide.cli.main import main
from callguide.clock import FrozenClock
from callguide.host import local_engine
from callguide.load.yaml_source import read_yaml
from callguide.model import AskStep, DoStep
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
BEELINE = ROOT / "flows" / "beeline"


def _source_messages() -> set[str | tuple[str, str]]:
    """Every `_()` / `ngettext()` message of the engine and the command line, as Babel sees it."""
    found: set[str | tuple[str, str]] = set()
    for folder in ("engine", "cli"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")]
        ):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", i18n.SHIPPED)
def test_every_message_is_translated_in_every_shipped_catalog(language: str) -> None:
    path = i18n.LOCALE / language / "LC_MESSAGES" / "callguide.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    translated = {
        (message.id if isinstance(message.id, str) else tuple(message.id)): message.string
        for message in catalog
        if message.id and all(message.string if isinstance(message.string, tuple) else [message.string])
    }
    missing = sorted(map(str, _source_messages() - set(translated)))
    assert missing == [], f"not in {path.name} of {language} (run `make catalogs` and translate): {missing}"
    for key, text in translated.items():  # a translation fills the same {fields} as its message
        wanted = _fields(key if isinstance(key, str) else key[1])
        for form in [text] if isinstance(text, str) else text:
            assert _fields(form) == wanted, (language, key, form)
    compiled = gettext.GNUTranslations((path.parent / "callguide.mo").open("rb"))
    for key, text in translated.items():  # the shipped .mo is the .po compiled
        if isinstance(key, str):
            assert compiled.gettext(key) == text, f"{language}: callguide.mo is stale - run `make catalogs`"


def test_a_call_speaks_its_packs_language_and_english_stays_the_default() -> None:
    engine, _ = local_engine(BEELINE, clock=FrozenClock("2026-11-23 10:00+03:00"))
    call = engine.start("incoming", {"agent": {"name": "Мария"}, "caller_number": "9260000000"})
    call.answer(None)
    call.answer("да")
    with pytest.raises(Exception, match="по запросу «926» ничего не найдено"):
        call.answer("926")
    assert i18n._("an answer is needed") == "an answer is needed"  # outside a call: English


def test_russian_plural_forms() -> None:
    token = i18n.use("ru")
    try:
        forms = [
            i18n.ngettext(
                "must be {digits} digit long (it has {count})", "must be {digits} digits long (it has {count})", n
            )
            for n in (1, 3, 10)
        ]
    finally:
        i18n.LANGUAGE.reset(token)
    assert [form.format(digits=n, count=0) for form, n in zip(forms, (1, 3, 10), strict=True)] == [
        "в номере должна быть 1 цифра (сейчас 0)",
        "в номере должно быть 3 цифры (сейчас 0)",
        "в номере должно быть 10 цифр (сейчас 0)",
    ]


def _data_words(root: Path) -> set[str]:
    """The Latin words the pack itself puts on the screen: names of flows, steps, options,
    effects, rules, outcomes, reasons, states and lookup fields, environment values and
    the sample data - not the YAML keywords nor the comments."""
    engine, _ = local_engine(root)
    pack = engine.pack
    names: set[str] = {*pack.flows, *pack.rules, *pack.outcome_names, *pack.effects, *pack.lookups}
    for flow in pack.flows.values():
        for step in flow.steps.values():
            names |= {step.id, step.effect if isinstance(step, DoStep) else ""}
            if isinstance(step, AskStep) and step.answer is not None:
                names |= {option.key for option in step.answer.options} | set(step.answer.search_by)
    for catalog in pack.catalogs.values():
        names |= {*catalog.reasons, *catalog.queues}
    for lifecycle in pack.lifecycles.values():
        names |= {*lifecycle.states, *lifecycle.transitions}
    names |= {str(value) for values in pack.environments.values() for value in _values(values)}
    names.add("lookup")  # a search is the effect `lookup.<source>`
    for path in root.rglob("*.yaml"):  # the pack's texts and sample data: every value written
        if "tests" not in path.relative_to(root).parts:
            names |= {str(value) for value in _values(read_yaml(path.read_bytes(), path.name).data)}
    return set(re.findall(r"[A-Za-z]+", " ".join(names)))


def _values(value: object) -> list[object]:
    """The scalars of a YAML document (or mapping), not its keys."""
    if isinstance(value, Mapping):
        return [item for inner in value.values() for item in _values(inner)]
    if isinstance(value, list):
        return [item for inner in value for item in _values(inner)]
    return [value]


def test_a_beeline_call_in_callguide_run_shows_no_english_word_outside_data() -> None:
    typed = [
        ":help",
        ":halp",  # a mistyped command
        "",  # greeting
        "да",
        "926",  # nothing found
        "",  # no customer
        "2",  # claim: greyed out without a customer
        "x",  # not an option
        "4",  # another question: consultation
        "ab",  # too short
        "Тариф и остаток пакета минут",
        "",
        "нет",  # nothing else
        "",  # goodbye
        "",  # wrap-up: the preset reason
        "",
        "",
    ]
    result = CliRunner().invoke(
        main,
        [
            *("run", str(BEELINE), "incoming", "--agent", "Мария"),
            "--input",
            "caller_number=9260000000",
            "--clock",
            "2026-11-23 10:00+03:00",
        ],
        input="\n".join(typed) + "\n",
        catch_exceptions=False,
    )
    out = result.output
    assert result.exit_code == 0, out
    assert "ничего не найдено" in out and "сейчас недоступно" in out and "нет среди вариантов" in out
    assert "должно быть не короче 3 символов (сейчас 2)" in out and "Запись звонка" in out
    assert ":hangup [как]" in out and "✗ нет команды `:halp` - может быть, `help`?" in out
    commands = {"back", "hangup", "data", "wait", "clock", "resolve", "JSON", "fail", "record", "quit", "help", "s"}
    allowed = _data_words(BEELINE) | set(re.findall(r"[A-Za-z]+", " ".join(typed))) | commands | {"callguide"}
    english = sorted(set(re.findall(r"\b[A-Za-z]+\b", out)) - allowed)
    assert english == [], out
