"""The service's database: SQLite (embedded, WAL) or PostgreSQL (psycopg 3), one SQL for both.

Statements are written once with `?` placeholders and the SQL both speak (`on conflict`,
`returning`); PostgreSQL gets `%s`. A `Tx` is one transaction: SQLite takes the write lock at
its start (`begin immediate`, so that two processes never deadlock upgrading a read), and
PostgreSQL locks the rows it reads `for update` (`Tx.lock`), so that two instances moving one
session wait for each other instead of both applying a move.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from callguide.service.problems import DatabaseError

Row = tuple[Any, ...]
T = TypeVar("T")
log = logging.getLogger("callguide.service")


class Tx(Protocol):
    """One open transaction."""

    lock: str  # appended to a `select` that must lock its row (`for update` on PostgreSQL)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> int: ...


class Database(Protocol):
    url: str
    kind: str  # "sqlite" or "postgresql"

    def transaction(self) -> AbstractContextManager[Tx]: ...

    async def work(self, job: Callable[[], T]) -> T:
        """Run `job` (which opens transactions) for an `async` route: on the event loop or in a
        worker thread, whichever serves this database's requests best."""
        ...

    def open(self) -> None: ...

    def close(self) -> None: ...


def sqlalchemy_url(url: str) -> str:
    """The same database as SQLAlchemy (Alembic) names it."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def connect(url: str) -> SQLite | Postgres:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return SQLite(url)
    if scheme in ("postgresql", "postgres"):
        return Postgres(url)
    raise DatabaseError(f"--db takes sqlite:///path or postgresql://..., not `{url}`")


def sqlite_path(url: str) -> str:
    """`sqlite:///relative.db`, `sqlite:////absolute.db` (SQLAlchemy's spelling), `sqlite://` in memory."""
    rest = url.split("://", 1)[1]
    if rest in ("", "/", "/:memory:"):
        return ":memory:"
    return unquote(rest[1:] if rest.startswith("/") else rest)


class _SQLiteTx:
    lock = ""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.db.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self.db.execute(sql, params).fetchall())

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.db.execute(sql, params).rowcount


class SQLite:
    """One connection per process, used by one transaction at a time (SQLite writes one at a
    time anyway); WAL lets other processes read meanwhile. `synchronous=NORMAL`: a committed
    move survives the process being killed (its commit is in the WAL file, in the operating
    system's hands), not a power cut; `--db sqlite:///path?synchronous=full` survives a power
    cut too, at the price of a disk flush per move.

    The WAL is copied back into the database file by a thread of its own (`Checkpoints`), not
    by the commit that happens to fill it: that copy flushes the disk twice, and on the event
    loop it held every request in flight for up to tens of milliseconds."""

    kind = "sqlite"

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        path = sqlite_path(url.split("?", 1)[0])
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.synchronous = "full" if "synchronous=full" in parts.query.lower() else "normal"
        self._lock = threading.Lock()
        self.db: sqlite3.Connection | None = None
        self.checkpoints: Checkpoints | None = None
        self.open()

    def connection(self) -> sqlite3.Connection:
        """A new connection to the database, in WAL mode with the chosen flushing."""
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("pragma journal_mode=wal")
        db.execute(f"pragma synchronous={self.synchronous}")
        db.execute("pragma busy_timeout=30000")
        return db

    def open(self) -> None:
        if self.db is not None:
            return
        try:
            db = self.connection()
            if self.path != ":memory:":  # a database in memory has no WAL
                db.execute("pragma wal_autocheckpoint=0")  # `Checkpoints` does it, off the requests' way
                self.checkpoints = Checkpoints(self.connection())
        except sqlite3.Error as error:
            raise DatabaseError(f"cannot open {self.url}: {error}") from None
        self.db = db

    async def work(self, job: Callable[[], T]) -> T:
        """On the event loop itself: SQLite writes one transaction at a time and a move takes a
        fraction of a millisecond, less than the hop to a worker thread and back."""
        return job()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            db = self.db
            if db is None:
                raise DatabaseError("the database is closed: the service is stopping")
            db.execute("begin immediate")
            try:
                yield _SQLiteTx(db)
            except BaseException:
                db.execute("rollback")
                raise
            db.execute("commit")

    def close(self) -> None:
        checkpoints, self.checkpoints = self.checkpoints, None
        if checkpoints is not None:
            checkpoints.stop()
        with self._lock:
            if self.db is not None:
                self.db.close()  # the last connection: SQLite copies what is left of the WAL
                self.db = None


class Checkpoints:
    """Copies committed transactions from the WAL into the database file, every `seconds`, in a
    thread with its own connection. A passive checkpoint never waits for, nor blocks, the
    connection that writes; SQLite lets go of the GIL while it works and flushes the disk.
    Nothing committed depends on it: a commit is durable once it is in the WAL."""

    def __init__(self, db: sqlite3.Connection, seconds: float = 0.5) -> None:
        self.db, self.seconds = db, seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callguide-checkpoints", daemon=True)
        self._thread.start()

    def checkpoint(self) -> tuple[int, int, int]:
        """One passive checkpoint: (1 if another one was under way, frames in the WAL, frames copied)."""
        busy, frames, copied = self.db.execute("pragma wal_checkpoint(passive)").fetchone()
        return int(busy), int(frames), int(copied)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.wait(self.seconds):
            try:
                self.checkpoint()
            except sqlite3.Error:  # the next round tries again; the WAL only grows meanwhile
                log.warning("a checkpoint of the SQLite WAL failed", exc_info=True)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self.db.close()


class _PostgresTx:
    lock = " for update"

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.connection.execute(_pg(sql), params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self.connection.execute(_pg(sql), params).fetchall())

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        count: int = self.connection.execute(_pg(sql), params).rowcount
        return count


_PG_SQL: dict[str, str] = {}


def _pg(sql: str) -> str:
    found = _PG_SQL.get(sql)
    if found is None:
        found = _PG_SQL[sql] = sql.replace("?", "%s")
    return found


class Postgres:
    """A pool of connections; every instance of the service may share the database."""

    kind = "postgresql"

    def __init__(self, url: str, size: int = 8) -> None:
        self.url, self.size = url, size
        self.pool: Any = None
        self.open()

    def open(self) -> None:
        from psycopg_pool import ConnectionPool

        if self.pool is not None:
            return
        pool = ConnectionPool(self.url, min_size=1, max_size=self.size, open=False, kwargs={"autocommit": False})
        try:
            pool.open(wait=True, timeout=15)
        except Exception as error:  # psycopg_pool.PoolTimeout and connection errors alike
            pool.close()
            raise DatabaseError(f"cannot connect to {_without_password(self.url)}: {error}") from None
        self.pool = pool

    async def work(self, job: Callable[[], T]) -> T:
        """In a worker thread: a transaction waits for the server's round trips, and the event
        loop serves other requests meanwhile."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(job)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        pool = self.pool
        if pool is None:
            raise DatabaseError("the database is closed: the service is stopping")
        with pool.connection() as connection, connection.transaction():
            yield _PostgresTx(connection)

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@")
