"""The pack's entities (customers, cases, tasks, history...) in the service's database.

The sample host's effect handlers (`callguide.host.StoreHandlers`) work on this store as on
the embedded one; here every read and write goes through the transaction of the request
that is running (`bound`), so that what a move's effects did is committed with the move,
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from callguide.host.store import next_like, search_records
from callguide.service.db import Tx

_CURRENT: ContextVar[Tx | None] = ContextVar("callguide_service_tx", default=None)


@contextmanager
def bound(tx: Tx) -> Iterator[None]:
    """Effect handlers that run inside this block use `tx`."""
    token = _CURRENT.set(tx)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


class PackEntities:
    """The entities of one pack, read and written in the current transaction."""

    def __init__(self, pack: str) -> None:
        self.pack = pack
        self.down: set[str] = set()  # SMS providers the sample host treats as out of service

    @property
    def tx(self) -> Tx:
        tx = _CURRENT.get()
        if tx is None:  # a handler called outside a request: a bug of the service, not of the caller
            raise RuntimeError("the service's entities are used outside a transaction")
        return tx

    def put(self, kind: str, key: Any, data: dict[str, Any]) -> dict[str, Any]:
        record = {**data, "id": data.get("id", key)}
        self.tx.run(
            "insert into entities (pack, kind, id, data) values (?, ?, ?, ?)"
            " on conflict (pack, kind, id) do update set data = excluded.data",
            (self.pack, kind, str(key), dumps(record)),
        )
        return record

    def get(self, kind: str, key: Any) -> dict[str, Any] | None:
        row = self.tx.one(
            "select data from entities where pack = ? and kind = ? and id = ?", (self.pack, kind, str(key))
        )
        return orjson.loads(row[0]) if row else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        rows = self.tx.all("select data from entities where pack = ? and kind = ? order by id", (self.pack, kind))
        return [orjson.loads(row[0]) for row in rows]

    def next_id(self, kind: str, prefix: str) -> str:
        """A new id, never handed out twice, also by two instances at once (the counter's row
        is locked by the update until the transaction ends)."""
        tx = self.tx
        while True:
            row = tx.one(
                "update counters set value = value + 1 where pack = ? and kind = ? returning value", (self.pack, kind)
            )
            if row is None:
                start = len(self.all(kind)) + 1001
                tx.run(
                    "insert into counters (pack, kind, value) values (?, ?, ?) on conflict (pack, kind) do nothing",
                    (self.pack, kind, start - 1),
                )
                continue
            key = f"{prefix}{row[0]}"
            if self.get(kind, key) is None:
                return key

    def next_like(self, kind: str, prefix: str) -> str:
        """An id shaped like the sample data's; the counter's row is locked first, so that two
        instances never hand out the same one."""
        self._lock_counter(kind)
        return next_like(self, kind, prefix)

    def _lock_counter(self, kind: str) -> None:
        tx = self.tx
        tx.run(
            "insert into counters (pack, kind, value) values (?, ?, ?) on conflict (pack, kind) do nothing",
            (self.pack, kind, len(self.all(kind)) + 1000),
        )
        tx.run("update counters set value = value where pack = ? and kind = ?", (self.pack, kind))

    def search(self, kind: str, query: Any, fields: Iterable[str]) -> list[dict[str, Any]]:
        return search_records(self.all(kind), query, fields)

    def sent(self, effect: str, args: dict[str, Any]) -> None:
        self.tx.run("insert into outbox (pack, effect, args) values (?, ?, ?)", (self.pack, effect, dumps(args)))

    def seeded(self) -> bool:
        return self.tx.one("select 1 from packs_seeded where pack = ?", (self.pack,)) is not None
