"""The suppressions as stage 5 reads them (kept in step with the bad ratings by
:mod:`inboxmine.services.ratings`)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from inboxmine.db.tables.trust import gem_suppressions
from inboxmine.opportunities.feedback import SuppressionKey


def suppressed_keys(conn: Connection) -> set[SuppressionKey]:
    """Every suppression, as stage 5 filters its candidates with them."""
    rows = conn.execute(
        select(
            gem_suppressions.c.sender_domain,
            gem_suppressions.c.gem_type,
            gem_suppressions.c.thread_key,
        )
    )
    return {(r[0], r[1], r[2] or "") for r in rows}


__all__ = ["suppressed_keys"]
