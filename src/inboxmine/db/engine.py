"""Database engines: SQLite (embedded default) and PostgreSQL, one code path.

SQLite gets WAL, a busy timeout and foreign keys on every connection. Write
transactions on SQLite begin with ``BEGIN IMMEDIATE`` (see :func:`write_tx`):
a deferred transaction that reads first and writes later cannot wait for the
write lock, which is where "database is locked" comes from.

PostgreSQL sessions compress large values (mail bodies, raw messages) with
lz4 where the server has it: its default, pglz, was the largest cost of an
import on the server side. Reads are unaffected; values written before stay
as they are.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 60_000


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and
    pick the drivers inboxmine installs (psycopg 3)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


#: Every engine of this process, so a forked child (a queue worker process, a
#: stage's worker pool) never shares its parent's pooled connections.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


#: Prepared statements each SQLite connection keeps (the driver's default is
#: 128). A batch insert or an ``IN (...)`` list of another length is another
#: statement, and a multi-row VALUES statement compiles to megabytes: with the
#: default, an import held ~100 MB of them at 36k messages, more as the
#: mailbox grew. Preparing again costs microseconds.
SQLITE_CACHED_STATEMENTS = 16


def _forget_inherited_connections() -> None:
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine configured for inboxmine's access pattern."""
    engine = _make_engine(url, **kwargs)
    _ENGINES.add(engine)
    return engine


def _make_engine(url: str, **kwargs) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
                "cached_statements": SQLITE_CACHED_STATEMENTS,
            },
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        _configure_postgresql(engine)
    return engine


# Only when the server was built with lz4 (PostgreSQL 14+): no error otherwise,
# and a database administrator's own setting of pglz is respected.
_LZ4_TOAST = """
SELECT set_config('default_toast_compression', 'lz4', false)
FROM pg_settings
WHERE name = 'default_toast_compression' AND setting = 'pglz' AND source = 'default'
  AND 'lz4' = ANY(enumvals)
"""


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # A mail is ~30 KB of text: TOAST compresses every body. lz4 does it
        # several times faster than pglz for a few percent more disk.
        with dbapi_conn.cursor() as cur:
            cur.execute(_LZ4_TOAST)
        dbapi_conn.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control away from the driver so BEGIN is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        if conn.get_execution_options().get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A short write transaction that waits its turn instead of failing.

    Use it for every write; keep the work inside it small (one batch).
    """
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read-only connection (a plain deferred transaction)."""
    with engine.connect() as conn:
        yield conn


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@lru_cache(maxsize=8)
def cached_engine(url: str) -> Engine:
    """One engine per URL per process (engines own connection pools)."""
    return make_engine(url)
