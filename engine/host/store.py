"""An embedded SQLite store with a pack's sample data, and effect handlers backed by it.

The engine performs no I/O; hosts answer its effects. This is the host the command line
(and any quick embedding) uses out of the box: customers, cases, tasks and history come
from the pack's `data/*.yaml`, and every effect the flows ask for does something real here
(a case gets a number, a task moves on, a call record is kept).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from callguide.effects import EffectRequest
from callguide.entities import TASK_ACTIONS
from callguide.filters import sms_segments
from callguide.load.yaml_source import YamlProblem, read_yaml
from callguide.model import Pack
from callguide.problems import EffectFailed, StoreError

Handler = Callable[[EffectRequest], Any]

_SCHEMA = """
create table if not exists entities (kind text not null, id text not null, data text not null, primary key (kind, id));
create table if not exists calls (call_id text primary key, record text not null);
create table if not exists outbox (seq integer primary key autoincrement, effect text not null, args text not null);
"""


class Entities(Protocol):
    """What the effect handlers need of a store: this embedded `Store`, or the HTTP
    service's store that writes in the transaction of the move (`callguide.service`)."""

    down: set[str]

    def put(self, kind: str, key: Any, data: dict[str, Any]) -> dict[str, Any]: ...

    def get(self, kind: str, key: Any) -> dict[str, Any] | None: ...

    def all(self, kind: str) -> list[dict[str, Any]]: ...

    def next_id(self, kind: str, prefix: str) -> str: ...

    def next_like(self, kind: str, prefix: str) -> str: ...

    def search(self, kind: str, query: Any, fields: Iterable[str]) -> list[dict[str, Any]]: ...

    def sent(self, effect: str, args: dict[str, Any]) -> None: ...


class Store:
    """Entities by kind (`customers`, `cases`, `tasks`...), call records and an outbox."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self.lock = threading.Lock()
        self.down: set[str] = set()  # SMS providers the simulator treats as out of service

    # --- sample data ---------------------------------------------------------------------

    def load_folder(self, folder: Path) -> int:
        """Load every `data/*.yaml` (a list of records with `id`); returns how many."""
        return load_folder(self, folder)

    def load_effect_answers(self, folder: Path) -> None:
        """`data/effects/<effect>.yaml`: what the sample host answers for a pack's own effect."""
        load_effect_answers(self, folder)

    # --- entities ------------------------------------------------------------------------

    def put(self, kind: str, key: Any, data: dict[str, Any]) -> dict[str, Any]:
        record = {**data, "id": data.get("id", key)}
        with self.lock, self.db:
            self.db.execute(
                "insert or replace into entities values (?, ?, ?)", (kind, str(key), json.dumps(record, default=str))
            )
        return record

    def get(self, kind: str, key: Any) -> dict[str, Any] | None:
        row = self.db.execute("select data from entities where kind = ? and id = ?", (kind, str(key))).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        rows = self.db.execute("select data from entities where kind = ? order by rowid", (kind,)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def next_id(self, kind: str, prefix: str) -> str:
        taken = {record["id"] for record in self.all(kind)}
        number = len(taken) + 1001
        while f"{prefix}{number}" in taken:
            number += 1
        return f"{prefix}{number}"

    def next_like(self, kind: str, prefix: str) -> str:
        return next_like(self, kind, prefix)

    def search(self, kind: str, query: Any, fields: Iterable[str]) -> list[dict[str, Any]]:
        return search_records(self.all(kind), query, fields)

    # --- calls ---------------------------------------------------------------------------

    def save_call(self, record: dict[str, Any]) -> None:
        """Keep a call record; committed before this returns (the call is acknowledged)."""
        with self.lock, self.db:
            self.db.execute(
                "insert or replace into calls values (?, ?)", (record["call_id"], json.dumps(record, default=str))
            )

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(row[0]) for row in self.db.execute("select record from calls order by rowid")]

    def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        rows = self.db.execute("select effect, args from outbox order by seq").fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def sent(self, effect: str, args: dict[str, Any]) -> None:
        with self.lock, self.db:
            self.db.execute("insert into outbox (effect, args) values (?, ?)", (effect, json.dumps(args, default=str)))


