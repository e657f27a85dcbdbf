"""What every service shares: its errors and its transactions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from inboxmine.db.engine import read_tx, write_tx

#: An engine (the service opens and commits its own transaction) or a
#: connection (the service works inside the caller's transaction).
Db = Engine | Connection


class NotFound(LookupError):
    """No such row; the message says how to find valid ids."""


class InvalidValue(ValueError):
    """A value outside the allowed ones; the message lists them."""


def check_choice(
    value: str | None,
    allowed: Iterable[str],
    what: str,
    error: type[Exception] = InvalidValue,
    *,
    required: bool = False,
) -> None:
    """Refuse ``value`` unless it is one of ``allowed`` or (not ``required``)
    None; the message lists them."""
    allowed = tuple(allowed)
    if (value is not None or required) and value not in allowed:
        raise error(f"unknown {what} {value!r}: choose one of {', '.join(allowed)}")


@contextmanager
def writing(db: Db) -> Iterator[Connection]:
    """A connection to write with: the caller's, or a new transaction committed on exit."""
    if isinstance(db, Connection):
        yield db
        return
    with write_tx(db) as conn:
        yield conn


@contextmanager
def reading(db: Db) -> Iterator[Connection]:
    """A connection to read with: the caller's, or a new read transaction."""
    if isinstance(db, Connection):
        yield db
        return
    with read_tx(db) as conn:
        yield conn


def engine_of(db: Db) -> Engine:
    return db.engine if isinstance(db, Connection) else db
