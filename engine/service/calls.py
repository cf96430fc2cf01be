"""Calls in the service: start a session, move it, read it; one transaction per accepted move.

A move locks the session's row, checks the version the caller was shown, applies the move to
the engine's session and writes, in the same transaction, the new snapshot and version, the
ids of the effects the move performed (with what those effects wrote: cases, tasks...), the
call record when the call is over, and the response for the idempotency key. Sessions stay
in a small cache of this process keyed by id and version: a move whose version is the cached
one needs no resume; any other (a move made by another instance) resumes from the store.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from callguide.problems import CallguideError, InputError, SessionBusy, SnapshotError
from callguide.service import work
from callguide.service.auth import Identity
from callguide.service.db import Database, Row, Tx
from callguide.service.entities import bound, dumps
from callguide.service.metrics import METRICS
from callguide.service.packs import Loaded, Packs
from callguide.service.problems import ApiProblem, not_found
from callguide.session import Session

_SESSION_COLUMNS = "id, pack, flow, owner, version, ended, outcome, started, updated, pack_version, view_json, language"
Move = Callable[[Session], Any]


@dataclass(frozen=True, slots=True)
class Reply:
    """A response made once and kept (the idempotency key's answer): status and JSON body."""

    status: int
    body: bytes


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def session_json(row: Row) -> dict[str, Any]:
    """A session as the API shows it, from its row (`_SESSION_COLUMNS`); the view is the
    JSON kept in the row, put in as it is (not parsed and written again)."""
    return {
        "id": row[0],
        "pack": row[1],
        "flow": row[2],
        "owner": row[3],
        "version": row[4],
        "ended": bool(row[5]),
        "outcome": row[6],
        "started": row[7],
        "updated": row[8],
        "pack_version": row[9],
        "view": orjson.Fragment(row[10]),
        "language": row[11],
    }


def view_text(session: Session) -> str:
    """The session's view as JSON (orjson writes the view's dataclass as it is)."""
    return orjson.dumps(session.view, default=str).decode()


def fingerprint(kind: str, body: Any) -> str:
    return hashlib.sha256(orjson.dumps([kind, body], option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


class Calls:
    def __init__(self, db: Database, packs: Packs, cache_size: int = 10_000) -> None:
        self.db = db
        self.packs = packs
        self.cache: OrderedDict[str, tuple[int, Session]] = OrderedDict()
        self.cache_size = cache_size
        self.cache_lock = threading.Lock()

    # --- the cache of live sessions ------------------------------------------------------

    def _cached(self, session_id: str, version: int) -> Session | None:
        with self.cache_lock:
            found = self.cache.get(session_id)
            if found is None or found[0] != version:
                return None
            self.cache.move_to_end(session_id)
            return found[1]

    def _keep(self, session_id: str, version: int, session: Session) -> None:
        with self.cache_lock:
            if session.ended:
                self.cache.pop(session_id, None)
                return
            self.cache[session_id] = (version, session)
            self.cache.move_to_end(session_id)
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)

    def _forget(self, session_id: str) -> None:
        with self.cache_lock:
            self.cache.pop(session_id, None)

    # --- starting and reading ------------------------------------------------------------

    def pack(self, name: str) -> Loaded:
        loaded = self.packs.get(name)
        if loaded is None:
            raise not_found(f"no pack `{name}` (packs: {', '.join(sorted(self.packs.current))})")
        return loaded

    def start(
        self,
        identity: Identity,
        pack: str,
        flow: str,
        context: dict[str, Any],
        language: str | None,
        customer_id: str | None = None,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        loaded = self.pack(pack)
        if "agent" in context:
            raise ApiProblem(422, "invalid-request", "`agent` comes from the signed-in identity, not from the request")
        inputs = {**context, "agent": identity.agent()}
        now = now_iso()
        with self.db.transaction() as tx, bound(tx):
            if task_id is not None:
                inputs["task"] = _entity(loaded, "tasks", task_id)
                customer_id = customer_id or _text(inputs["task"].get("customer"))
            if customer_id is not None and "customer" not in context:
                inputs["customer"] = _entity(loaded, "customers", customer_id)
            try:
                session = loaded.engine.start(flow, inputs, language=language)
                view = view_text(session)  # a first screen that cannot be shown is the flow's fault
            except InputError as refused:
                raise ApiProblem(422, "invalid-answer", refused.message) from None
            except CallguideError as error:
                raise ApiProblem(422, "flow-error", str(error)) from None
            row = (
                session.state.call_id,
                pack,
                session.flow,
                identity.name,
                1,
                session.ended,
                session.outcome,
                now,
                now,
                loaded.version,
                view,
                session.state.language,
            )
            tx.run(
                f"insert into sessions ({_SESSION_COLUMNS}, snapshot) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, session.snapshot_text()),
            )
            self._after(tx, loaded, identity.name, session, 0, 1)
        METRICS.moves.labels("start").inc()
        self._keep(session.state.call_id, 1, session)
        return session_json(row)

    def read(self, identity: Identity, session_id: str, *, detail: bool = False) -> dict[str, Any]:
        """The session; with `detail`, also its input (without the agent), answers, effects and
        rule events (the console's panels and rule counts, shown again after a reload)."""
        with self.db.transaction() as tx:
            row = tx.one(f"select {_SESSION_COLUMNS}, snapshot from sessions where id = ?", (session_id,))
        if row is None or not (identity.supervisor or row[3] == identity.name):
            raise not_found(f"no session `{session_id}`")
        found = session_json(row)
        if detail:
            state = orjson.loads(row[12])["state"]
            found["input"] = {key: value for key, value in state["inputs"].items() if key != "agent"}
            found["answers"], found["effects"], found["events"] = state["vars"], state["effects"], state["events"]
        return found

    def sessions(self, identity: Identity, live: bool | None, pack: str | None, limit: int) -> list[dict[str, Any]]:
        clause, params = _visible(identity, {"ended = ?": None if live is None else not live, "pack = ?": pack})
        sql = f"select {_SESSION_COLUMNS} from sessions{clause} order by updated desc, id limit ?"
        with self.db.transaction() as tx:
            rows = tx.all(sql, (*params, limit))
        return [session_json(row) for row in rows]

    def record(self, identity: Identity, session_id: str) -> dict[str, Any]:
        self.read(identity, session_id)  # 404 for whoever may not see it
        with self.db.transaction() as tx:
            row = tx.one("select record from calls where session_id = ?", (session_id,))
        if row is None:
            raise ApiProblem(
                409, "not-ended", "the call has no record yet: it has not ended, or its wrap-up is not done"
            )
        found: dict[str, Any] = orjson.loads(row[0])
        return found

    def records(self, identity: Identity, pack: str | None, since: str | None, limit: int) -> list[dict[str, Any]]:
        clause, params = _visible(identity, {"pack = ?": pack, "ended >= ?": since})
        with self.db.transaction() as tx:
            rows = tx.all(f"select record from calls{clause} order by ended desc limit ?", (*params, limit))
        return [orjson.loads(row[0]) for row in rows]

    def live_count(self) -> int:
        with self.db.transaction() as tx:
            row = tx.one("select count(*) from sessions where ended = ?", (False,))
        return int(row[0]) if row else 0

    # --- moves ---------------------------------------------------------------------------

    def move(
        self,
        identity: Identity,
        session_id: str,
        version: int,
        kind: str,
        apply: Move,
        *,
        idempotency: tuple[str, str] | None = None,
    ) -> Reply:
        """Apply a move at `version`; `idempotency` is (key, fingerprint of the request)."""
        try:
            with self.db.transaction() as tx:
                reply = self._move(tx, identity, session_id, version, kind, apply, idempotency)
        except BaseException:
            self._forget(session_id)  # what the cache holds may be ahead of the store now
            raise
        return reply

    def _move(
        self,
        tx: Tx,
        identity: Identity,
        session_id: str,
        version: int,
        kind: str,
        apply: Move,
        idempotency: tuple[str, str] | None,
    ) -> Reply:
        row = tx.one(f"select {_SESSION_COLUMNS} from sessions where id = ?{tx.lock}", (session_id,))
        if row is None or not (identity.supervisor or row[3] == identity.name):
            raise not_found(f"no session `{session_id}`")
        if row[3] != identity.name:
            raise ApiProblem(403, "forbidden", "only the agent on the call moves it; a supervisor sees it")
        if idempotency is not None:
            kept = tx.one(
                "select fingerprint, status, body from idempotency where session_id = ? and idem_key = ?",
                (session_id, idempotency[0]),
            )
            if kept is not None:
                if kept[0] != idempotency[1]:
                    raise ApiProblem(
                        422, "idempotency-conflict", "this Idempotency-Key was used for another request on this call"
                    )
                METRICS.replays.inc()
                return Reply(int(kept[1]), kept[2].encode())
        current = int(row[4])
        if current != version:
            raise ApiProblem(
                409,
                "stale-version",
                f"the call is at version {current}, not {version}: it moved on meanwhile (another tab or instance)",
                session=session_json(row),
            )
        loaded, session = self._session(tx, row)
        before_effects, before_moves = len(session.state.effects), session.moves
        problem: ApiProblem | None = None
        with bound(tx):
            try:
                apply(session)
                view = view_text(session)  # shown now: a screen that cannot be shown undoes the move, and raises
            except SessionBusy as busy:
                problem = ApiProblem(409, "busy", busy.message)
            except InputError as refused:
                problem = ApiProblem(422, "invalid-answer", refused.message, step=refused.step)
            except CallguideError as error:
                problem = ApiProblem(422, "flow-error", str(error))
            moved = session.moves != before_moves  # a refused answer may still count an attempt
            new_version = current + 1 if moved else current
            if moved:
                if problem is not None:  # an attempt counted, or effects the host performed kept
                    view = view_text(session)
                updated = now_iso()
                tx.run(
                    "update sessions set version = ?, ended = ?, outcome = ?, updated = ?, snapshot = ?,"
                    " view_json = ? where id = ? and version = ?",
                    (
                        new_version,
                        session.ended,
                        session.outcome,
                        updated,
                        session.snapshot_text(),
                        view,
                        session_id,
                        current,
                    ),
                )
                self._after(tx, loaded, row[3], session, before_effects, new_version)
                out = session_json(
                    (*row[:4], new_version, session.ended, session.outcome, row[7], updated, row[9], view, row[11])
                )
            else:
                out = session_json(row)
        if problem is not None:
            problem.extra["session"] = out
            reply = Reply(problem.status, orjson.dumps(problem.document()))
            METRICS.errors.labels(problem.code).inc()
        else:
            reply = Reply(200, orjson.dumps(out))
            METRICS.moves.labels(kind).inc()
        if idempotency is not None:
            tx.run(
                "insert into idempotency (session_id, idem_key, fingerprint, status, body) values (?, ?, ?, ?, ?)",
                (session_id, idempotency[0], idempotency[1], reply.status, reply.body.decode()),
            )
        if moved:
            self._keep(session_id, new_version, session)
        return reply

    def _session(self, tx: Tx, row: Row) -> tuple[Loaded, Session]:
        session_id, pack, version = row[0], row[1], int(row[4])
        loaded = self.packs.version(pack, row[9]) or self.packs.get(pack)
        if loaded is None:
            raise ApiProblem(409, "snapshot", f"pack `{pack}` is not served here any more")
        cached = self._cached(session_id, version)
        if cached is not None:
            return loaded, cached
        stored = tx.one("select snapshot from sessions where id = ?", (session_id,))
        assert stored is not None  # the row is locked: it is there
        try:
            session = loaded.engine.resume(stored[0])
        except SnapshotError as error:
            raise ApiProblem(409, "snapshot", str(error)) from None
        METRICS.resumes.inc()
        return loaded, session

    def _after(self, tx: Tx, loaded: Loaded, owner: str, session: Session, before: int, version: int) -> None:
        """What the move did besides moving: its effects' ids, and at the end the call record
        and the task's worklist outcome."""
        state = session.state
        for entry in [*state.effects[before:], *state.unsettled]:
            tx.run(
                "insert into session_effects (session_id, effect_key, name, ok, version) values (?, ?, ?, ?, ?)"
                " on conflict (session_id, effect_key) do nothing",
                (state.call_id, entry["key"], entry["name"], bool(entry.get("ok", True)), version),
            )
        if not session.ended:
            return
        record = session.record
        if record is None:
            return
        inserted = tx.run(
            "insert into calls (call_id, session_id, pack, owner, ended, record) values (?, ?, ?, ?, ?, ?)"
            " on conflict (call_id) do nothing",
            (state.call_id, state.call_id, loaded.name, owner, str(record.get("ended") or now_iso()), dumps(record)),
        )
        task = record.get("task")
        if inserted and isinstance(task, dict):
            work.apply_outcome(loaded, task, str(task.get("action")))


def _visible(identity: Identity, conditions: dict[str, Any]) -> tuple[str, list[Any]]:
    """A `where` clause: the caller's own rows (a supervisor's: everyone's), and each of the
    conditions whose value is given."""
    if not identity.supervisor:
        conditions = {"owner = ?": identity.name, **conditions}
    given = {test: value for test, value in conditions.items() if value is not None}
    return (f" where {' and '.join(given)}" if given else ""), list(given.values())


def _entity(loaded: Loaded, kind: str, key: str) -> dict[str, Any]:
    found = loaded.entities.get(kind, key)
    if found is None:
        raise ApiProblem(422, "invalid-request", f"no {kind[:-1]} `{key}` in pack `{loaded.name}`")
    return found


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
