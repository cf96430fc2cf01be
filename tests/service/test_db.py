"""The service's SQLite database: the WAL is copied back into the database file by a thread
of its own, never by a request's commit."""

from __future__ import annotations

from pathlib import Path

from callguide.service.db import SQLite


def test_commits_leave_the_wal_to_the_checkpoint_thread(tmp_path: Path) -> None:
    db = SQLite(f"sqlite:///{tmp_path / 'calls.db'}")
    try:
        assert db.db is not None and db.checkpoints is not None
        assert db.db.execute("pragma wal_autocheckpoint").fetchone() == (0,)
        with db.transaction() as tx:
            tx.run("create table moves (n integer)")
        for n in range(50):
            with db.transaction() as tx:
                tx.run("insert into moves values (?)", (n,))
        busy, frames, copied = db.checkpoints.checkpoint()
        assert (busy, copied) == (0, frames) and frames > 0  # everything committed reaches the file
        with db.transaction() as tx:
            assert tx.one("select count(*) from moves") == (50,)
    finally:
        db.close()
    assert db.checkpoints is None and db.db is None


def test_a_database_in_memory_has_no_checkpoint_thread() -> None:
    db = SQLite("sqlite://")
    try:
        assert db.checkpoints is None
    finally:
        db.close()


def test_the_checkpoint_thread_stops_with_the_database(tmp_path: Path) -> None:
    db = SQLite(f"sqlite:///{tmp_path / 'calls.db'}")
    checkpoints = db.checkpoints
    assert checkpoints is not None and checkpoints.running
    db.close()
    assert not checkpoints.running
    db.open()  # the app is started again after a stop (tests start it many times)
    try:
        assert db.checkpoints is not None and db.checkpoints is not checkpoints
    finally:
        db.close()
