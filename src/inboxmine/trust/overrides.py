"""The user's corrections of sender trust: one service for the CLI, the API and the admin.

An override names a sender identity (as the pipeline writes ``sender_domain``)
and the verdict the user gives it; it wins over every computed verdict and
survives reprocessing. A gem rated bad as spam sets one (source ``rating``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from inboxmine.db.tables.trust import TRUST_VERDICTS, trust_overrides
from inboxmine.db.types import utcnow

#: Where an override came from.
OVERRIDE_SOURCES = ("cli", "web", "rating")


class InvalidOverride(ValueError):
    """A verdict or source that does not exist; the message lists the valid ones."""


def _check(verdict: str, source: str) -> None:
    if verdict not in TRUST_VERDICTS:
        raise InvalidOverride(
            f"unknown trust verdict {verdict!r}: choose one of {', '.join(TRUST_VERDICTS)}"
        )
    if source not in OVERRIDE_SOURCES:
        raise InvalidOverride(
            f"unknown override source {source!r}: one of {', '.join(OVERRIDE_SOURCES)}"
        )


def set_override(
    conn: Connection,
    sender_domain: str,
    verdict: str,
    reason: str | None = None,
    source: str = "cli",
) -> None:
    """Give ``sender_domain`` the ``verdict`` from now on (insert or replace)."""
    _check(verdict, source)
    now = utcnow()
    values = {
        "sender_domain": sender_domain,
        "verdict": verdict,
        "reason": reason,
        "source": source,
        "created_at": now,
    }
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(trust_overrides).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["sender_domain"],
        set_={"verdict": verdict, "reason": reason, "source": source, "updated_at": now},
    )
    conn.execute(statement)


def clear_override(conn: Connection, sender_domain: str) -> bool:
    """Remove the user's verdict for ``sender_domain``; True when there was one."""
    result = conn.execute(
        delete(trust_overrides).where(trust_overrides.c.sender_domain == sender_domain)
    )
    return result.rowcount > 0


def get_override(conn: Connection, sender_domain: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(trust_overrides).where(trust_overrides.c.sender_domain == sender_domain)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


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