def search_records(records: Iterable[dict[str, Any]], query: Any, fields: Iterable[str]) -> list[dict[str, Any]]:
    """Records whose fields contain the query (case-insensitive; digits alone for
    phone-like queries); `field=value` searches one field."""
    fields = list(fields)
    text = str(query).strip()
    if isinstance(query, dict) and query:
        fields, text = [str(next(iter(query)))], str(next(iter(query.values())))
    elif "=" in text:
        name, _, text = text.partition("=")
        fields = [name.strip()]
        text = text.strip()
    wanted = _fold(text)
    found = []
    for record in records:
        values = [record.get(name) for name in fields] if fields else list(record.values())
        if any(wanted and wanted in _fold(value) for value in _flatten(values)):
            found.append(record)
    return found


_NUMBERED = re.compile(r"(.*?)([0-9]+)")


def next_like(store: Entities, kind: str, prefix: str) -> str:
    """A new ID shaped like the sample data's (`1-48213` -> `1-48456`, the next after the
    highest), so that a new case looks like the operator's; `next_id` without sample IDs."""
    shapes = [found.groups() for record in store.all(kind) if (found := _NUMBERED.fullmatch(str(record["id"])))]
    if not shapes:
        return store.next_id(kind, prefix)
    common = Counter(head for head, _ in shapes).most_common(1)[0][0]
    digits = [number for head, number in shapes if head == common]
    return f"{common}{max(map(int, digits)) + 1:0{max(map(len, digits))}d}"


def _fold(value: Any) -> str:
    text = str(value).casefold() if value is not None else ""
    digits = re.sub(r"[\s\-()+.]", "", text)
    return digits if digits.isdigit() else text


