"""One run of a stage at a time, across threads and processes.

Two runs of the *same* stage would process the same items and trip over each
other's rows, so the second waits for the first. Different stages still run
side by side. PostgreSQL uses a session advisory lock; SQLite (one machine by
nature) a file lock next to the database file.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

_thread_locks: dict[tuple[str, str], threading.Lock] = {}
_guard = threading.Lock()


def _lock_key(stage: str) -> int:
    digest = hashlib.sha256(f"inboxmine-stage:{stage}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_file(engine: Engine, stage: str) -> Path:
    database = engine.url.database
    if database and database != ":memory:":
        return Path(database).with_name(f"{Path(database).name}.{stage}.lock")
    return Path(tempfile.gettempdir()) / f"inboxmine-memory-{id(engine)}.{stage}.lock"


@contextmanager
def stage_lock(engine: Engine, stage: str) -> Iterator[None]:
    """Hold the lock of ``stage`` on this database for the body."""
    # File locks are per process, so threads of one process queue up here first.
    with _guard:
        local = _thread_locks.setdefault((str(engine.url), stage), threading.Lock())
    with local:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _lock_key(stage)})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key(stage)})
                    conn.commit()
        elif engine.dialect.name == "sqlite":
            path = _lock_file(engine, stage)
            with open(path, "a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        else:
            yield
