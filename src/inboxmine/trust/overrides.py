"""The user's corrections of sender trust, as the trust rollup reads them.

An override names a sender identity (as the pipeline writes ``sender_domain``)
and the verdict the user gives it; it wins over every computed verdict and
survives reprocessing. A gem rated bad as spam sets one (source ``rating``).
They are written by :mod:`inboxmine.services.overrides` only; the names
``set_override`` and ``clear_override`` are that service's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from inboxmine.db.tables.trust import trust_overrides
from inboxmine.services.overrides import TRUST_OVERRIDE_SOURCES as OVERRIDE_SOURCES
from inboxmine.services.overrides import InvalidOverride
from inboxmine.services.overrides import clear_trust_override as clear_override
from inboxmine.services.overrides import get_trust_override as get_override
from inboxmine.services.overrides import set_trust_override as set_override


def all_overrides(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every override by sender identity."""
    rows = conn.execute(select(trust_overrides)).mappings()
    return {row["sender_domain"]: dict(row) for row in rows}


__all__ = [
    "OVERRIDE_SOURCES",
    "InvalidOverride",
    "all_overrides",
    "clear_override",
    "get_override",
    "set_override",
]
