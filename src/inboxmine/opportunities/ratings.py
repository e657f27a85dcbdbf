"""The user's judgement of gems: one service for the CLI, the API and the admin.

One rating per gem (re-rating replaces it). The gem's type, sender, thread,
rank and score are copied into the rating, so precision per type and for the
top 10/20 survives the gem's expiry. A ``bad`` rating feeds back at once:
the gem is dismissed, a ``gem_suppressions`` row keeps stage 5 from
proposing that sender (or thread) again for that gem type, and a reason with
a ``trust_verdict`` (spam) marks the sender through a trust override with
source ``rating``. Rating the gem good again, or removing the rating, undoes
what the bad rating did (an override you set yourself is never touched).

Every function takes a connection inside the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from inboxmine.db.tables.opportunities import gems
from inboxmine.db.tables.trust import gem_ratings, gem_suppressions
from inboxmine.db.types import utcnow
from inboxmine.opportunities import feedback
from inboxmine.opportunities.feedback import InvalidRating
from inboxmine.opportunities.feedback_store import sync_suppressions, sync_trust
from inboxmine.opportunities.queries import NotFound

RATED_BY = ("cli", "web")
MAX_NOTE_CHARS = 2000


def _gem(conn: Connection, gem_id: int) -> dict[str, Any]:
    row = conn.execute(select(gems).where(gems.c.id == gem_id)).mappings().first()
    if row is None:
        raise NotFound(f"gem {gem_id} does not exist: `inboxmine gems` lists the gems")
    return dict(row)


def rank_of(conn: Connection, gem: dict[str, Any]) -> int:
    """The gem's place in ``inboxmine gems`` (best score first, expired left out)."""
    ahead = conn.execute(
        select(func.count())
        .select_from(gems)
        .where(
            gems.c.status != "expired",
            gems.c.id != gem["id"],
            or_(
                gems.c.score > gem["score"],
                and_(gems.c.score == gem["score"], gems.c.id < gem["id"]),
            ),
        )
    ).scalar_one()
    return int(ahead) + 1


def get_rating(conn: Connection, gem_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(gem_ratings).where(gem_ratings.c.gem_id == gem_id)).mappings().first()
    return dict(row) if row else None


def ratings_for(conn: Connection, gem_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The ratings of these gems, by gem id (for a page of gem cards)."""
    if not gem_ids:
        return {}
    rows = conn.execute(select(gem_ratings).where(gem_ratings.c.gem_id.in_(gem_ids))).mappings()
    return {row["gem_id"]: dict(row) for row in rows}


def _check_note(note: str | None) -> str | None:
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE_CHARS:
        raise InvalidRating(f"the note has {len(note)} characters: keep it under {MAX_NOTE_CHARS}")
    return note


def rate(
    conn: Connection,
    gem_id: int,
    rating: str,
    reason: str | None = None,
    note: str | None = None,
    rated_by: str = "cli",
    rules: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Rate gem ``gem_id`` good or bad (replacing its rating) and apply the feedback.

    Returns the stored rating with what it changed: ``status`` (the gem's),
    ``suppressions`` (of that sender and type) and ``trust`` (the override).
    """
    reason = feedback.normalize_reason(reason)
    feedback.check_rating(rating, reason)
    if rated_by not in RATED_BY:
        raise InvalidRating(f"unknown rated_by {rated_by!r}: one of {', '.join(RATED_BY)}")
    note = _check_note(note)
    rules = rules if rules is not None else feedback.feedback_rules()
    gem = _gem(conn, gem_id)
    now = utcnow()
    values = {
        "gem_type": gem["gem_type"],
        "sender_domain": gem["sender_domain"],
        "thread_key": gem["thread_key"] or "",
        "rating": rating,
        "reason": reason,
        "note": note,
        "rank_at_rating": rank_of(conn, gem),
        "score_at_rating": gem["score"],
        "rated_by": rated_by,
    }
    previous = get_rating(conn, gem_id)
    if previous is None:
        conn.execute(insert(gem_ratings).values(gem_id=gem_id, created_at=now, **values))
    else:
        conn.execute(
            update(gem_ratings)
            .where(gem_ratings.c.id == previous["id"])
            .values(updated_at=now, **values)
        )
    if rating == "bad":
        _dismiss(conn, gem, now)
    elif previous is not None and previous["rating"] == "bad":
        _reopen(conn, gem, now)
    return _effects(conn, gem_id, gem, rules)


def unrate(conn: Connection, gem_id: int, rules: dict[str, Any] | None = None) -> dict[str, Any]:
    """Remove gem ``gem_id``'s rating and what it taught (its suppression, its override)."""
    rules = rules if rules is not None else feedback.feedback_rules()
    gem = _gem(conn, gem_id)
    previous = get_rating(conn, gem_id)
    if previous is None:
        raise NotFound(f"gem {gem_id} has no rating: `inboxmine gems rate {gem_id} good|bad`")
    # Its suppressions go first: the foreign key would only orphan them.
    conn.execute(delete(gem_suppressions).where(gem_suppressions.c.gem_rating_id == previous["id"]))
    conn.execute(delete(gem_ratings).where(gem_ratings.c.id == previous["id"]))
    if previous["rating"] == "bad":
        _reopen(conn, gem, utcnow())
    result = _effects(conn, gem_id, gem, rules)
    result["removed"] = previous
    return result


def _effects(conn, gem_id: int, gem: dict[str, Any], rules: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    keys = sync_suppressions(conn, gem["sender_domain"], gem["gem_type"], rules, now)
    trust = sync_trust(conn, gem["sender_domain"], rules)
    status = conn.execute(select(gems.c.status).where(gems.c.id == gem_id)).scalar_one()
    return {
        "gem_id": gem_id,
        "rating": get_rating(conn, gem_id),
        "status": status,
        "suppressions": [
            {"sender_domain": s, "gem_type": t, "thread_key": k} for s, t, k in sorted(keys)
        ],
        "trust": trust,
    }


def _dismiss(conn: Connection, gem: dict[str, Any], now) -> None:
    if gem["status"] == "expired":
        # Should its evidence come back, it comes back dismissed.
        values: dict[str, Any] = {"status_before_expiry": "dismissed"}
    elif gem["status"] != "dismissed":
        values = {"status": "dismissed", "dismissed_at": now, "updated_at": now}
    else:
        return
    conn.execute(update(gems).where(gems.c.id == gem["id"]).values(**values))


def _reopen(conn: Connection, gem: dict[str, Any], now) -> None:
    """Undo the dismissal of a bad rating (the gem is new again)."""
    current = conn.execute(
        select(gems.c.status, gems.c.status_before_expiry).where(gems.c.id == gem["id"])
    ).first()
    if current.status == "dismissed":
        values: dict[str, Any] = {"status": "new", "dismissed_at": None, "updated_at": now}
    elif current.status == "expired" and current.status_before_expiry == "dismissed":
        values = {"status_before_expiry": "new"}
    else:
        return
    conn.execute(update(gems).where(gems.c.id == gem["id"]).values(**values))


__all__ = [
    "RATED_BY",
    "InvalidRating",
    "NotFound",
    "get_rating",
    "rank_of",
    "rate",
    "ratings_for",
    "unrate",
]