def _flatten(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flatten(value)
        elif isinstance(value, dict):
            yield from _flatten(value.values())
        elif value is not None:
            yield value


def load_folder(store: Entities, folder: Path) -> int:
    """Load every `data/*.yaml` (a list of records with `id`); returns how many."""
    count = 0
    for path in sorted(folder.glob("*.yaml")):
        try:
            records = read_yaml(path.read_bytes(), str(path)).data or []
        except YamlProblem as problem:
            raise StoreError(str(problem.problem)) from None
        if not isinstance(records, list):
            raise StoreError(f"{path}: sample data is a list of records")
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise StoreError(f"{path}: record {index + 1} is not a map")
            store.put(path.stem, record.get("id", f"{path.stem}-{index + 1}"), record)
            count += 1
    return count


def load_effect_answers(store: Entities, folder: Path) -> None:
    """`data/effects/<effect>.yaml`: what the sample host answers for a pack's own effect."""
    for path in sorted(folder.glob("*.yaml")):
        try:
            answer = read_yaml(path.read_bytes(), str(path)).data
        except YamlProblem as problem:
            raise StoreError(str(problem.problem)) from None
        store.put("effect-answers", path.stem, {"answer": answer})


class StoreHandlers:
    """Effect handlers for a pack, backed by a `Store`."""

    def __init__(self, pack: Pack, store: Entities) -> None:
        self.pack = pack
        self.store = store

    def mapping(self, effects: Iterable[str]) -> dict[str, Handler]:
        """A handler for every effect the pack may ask for (and for every lookup)."""
        handlers: dict[str, Handler] = {name: self.generic(name) for name in effects}
        specific: dict[str, Handler] = {
            "sms.send": self.sms,
            "email.send": self.email,
            "case.create": self.case_create,
            "case.comment": self.case_comment,
            "case.find": self.case_find,
            "customer.history": self.history,
            "customer.note": self.note,
            "customer.update": self.customer_update,
            "callback.schedule": self.callback,
            "call.transfer": self.transfer,
            "report.submit": self.report,
        }
        handlers.update({name: handler for name, handler in specific.items() if name in handlers})
        for name in list(handlers):
            head, _, _ = name.partition(".")
            if self.pack.transition_of(name) is not None:
                handlers[name] = self.lifecycle
            elif name == "task.create":
                handlers[name] = self.task_create
            elif head == "task" and name.partition(".")[2] in TASK_ACTIONS:
                handlers[name] = self.task
        handlers["lookup"] = self.lookup
        return handlers

    def generic(self, name: str) -> Handler:
        """A pack's own effect: recorded, and answered as `data/effects/<name>.yaml` says: a
        sample answer, or a query of the sample data (`from: kind`, `match: {field: argument}`,
        `one: true` for a single record)."""

        def handle(request: EffectRequest) -> Any:
            self.store.sent(name, dict(request.args))
            sample = self.store.get("effect-answers", name)
            if sample is None:
                return {"status": "done", "id": f"{name}-{request.id}"}
            answer = sample["answer"]
            if not (isinstance(answer, dict) and "from" in answer):
                return answer
            match = answer.get("match") or {}
            found = [
                record
                for record in self.store.all(str(answer["from"]))
                if all(str(record.get(field)) == str(request.args.get(arg)) for field, arg in match.items())
            ]
            if not answer.get("one"):
                return found
            if not found:
                raise EffectFailed(f"nothing in {answer['from']} for {dict(request.args)}")
            return found[0]

        return handle

    def lookup(self, request: EffectRequest) -> Any:
        args = request.args
        return self.store.search(str(args["source"]), args.get("query", ""), args.get("by") or [])

    def sms(self, request: EffectRequest) -> Any:
        args = request.args
        provider = str(args.get("provider") or "default")
        if provider in self.store.down:
            raise EffectFailed(f"SMS provider {provider} is not answering")
        text = str(args.get("text", ""))
        self.store.sent("sms.send", dict(args))
        return {"status": "sent", "provider": provider, "segments": sms_segments(text)}

    def email(self, request: EffectRequest) -> Any:
        self.store.sent("email.send", dict(request.args))
        return {"status": "sent"}

    def case_create(self, request: EffectRequest) -> Any:
        initial = next(
            (lifecycle.initial for lifecycle in self.pack.lifecycles.values() if lifecycle.name == "case"), "OPEN"
        )
        key = self.store.next_like("cases", "C-")
        record = {**request.args, "id": key, "status": request.args.get("status") or initial, "history": []}
        return self.store.put("cases", key, record)

    def case_find(self, request: EffectRequest) -> Any:
        found = self.store.get("cases", request.args.get("id"))
        if found is None:
            raise EffectFailed(f"no case with the ID {request.args.get('id')}")
        return found

    def case_comment(self, request: EffectRequest) -> Any:
        key = request.args.get("id") or request.args.get("case")
        found = self.store.get("cases", key) or {"id": key}
        found.setdefault("history", []).append({"comment": request.args.get("comment")})
        return self.store.put("cases", key, found)

    def lifecycle(self, request: EffectRequest) -> Any:
        args = request.args
        kind = f"{request.name.split('.')[0]}s"
        found = self.store.get(kind, args.get("id")) or {"id": args.get("id")}
        found["status"] = args["to"]
        found.setdefault("history", []).append(
            {"transition": args["transition"], "from": args["from"], "comment": args.get("comment")}
        )
        self.store.put(kind, found["id"], found)
        return {"id": found["id"], "status": args["to"]}

    def task(self, request: EffectRequest) -> Any:
        args = request.args
        becomes = args.get("becomes") or {}
        if becomes.get("id"):
            self.store.put("tasks", becomes["id"], becomes)
        return {"task": becomes.get("id"), "status": becomes.get("status")}

    def task_create(self, request: EffectRequest) -> Any:
        """A new task on a worklist (e.g. a manual call postponed to later)."""
        key = self.store.next_id("tasks", "T-")
        worklist = self.pack.worklists.get(str(request.args.get("worklist")))
        record = {
            "method": worklist.methods[0] if worklist else None,
            "attempts": 0,
            "status": worklist.waiting if worklist else "waiting",
            **request.args,
            "id": key,
        }
        return self.store.put("tasks", key, record)

    def history(self, request: EffectRequest) -> Any:
        customer = request.args.get("customer")
        entries = [entry for entry in self.store.all("history") if str(entry.get("customer")) == str(customer)]
        return sorted(entries, key=lambda entry: str(entry.get("date", "")), reverse=True)

    def note(self, request: EffectRequest) -> Any:
        key = self.store.next_id("history", "H-")
        return self.store.put("history", key, {**request.args, "id": key})

    def customer_update(self, request: EffectRequest) -> Any:
        key = request.args.get("id") or request.args.get("customer")
        found = self.store.get("customers", key) or {"id": key}
        found.update({name: value for name, value in request.args.items() if name not in ("id", "customer")})
        return self.store.put("customers", key, found)

    def callback(self, request: EffectRequest) -> Any:
        key = self.store.next_id("callbacks", "CB-")
        return self.store.put("callbacks", key, {**request.args, "id": key})

    def transfer(self, request: EffectRequest) -> Any:
        self.store.sent("call.transfer", dict(request.args))
        return {"status": "transferred", "to": request.args.get("to")}

    def report(self, request: EffectRequest) -> Any:
        key = self.store.next_id("reports", "R-")
        return self.store.put("reports", key, {**request.args, "id": key})
