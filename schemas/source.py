"""The JSON Schemas of every callguide file kind, written once here.

`python -m callguide.schemas.source` writes them to `schemas/*.json` (what editors and
`callguide schema` use); a test keeps the files in step with this module. Each written
schema is self-contained (no cross-file `$ref`), so a YAML language server that reads it
from disk never needs the network. Every property has a `title` and a `description`: they
are the hover help an analyst sees.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from callguide.model import StepKind

Schema = dict[str, Any]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("pack", "flow", "rules", "catalog", "lifecycle", "worklist", "phrases", "scenario")

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
DOTTED = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
DURATION = r"^[0-9]+(\.[0-9]+)?\s*(s|m|h|d)$"


# shapes many keys share
NAME: Schema = {"type": "string", "pattern": IDENTIFIER}
STORED: Schema = {"type": "string", "pattern": DOTTED}
STRING: Schema = {"type": "string"}
FLAG: Schema = {"type": "boolean"}
REQUIRED_OR_OPTIONAL: Schema = {"enum": ["required", "optional"]}


def p(title: str, description: str, schema: Schema | None = None, **extra: Any) -> Schema:
    """A property: its hover help plus its shape."""
    return {"title": title, "description": description, **(schema or {}), **extra}


def ref(name: str, title: str, description: str) -> Schema:
    return {"title": title, "description": description, "$ref": f"#/$defs/{name}"}


def obj(properties: dict[str, Schema], required: tuple[str, ...] = (), **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def map_of(value: Schema, key_pattern: str = IDENTIFIER, **extra: Any) -> Schema:
    return {"type": "object", "propertyNames": {"pattern": key_pattern}, "additionalProperties": value, **extra}


# --- shapes shared by several file kinds -------------------------------------------------

END_EXTRAS: dict[str, Schema] = {
    "close": p(
        "Close",
        "With `end`: preset the wrap-up's 'close the request' flag (the agent may still change it unless the reason is locked).",
        FLAG,
    ),
    "description": {
        "$ref": "#/$defs/text",
        "title": "Description",
        "description": "With `end`: text the wrap-up's description starts with.",
    },
}

DEFS: dict[str, Schema] = {
    "text": {
        "title": "Text",
        "description": (
            "A Jinja template the agent reads, e.g. `Hello {{ customer.name }}`. Either one text in"
            " the pack's language, or a map from language code to text (`{en: ..., ru: ...}`)."
        ),
        "type": ["string", "object"],
        "propertyNames": {"pattern": "^[a-z]{2}(-[A-Z]{2})?$"},
        "additionalProperties": STRING,
        "minProperties": 1,
    },
    "condition": {
        "title": "Condition",
        "description": (
            "A Jinja expression, without `{{ }}`, that is true or false, e.g."
            " `reason == 'technical'` or `customer.balance > 0`."
        ),
        "type": ["string", "boolean"],
    },
    "duration": {
        "title": "Duration",
        "description": "A length of time: a number and a unit, `s`, `m`, `h` or `d`, e.g. `15s`, `4h`.",
        "type": "string",
        "pattern": DURATION,
    },
    "identifier": {
        "title": "Name",
        "description": "A name in lower case: letters, digits and `_`, starting with a letter.",
        "type": "string",
        "pattern": IDENTIFIER,
    },
    "action": obj(
        {
            "say": ref("text", "Say", "A line the agent reads to the caller."),
            "do": p("Do", "An effect the host performs, e.g. `sms.send`.", STORED),
            "with": p("With", "The effect's arguments; text values are templates.", {"type": "object"}),
            "transfer": ref(
                "text", "Transfer", "Transfer the call to this line or number; the call then ends as `transferred`."
            ),
            "switch": p("Switch", "Continue the call in this flow of the pack, from its start.", NAME),
            "end": p("End", "End the call with this outcome.", NAME),
            **END_EXTRAS,
            "reason": p("Reason", "The end-of-call reason the wrap-up starts with.", NAME),
        },
        title="Action",
        description="One thing a rule does when its limit is passed: `say`, `do`, `transfer`, `switch` or `end`.",
    ),
}

CASE = obj(
    {
        "if": ref(
            "condition",
            "If",
            "Take this branch when the condition is true; the first true branch wins. Leave it out on the last branch: the default.",
        ),
        "go": p("Go", "The step to go to.", NAME),
        "call": p("Call", "Run this flow of the pack as a sub-flow, then come back.", NAME),
        "then": p("Then", "With `call`: the step to continue at when the sub-flow ends.", NAME),
        "save": p("Save", "With `call`: store the sub-flow's outcome under this name.", STORED),
        "end": p(
            "End", "End the flow here with this outcome (`inherit`: the outcome the last sub-flow ended with).", NAME
        ),
        "reason": p("Reason", "With `end`: the end-of-call reason the wrap-up starts with.", NAME),
        **END_EXTRAS,
    },
    title="Branch",
    description="One branch: a condition and where it leads (`go`, `call` + `then`, or `end`).",
)

NEXT = {
    "title": "Next",
    "description": (
        "Where the call goes after this step: a step name, or a list of branches"
        " (`- if: condition` + `go: step`), the last one without `if`."
    ),
    "oneOf": [NAME, {"type": "array", "items": CASE, "minItems": 1}],
}

OPTIONS = {
    "title": "Options",
    "description": "The options the agent picks from: a map from option name to its label (`technical: Technical issue`), or a list of names.",
    "type": ["object", "array"],
    "propertyNames": {"pattern": r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$"},
    "additionalProperties": {
        "anyOf": [
            {"$ref": "#/$defs/text"},
            obj(
                {
                    "label": {"$ref": "#/$defs/text", "title": "Label", "description": "What the agent sees."},
                    "if": {
                        "$ref": "#/$defs/condition",
                        "title": "If",
                        "description": "The option can be picked only when this is true; otherwise it is shown greyed out.",
                    },
                    "else": {
                        "$ref": "#/$defs/text",
                        "title": "Else",
                        "description": "Why the option is greyed out, e.g. `no valid mobile number`.",
                    },
                },
                required=("label",),
            ),
        ]
    },
    "items": {"type": ["string", "integer"]},
    "minItems": 1,
    "minProperties": 1,
}

BOUND = {"type": ["string", "number"]}

ATTEMPTS = obj(
    {
        "max": p(
            "Max", "How many invalid answers the agent may give.", {"type": "integer", "minimum": 1, "maximum": 20}
        ),
        "then": p("Then", "What happens past the cap: a branch (`go`, `call` + `then`, or `end`).", CASE),
    },
    required=("max", "then"),
)

WARN = obj(
    {
        "if": ref("condition", "If", "Show the warning only when this is true."),
        "text": ref("text", "Text", "The warning the agent sees."),
    },
    required=("text",),
)

# --- steps: each key declared once, with the step kinds it belongs to --------------------

SPEAKING: tuple[StepKind, ...] = ("say", "ask", "do", "call", "end")  # steps with a line to read
MOVING: tuple[StepKind, ...] = ("say", "ask", "do", "call", "branch")  # steps with a `next`
EVERY: tuple[StepKind, ...] = (*SPEAKING, "branch")
BELONGS_TO_DO = "`{key}` belongs to a `do` step"
PRESETS_WRAPUP = "`{key}` presets the wrap-up: it belongs to an `end` step"


@dataclass(frozen=True, slots=True)
class StepKey:
    """One key a step may have: its shape and hover help, the step kinds it belongs to, what
    the loader says when it stands in a step of another kind (None: nothing is said), and how
    the loader reads it into the model's step: a text, a value as written, or an effect-style
    argument (texts inside are templates)."""

    name: str
    kinds: tuple[StepKind, ...]
    schema: Schema
    misplaced: str | None = None
    read: Literal["text", "value", "arg"] | None = None  # how the loader reads it (None: by hand)
    field: str | None = None  # the model's name for it, when it is not the key's
    spoken: bool = False  # a text read to the caller (the checker holds it to the forbidden phrases)


STEP_KEYS: tuple[StepKey, ...] = (
    StepKey(
        "say",
        SPEAKING,
        ref(
            "text",
            "Say",
            "A line the agent reads to the caller. Alone, it makes a *say* step; with `ask`, it is read first.",
        ),
        read="text",
        spoken=True,
    ),
    StepKey(
        "ask",
        ("ask",),
        ref(
            "text",
            "Ask",
            "A question for the caller; the answer type is given by `choice`, `yes_no`, `text`, `number`, `phone`, `email`, `date`, `time`, `datetime`, `multi` or `lookup`.",
        ),
        read="text",
        spoken=True,
    ),
    StepKey(
        "hint",
        EVERY,
        ref("text", "Hint", "A note for the agent only, shown under the text (never read aloud)."),
        read="text",
    ),
    StepKey(
        "title",
        EVERY,
        ref(
            "text",
            "Title",
            "A short heading of the step for the agent, shown above its text and in diagrams; never read aloud.",
        ),
        read="text",
    ),
    StepKey(
        "choice",
        ("ask",),
        OPTIONS | {"title": "Choice", "description": "The answer is one of these options: `key: label`."},
    ),
    StepKey(
        "multi",
        ("ask",),
        OPTIONS | {"title": "Multi-select", "description": "The answer is any number of these options (a list)."},
    ),
    StepKey("yes_no", ("ask",), p("Yes / no", "The answer is yes or no; stored as true or false.", {"const": True})),
    StepKey(
        "text",
        ("ask",),
        p(
            "Text answer",
            "A free-text answer: `true`, or constraints.",
            {
                "oneOf": [
                    {"const": True},
                    obj(
                        {
                            "min_length": p(
                                "Minimum length", "At least this many characters.", {"type": "integer", "minimum": 0}
                            ),
                            "max_length": p(
                                "Maximum length", "At most this many characters.", {"type": "integer", "minimum": 1}
                            ),
                            "pattern": p("Pattern", "A regular expression the whole answer must match.", STRING),
                            "message": ref(
                                "text", "Message", "What the agent is told when the pattern does not match."
                            ),
                        }
                    ),
                ]
            },
        ),
    ),
    StepKey(
        "number",
        ("ask",),
        p(
            "Number answer",
            "A number: `true`, or a range.",
            {
                "oneOf": [
                    {"const": True},
                    obj(
                        {
                            "min": p("Minimum", "The smallest number allowed.", {"type": "number"}),
                            "max": p("Maximum", "The largest number allowed.", {"type": "number"}),
                            "integer": p("Whole number", "Only whole numbers.", FLAG),
                        }
                    ),
                ]
            },
        ),
    ),
    StepKey(
        "phone",
        ("ask",),
        p(
            "Phone answer",
            "A phone number: `true` (the pack's phone rule), or a rule of its own.",
            {
                "oneOf": [
                    {"const": True},
                    obj(
                        {
                            "digits": p(
                                "Digits",
                                "The number must have exactly this many digits, e.g. 10.",
                                {"type": "integer", "minimum": 3, "maximum": 15},
                            ),
                            "region": p(
                                "Region",
                                "Two-letter country code: the number must be valid there (e.g. KE, RU, GB).",
                                {"type": "string", "pattern": "^[A-Z]{2}$"},
                            ),
                            "mobile": p("Mobile", "Only mobile numbers (e.g. for an SMS).", FLAG),
                        }
                    ),
                ]
            },
        ),
    ),
    StepKey("email", ("ask",), p("E-mail answer", "An e-mail address.", {"const": True})),
    StepKey(
        "date",
        ("ask",),
        p(
            "Date answer",
            "A date (YYYY-MM-DD; `today`, `tomorrow` and `+3d` are understood): `true`, or bounds.",
            {
                "oneOf": [
                    {"const": True},
                    obj(
                        {
                            "min": p("Earliest", "`today`, `today+1d`, `today-30d` or a date.", BOUND),
                            "max": p("Latest", "`today`, `today+90d` or a date.", BOUND),
                        }
                    ),
                ]
            },
        ),
    ),
    StepKey(
        "time",
        ("ask",),
        p(
            "Time answer",
            "A time of day (HH:MM): `true`, or bounds.",
            {
                "oneOf": [
                    {"const": True},
                    obj({"min": p("Earliest", "e.g. `08:00`.", BOUND), "max": p("Latest", "e.g. `21:00`.", BOUND)}),
                ]
            },
        ),
    ),
    StepKey(
        "datetime",
        ("ask",),
        p(
            "Date and time answer",
            "A date and time (YYYY-MM-DD HH:MM; `now+2h` is understood): `true`, or bounds.",
            {
                "oneOf": [
                    {"const": True},
                    obj(
                        {
                            "min": p("Earliest", "`now`, `now+2h` or a date-time.", BOUND),
                            "max": p("Latest", "`now+30d` or a date-time.", BOUND),
                        }
                    ),
                ]
            },
        ),
    ),
    StepKey(
        "lookup",
        ("ask",),
        p("Lookup", "The agent searches a source the host answers (e.g. `customers`) and picks one result.", NAME),
    ),
    StepKey(
        "by",
        ("ask",),
        p(
            "Search by",
            "With `lookup`: the fields the agent may search by.",
            {"type": "array", "items": NAME, "minItems": 1, "uniqueItems": True},
        ),
    ),
    StepKey(
        "show",
        ("ask",),
        ref("text", "Show", "With `lookup`: how each result is shown, e.g. `{{ item.name }} ({{ item.phone }})`."),
    ),
    StepKey(
        "save",
        ("ask", "do", "call"),
        p("Save", "Store the answer (or the effect's result) under this name, e.g. `caller.phone`.", STORED),
        read="value",
    ),
    StepKey(
        "default",
        ("ask",),
        p(
            "Default",
            "The answer used when the agent gives none; text values are templates.",
            {"type": ["string", "number", "boolean"]},
        ),
        read="arg",
    ),
    StepKey("optional", ("ask",), p("Optional", "The agent may leave the question unanswered.", FLAG)),
    StepKey(
        "attempts",
        ("ask",),
        p("Attempts", "Cap on invalid answers and what happens past it, so no agent is stuck.", ATTEMPTS),
    ),
    StepKey(
        "do",
        ("do",),
        p(
            "Do",
            "An effect the host performs: `sms.send`, `case.create`, `case.dispatch` (a lifecycle transition) ...",
            STORED,
        ),
        read="value",
        field="effect",
    ),
    StepKey(
        "with",
        ("do",),
        p("With", "The effect's arguments; text values are templates.", {"type": "object"}),
        BELONGS_TO_DO,
    ),
    StepKey(
        "confirm",
        ("do",),
        ref("text", "Confirm", "Ask the agent to confirm before the effect runs; `no` goes back."),
        BELONGS_TO_DO,
        read="text",
        spoken=True,
    ),
    StepKey(
        "on_failure",
        ("do", "ask"),
        p("On failure", "The step to go to when the effect fails (e.g. a fallback SMS provider).", NAME),
        BELONGS_TO_DO,
        read="value",
    ),
    StepKey(
        "call",
        ("call",),
        p("Call", "Run this flow of the pack as a sub-flow, then continue at `next`.", NAME),
        read="value",
    ),
    StepKey(
        "end",
        ("end",),
        p(
            "End",
            "End the flow with this outcome (in a sub-flow: return to the caller; `inherit`: the outcome the last sub-flow ended with).",
            NAME,
        ),
        read="value",
    ),
    StepKey(
        "reason",
        ("end",),
        p("Reason", "With `end`: the end-of-call reason the wrap-up starts with.", NAME),
        read="value",
    ),
    StepKey("close", ("end",), END_EXTRAS["close"], PRESETS_WRAPUP, read="value"),
    StepKey("description", ("end",), END_EXTRAS["description"], PRESETS_WRAPUP, read="text"),
    StepKey("next", MOVING, NEXT, "step `{step}` ends the flow; it cannot also have `next`"),
    StepKey(
        "set",
        EVERY,
        p(
            "Set",
            "Values computed when the step starts: `name: expression`.",
            map_of({"$ref": "#/$defs/condition"}, DOTTED),
        ),
    ),
    StepKey(
        "warn",
        EVERY,
        p(
            "Warnings",
            "Warnings shown to the agent on this step, each with an optional condition.",
            {"type": "array", "items": WARN},
        ),
    ),
    StepKey(
        "back",
        EVERY,
        p("Back", "Whether the agent may go back from this step (default: yes, unless an effect ran).", FLAG),
        read="value",
    ),
)

# The key that makes a step of each kind (`say` alone; with `ask`, `do`, `call` or `end` it is read first).
KIND_KEYS: dict[StepKind, str] = {
    "say": "say",
    "ask": "ask",
    "do": "do",
    "call": "call",
    "end": "end",
    "branch": "next",
}
KIND_HELP: dict[StepKind, str] = {
    "say": "A line the agent reads, then `next`.",
    "ask": "A question with a typed answer, stored under `save`.",
    "do": "An effect the host performs (an SMS, a case, a transfer...).",
    "call": "Another flow of the pack, run as a sub-flow.",
    "end": "The end of the flow, with its outcome.",
    "branch": "Only `next`, with branches on conditions.",
}


def step_schema(kind: StepKind | None = None) -> Schema:
    """A step of one kind, with only its keys (editors complete those), or any step (None)."""
    keys = [key for key in STEP_KEYS if kind is None or kind in key.kinds]
    if kind is None:
        title, description = "Step", "One step: `say`, `ask`, `do`, `call`, `end`, or only `next` with branches."
        return obj({key.name: key.schema for key in keys}, title=title, description=description, minProperties=1)
    title = "Branch step" if kind == "branch" else f"`{kind}` step"
    return obj({key.name: key.schema for key in keys}, (KIND_KEYS[kind],), title=title, description=KIND_HELP[kind])


FLOW: Schema = obj(
    {
        "flow": ref("identifier", "Flow", "The flow's name, used by `call:`, worklists and the command line."),
        "title": p("Title", "What the flow is for, in a few words.", STRING),
        "description": p("Description", "A longer note for analysts.", STRING),
        "start": ref("identifier", "Start", "The step the flow starts at."),
        "input": p(
            "Input",
            "Names the host passes when a call starts (e.g. `customer`, `task`), besides `agent`.",
            {"type": "array", "items": NAME, "uniqueItems": True},
        ),
        "access": p(
            "Access",
            "Who may start this flow.",
            obj(
                {
                    "if": ref(
                        "condition",
                        "If",
                        "The flow may start only when this is true, e.g. `'manual_outgoing' in agent.permissions`.",
                    ),
                    "message": ref("text", "Message", "What the agent is told otherwise."),
                },
                required=("if", "message"),
            ),
        ),
        "rules": p(
            "Rules",
            "The pack's rules that apply while the call is in this flow (default: all of them); `[]` for a procedure no caller hears, such as a checklist.",
            {"type": "array", "items": NAME, "uniqueItems": True},
        ),
        "migrate": p(
            "Migrate",
            "How calls in progress on an older version of this flow continue: old step name -> new step name.",
            map_of(NAME),
        ),
        "steps": p("Steps", "The steps, by name.", map_of({"$ref": "#/$defs/step"}, minProperties=1)),
    },
    required=("flow", "start", "steps"),
)

PACK: Schema = obj(
    {
        "pack": ref("identifier", "Pack", "The pack's name."),
        "title": p("Title", "The call centre or procedure this pack scripts.", STRING),
        "language": p(
            "Language",
            "The language of the pack's texts, e.g. `en`, `ru`.",
            {"type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$"},
        ),
        "languages": p(
            "Languages",
            "Other languages texts may be translated into.",
            {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$"}, "uniqueItems": True},
        ),
        "timezone": p("Time zone", "The centre's IANA time zone, e.g. `Africa/Nairobi`.", STRING),
        "calendar": p(
            "Business calendar",
            "Working days, hours and holidays, for `business_days` and opening-hours checks.",
            obj(
                {
                    "workdays": p(
                        "Working days",
                        "e.g. `[mon, tue, wed, thu, fri]`.",
                        {
                            "type": "array",
                            "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                            "uniqueItems": True,
                        },
                    ),
                    "hours": p(
                        "Opening hours", "e.g. `08:00-20:00`.", {"type": "string", "pattern": r"^\d\d:\d\d-\d\d:\d\d$"}
                    ),
                    "holidays": p(
                        "Holidays",
                        "Dates the centre is closed (YYYY-MM-DD).",
                        {"type": "array", "items": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d$"}},
                    ),
                }
            ),
        ),
        "phone": p(
            "Phone rule",
            "How phone answers are checked unless a question says otherwise.",
            obj(
                {
                    "digits": p(
                        "Digits", "Exactly this many digits, e.g. 10.", {"type": "integer", "minimum": 3, "maximum": 15}
                    ),
                    "region": p(
                        "Region", "Two-letter country code, e.g. `KE`.", {"type": "string", "pattern": "^[A-Z]{2}$"}
                    ),
                }
            ),
        ),
        "call_end": ref("identifier", "Call end", "The end-of-call catalog every call of the pack is wrapped up with."),
        "outcomes": p(
            "Outcomes",
            "Extra flow outcomes beyond the built-in ones, with their labels.",
            map_of({"$ref": "#/$defs/text"}),
        ),
        "effects": p(
            "Effects",
            "Effects the host provides beyond the built-in ones.",
            map_of(
                obj(
                    {
                        "description": p("Description", "What the effect does.", STRING),
                        "args": p("Arguments", "The arguments it requires.", {"type": "array", "items": NAME}),
                    }
                ),
                DOTTED,
            ),
        ),
        "lookups": p(
            "Lookups",
            "Sources an `ask ... lookup:` may search, with what they hold.",
            map_of(ref("text", "Label", "What the source holds.")),
        ),
        "forbidden": p(
            "Forbidden phrases",
            "Phrases no script text may contain (the checker reports them).",
            {
                "type": "array",
                "items": obj(
                    {
                        "pattern": p("Pattern", "A regular expression, case-insensitive.", STRING),
                        "message": p("Message", "Why it is forbidden.", STRING),
                    },
                    required=("pattern", "message"),
                ),
            },
        ),
        "schedules": p(
            "Schedules",
            "Timed work the engine's clock starts (e.g. the queue report every 30 minutes during the shift), by name.",
            map_of(
                obj(
                    {
                        "title": p("Title", "What the agent sees when it falls due.", {"type": "string"}),
                        "flow": ref("identifier", "Flow", "The flow started when the schedule falls due."),
                        "every": ref(
                            "duration", "Every", "How often, counted from midnight: `30m` falls due at :00 and :30."
                        ),
                        "during": p(
                            "During",
                            "`open`: only within the pack's calendar (working days and hours, the shift); `always`: day and night.",
                            {"enum": ["open", "always"]},
                        ),
                        "late": ref(
                            "duration",
                            "Late",
                            "How long a run may wait to be started before it is missed (default: until the next run falls due).",
                        ),
                        "missed": p(
                            "Missed",
                            "The effect asked for when a run is missed (`do` and `with`), e.g. notify the supervisor.",
                            obj(
                                {
                                    "do": p("Do", "The effect, e.g. `supervisor.notify`.", {"type": "string"}),
                                    "with": p(
                                        "With",
                                        "Its arguments (texts may read `env`, `schedule` and `due`).",
                                        {"type": "object"},
                                    ),
                                },
                                required=("do",),
                            ),
                        ),
                    },
                    required=("flow", "every"),
                )
            ),
        ),
        "environments": p(
            "Environments",
            "Values that differ between test and production (queue names, numbers, accounts); flows use them as `env.group.key`. The first is the default.",
            map_of(map_of({"type": ["object", "string", "number"]}), minProperties=1),
        ),
        "limits": p(
            "Limits",
            "Limits on the pack's YAML files (within hard maxima).",
            obj(
                {
                    name: p(
                        name.replace("_", " ").capitalize(),
                        "A limit on every YAML file of the pack.",
                        {"type": "integer", "minimum": 1},
                    )
                    for name in (
                        "max_bytes",
                        "max_line_length",
                        "max_depth",
                        "max_aliases",
                        "max_merges",
                        "max_nodes",
                        "max_scalar_length",
                        "max_key_length",
                    )
                }
            ),
        ),
    },
    required=("pack", "language", "call_end"),
)

RULE = obj(
    {
        "label": ref("text", "Label", "What the agent sees on the rule's button."),
        "warnings": p(
            "Warnings",
            "How many times the caller is warned; the next event passes the limit.",
            {"type": "integer", "minimum": 0, "maximum": 20},
        ),
        "warning": p(
            "Warning",
            "The phrase read at each warning: one text, or a list (one per warning).",
            {"anyOf": [{"$ref": "#/$defs/text"}, {"type": "array", "items": {"$ref": "#/$defs/text"}, "minItems": 1}]},
        ),
        "within": ref("duration", "Within", "Only events within this time count (e.g. `15s`)."),
        "then": p(
            "Then",
            "What happens when the limit is passed: one action or a list.",
            {
                "anyOf": [
                    {"$ref": "#/$defs/action"},
                    {"type": "array", "items": {"$ref": "#/$defs/action"}, "minItems": 1},
                ]
            },
        ),
    },
    required=("label", "then"),
)

RULES: Schema = obj(
    {"rules": p("Rules", "Events that may happen in any step of any flow of the pack.", map_of(RULE, minProperties=1))},
    required=("rules",),
)

CATALOG: Schema = obj(
    {
        "catalog": ref("identifier", "Catalog", "The catalog's name (the pack's `call_end` names one)."),
        "title": p("Title", "What the agent sees as the window's title.", STRING),
        "description": p(
            "Description", "Whether the agent must describe the call: `required` or `optional`.", REQUIRED_OR_OPTIONAL
        ),
        "reasons": p(
            "Reasons",
            "The end-of-call reasons.",
            map_of(
                obj(
                    {
                        "label": ref("text", "Label", "What the agent sees in the list."),
                        "close": p("Close", "Whether choosing this reason sets 'close the request'.", FLAG),
                        "locked": p("Locked", "The agent may not change the close flag.", FLAG),
                        "queue": p("Queue", "The queue an open request goes to.", NAME),
                        "description": p(
                            "Description", "Whether this reason needs a description.", REQUIRED_OR_OPTIONAL
                        ),
                    },
                    required=("label", "close"),
                ),
                minProperties=1,
            ),
        ),
        "queues": p("Queues", "Where open requests can go: `key: label`.", map_of({"$ref": "#/$defs/text"})),
    },
    required=("catalog", "reasons"),
)

LIFECYCLE: Schema = obj(
    {
        "lifecycle": ref(
            "identifier", "Lifecycle", "The entity's name, e.g. `case`; flows fire transitions as `do: case.dispatch`."
        ),
        "title": p("Title", "What the entity is.", STRING),
        "initial": p("Initial state", "The state a new entity starts in.", STRING),
        "states": p(
            "States",
            "Every state, with its label.",
            map_of(ref("text", "Label", "What the state means."), r"^[A-Za-z][A-Za-z0-9_\-]*$", minProperties=1),
        ),
        "transitions": p(
            "Transitions",
            "How the entity moves between states.",
            map_of(
                obj(
                    {
                        "label": ref("text", "Label", "The button's label."),
                        "from": p(
                            "From",
                            "The state(s) it may start from, or `any`.",
                            {"type": ["string", "array"], "items": STRING},
                        ),
                        "to": p("To", "The state it leads to.", STRING),
                        "if": ref("condition", "If", "A guard: the transition is refused unless this is true."),
                        "message": ref("text", "Message", "What the agent is told when the guard refuses."),
                        "comment": p("Comment", "Whether a comment is `required`.", REQUIRED_OR_OPTIONAL),
                        "warning": ref("text", "Warning", "Shown before the transition runs; the agent confirms."),
                    },
                    required=("from", "to"),
                ),
                minProperties=1,
            ),
        ),
    },
    required=("lifecycle", "initial", "states", "transitions"),
)

WORKLIST: Schema = obj(
    {
        "worklist": ref("identifier", "Worklist", "The worklist's name."),
        "title": p("Title", "What the agent sees.", STRING),
        "flow": ref("identifier", "Flow", "The flow that runs each task."),
        "methods": p(
            "Contact methods",
            "The chain of contact methods, in order, e.g. `[telephone, sms, email]`.",
            {
                "type": "array",
                "items": {"enum": ["telephone", "mobile", "sms", "email", "letter"]},
                "minItems": 1,
                "uniqueItems": True,
            },
        ),
        "waiting": p(
            "Waiting status",
            "The status a task waits in to be worked (a new task, one moved to its next method, cleared fields), in the host's words; `waiting` unless set, e.g. `awaiting_call`.",
            {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        ),
        "max_attempts": p(
            "Maximum attempts",
            "After this many attempts on the last method the task is removed.",
            {"type": "integer", "minimum": 1},
        ),
        "postpone": p(
            "Postpone",
            "How a task may be postponed.",
            obj(
                {
                    "choices": p(
                        "Choices",
                        "The delays the agent picks from, e.g. `[4h, 8h]`.",
                        {"type": "array", "items": {"$ref": "#/$defs/duration"}, "minItems": 1},
                    ),
                    "comment": p("Comment", "Whether a comment is `required`.", REQUIRED_OR_OPTIONAL),
                },
                required=("choices",),
            ),
        ),
        "outcomes": p(
            "Outcomes",
            "What each outcome of the task's flow does to the task.",
            map_of({"enum": ["done", "postpone", "next_method", "remove", "keep"]}),
        ),
    },
    required=("worklist", "flow", "methods"),
)

PHRASES: Schema = obj(
    {
        "phrases": p(
            "Phrases",
            "Standard phrases, used in any text as `{{ phrases.name }}`.",
            map_of({"$ref": "#/$defs/text"}, minProperties=1),
        )
    },
    required=("phrases",),
)

PLAY_ITEM = obj(
    {
        "answer": p(
            "Answer",
            "What the agent types or picks at the current step (`null` continues a line that was read).",
            {"type": ["string", "number", "boolean", "array", "null"]},
        ),
        "event": p("Event", "A rule event, e.g. `insult`.", NAME),
        "wait": ref("duration", "Wait", "Let time pass, e.g. `5s`."),
        "back": p("Back", "The agent goes back one step.", {"const": True}),
        "hangup": p(
            "Hang up",
            "The line drops (`true`) or the call ends now with this outcome.",
            {"type": ["boolean", "string"]},
        ),
        "resolve": p("Resolve", "The host's result for the effect the call waits for.", {}),
        "fail": p("Fail", "The host could not perform the effect the call waits for: the error message.", STRING),
        "expect": p(
            "Expect",
            "What must hold after this move (or now, alone): `step`, `kind`, `title`, `say`, `text`, `hint`, `notice`, `warnings`, `error`, `options`, `contains`, `pending`; `due` and `missed`: the schedule runs that fell due or were missed during it (`queue_report 10:30`).",
            {"type": "object"},
        ),
    },
    title="Move",
    description="One move of the agent or the host: `answer`, `event`, `wait`, `back`, `hangup`, `resolve` or `fail`, with what to `expect` after it.",
)

SCENARIO: Schema = obj(
    {
        "scenario": p("Scenario", "What the scenario shows, in a sentence.", STRING),
        "flow": ref("identifier", "Flow", "The flow the call starts in."),
        "schedule": ref(
            "identifier",
            "Schedule",
            "The call starts by itself: the clock runs on to this schedule's next run, which starts `flow`.",
        ),
        "given": p("Given", "The call's input: `agent`, `customer`, `case`, `task` ...", {"type": "object"}),
        "environment": p("Environment", "Which environment of the pack.", STRING),
        "language": p("Language", "The language the session speaks.", STRING),
        "clock": p("Clock", "The time the call starts, e.g. `2026-11-23 09:00`.", STRING),
        "effects": p(
            "Effect results",
            "Canned results by effect name: a value, `{fail: message}`, `pending` (the play resolves it), or a list for successive calls. Others are answered from the pack's sample data.",
            {"type": "object"},
        ),
        "down": p(
            "Providers down",
            "SMS providers that do not answer in this scenario, e.g. `[africas_talking]`.",
            {"type": "array", "items": STRING},
        ),
        "play": p("Play", "The moves, in order.", {"type": "array", "items": PLAY_ITEM}),
        "wrapup": p(
            "Wrap-up", "The agent's end-of-call form: `reason`, `close`, `queue`, `description`.", {"type": "object"}
        ),
        "expect": p(
            "Expect",
            "What must hold at the end: `path`, `outcome`, `ended`, `step`, `effects`, `record`, `answers`; `refused`: the message the call is refused with at its start (e.g. by `access`); `wrapup_refused`: the message the `wrapup:` form is refused with.",
            {"type": "object"},
        ),
    },
    required=("scenario", "flow"),
)

ROOTS: dict[str, tuple[str, str, Schema]] = {
    "pack": ("Pack manifest", "pack.yaml: a call centre's name, language, time zone, rules and catalogs.", PACK),
    "flow": ("Flow", "One call reason or procedure: a start step and a map of steps.", FLOW),
    "rules": ("Rules", "Events valid in every step of the pack: warnings, limits and what happens then.", RULES),
    "catalog": ("Catalog", "An end-of-call catalog: reasons, close flags, queues.", CATALOG),
    "lifecycle": ("Lifecycle", "The state machine of an entity that outlives a call (a case).", LIFECYCLE),
    "worklist": ("Worklist", "A queue of outbound call tasks and their contact-method chain.", WORKLIST),
    "phrases": ("Phrases", "Standard phrases shared by all flows of a pack.", PHRASES),
    "scenario": ("Scenario test", "A scripted call and what must come of it.", SCENARIO),
}


# Editors read `step`, a branch per step kind, so that they offer only the keys of the kind
# being written; the checker validates against `any_step` (every step key) and the loader
# says in an analyst's words which key does not fit the step's kind.
STEP_DEFS: dict[str, Schema] = {
    "step": {
        "title": "Step",
        "description": "One step: `say`, `ask`, `do`, `call`, `end`, or only `next` with branches.",
        "anyOf": [step_schema(kind) for kind in KIND_KEYS],
    },
    "any_step": step_schema(),
}


def schema(kind: str) -> Schema:
    """The complete, self-contained schema of one file kind."""
    title, description, body = ROOTS[kind]
    return {
        "$schema": DIALECT,
        "$id": f"https://callguide.dev/schemas/{kind}.json",
        "title": title,
        "description": description,
        **body,
        "$defs": {**DEFS, **(STEP_DEFS if kind == "flow" else {})},
    }


def render(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def write_all(folder: Path) -> None:
    for kind in KINDS:
        (folder / f"{kind}.json").write_text(render(kind), encoding="utf-8")


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
