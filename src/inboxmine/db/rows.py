"""Writing and reading rows by key in batches, on every backend.

A list of keys is sent in chunks of :data:`CHUNK` (far below every
backend's parameter limit), so a batch of any size is a few statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Connection, delete, insert, select

#: Keys per IN (...) list.
CHUNK = 2000


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def delete_keys(conn: Connection, column: Column, keys: Sequence) -> None:
    """Delete the rows whose ``column`` is one of ``keys``."""
    for chunk in chunks(list(keys)):
        conn.execute(delete(column.table).where(column.in_(chunk)))


def replace_rows(
    conn: Connection, column: Column, keys: Sequence, rows: Iterable[dict[str, Any]]
) -> None:
    """The rows of ``keys`` (by ``column``) become ``rows``: one delete per chunk,
    one executemany."""
    delete_keys(conn, column, keys)
    rows = list(rows)
    if rows:
        conn.execute(insert(column.table), rows)


def delete_except(conn: Connection, column: Column, keep: set) -> int:
    """Delete the rows whose ``column`` is not in ``keep`` (derived data of
    items that are gone); returns how many keys went."""
    gone = [key for key in conn.execute(select(column)).scalars() if key not in keep]
    delete_keys(conn, column, gone)
    return len(gone)
