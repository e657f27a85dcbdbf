"""A gem's status: the user's new / acted / dismissed, and the marks other
services put on it (a draft written, a bad rating).

Detection (stage 5) creates gems, refreshes them and expires them; stage 6
scores them. Every other change of ``gems`` is made here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from inboxmine.db.tables.opportunities import gems
from inboxmine.db.types import utcnow
from inboxmine.services.base import Db, InvalidValue, NotFound, check_choice, writing

GEM_STATUSES = ("new", "acted", "dismissed", "expired")
#: Statuses a user may set (expired is set by detection only).
SETTABLE_STATUSES = ("new", "acted", "dismissed")


def not_found(gem_id: int) -> NotFound:
    return NotFound(f"gem {gem_id} does not exist: `inboxmine gems` lists the gems")


def set_gem_status(db: Db, gem_id: int, status: str) -> dict[str, Any]:
    """Mark a gem new, acted or dismissed (kept across re-detection).

    ``acted`` stamps ``acted_at``, ``dismissed`` stamps ``dismissed_at``; ``new``
    reopens the gem and clears both. ``expired`` is set by detection only.
    The CLI (``inboxmine gems set-status``), the API, the Gem Explorer and the
    admin's Gems view all call this.
    """
    if status == "expired":
        raise InvalidValue(
            "status 'expired' is set by detection when a gem's evidence disappears: "
            f"choose one of {', '.join(SETTABLE_STATUSES)}"
        )
    check_choice(status, SETTABLE_STATUSES, "status")
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status == "acted":
        values["acted_at"] = now
    if status == "dismissed":
        values["dismissed_at"] = now
    if status == "new":
        values.update(acted_at=None, dismissed_at=None)
    with writing(db) as conn:
        changed = conn.execute(update(gems).where(gems.c.id == gem_id).values(**values)).rowcount
    if not changed:
        raise not_found(gem_id)
    return {"id": gem_id, "status": status}


def mark_acted(conn: Connection, gem_id: int, now: datetime) -> bool:
    """A draft was written for the gem: it is ``acted`` from ``now`` (engage, stage 7).

    A gem already acted keeps its first ``acted_at``. Returns True when the
    gem changed."""
    result = conn.execute(
        update(gems)
        .where(gems.c.id == gem_id, gems.c.status != "acted")
        .values(status="acted", acted_at=now, updated_at=now)
    )
    return result.rowcount > 0


def dismiss_for_rating(conn: Connection, gem_id: int, now: datetime) -> None:
    """A bad rating dismisses the gem; an expired one comes back dismissed
    should its evidence return."""
    status = conn.execute(select(gems.c.status).where(gems.c.id == gem_id)).scalar_one_or_none()
    if status is None:
        raise not_found(gem_id)
    if status == "expired":
        values: dict[str, Any] = {"status_before_expiry": "dismissed"}
    elif status != "dismissed":
        values = {"status": "dismissed", "dismissed_at": now, "updated_at": now}
    else:
        return
    conn.execute(update(gems).where(gems.c.id == gem_id).values(**values))


def reopen_after_rating(conn: Connection, gem_id: int, now: datetime) -> None:
    """Undo the dismissal of a bad rating (the gem is new again)."""
    current = conn.execute(
        select(gems.c.status, gems.c.status_before_expiry).where(gems.c.id == gem_id)
    ).first()
    if current is None:
        raise not_found(gem_id)
    if current.status == "dismissed":
        values: dict[str, Any] = {"status": "new", "dismissed_at": None, "updated_at": now}
    elif current.status == "expired" and current.status_before_expiry == "dismissed":
        values = {"status_before_expiry": "new"}
    else:
        return
    conn.execute(update(gems).where(gems.c.id == gem_id).values(**values))


__all__ = [
    "GEM_STATUSES",
    "SETTABLE_STATUSES",
    "InvalidValue",
    "NotFound",
    "dismiss_for_rating",
    "mark_acted",
    "reopen_after_rating",
    "set_gem_status",
]
