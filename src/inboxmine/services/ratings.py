"""Judging gems: one service for the CLI, the API and the Gem Explorer.

One rating per gem (re-rating replaces it). The gem's type, sender, thread,
rank and score are copied into the rating, so precision per type and for the
top 10/20 survives the gem's expiry. A ``bad`` rating feeds back at once:
the gem is dismissed, a ``gem_suppressions`` row keeps stage 5 from
proposing that sender (or thread) again for that gem type, and a reason with
a ``trust_verdict`` (spam) marks the sender through a trust override with
source ``rating``. Rating the gem good again, or removing the rating, undoes
what the bad rating did (an override you set yourself is never touched).

Every function takes a connection inside the caller's transaction. The
suppressions are recomputed from the ratings of one sender (and gem type)
after every change, so several ratings teaching the same thing, re-ratings and
removals all end in the same state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from inboxmine.db.tables.opportunities import gems
from inboxmine.db.tables.trust import gem_ratings, gem_suppressions
from inboxmine.db.types import utcnow
from inboxmine.opportunities import feedback
from inboxmine.opportunities.feedback import InvalidRating, SuppressionKey
from inboxmine.services import overrides
from inboxmine.services.base import NotFound, check_choice
from inboxmine.services.gems import dismiss_for_rating, not_found, reopen_after_rating

RATED_BY = ("cli", "web")
MAX_NOTE_CHARS = 2000


def _gem(conn: Connection, gem_id: int) -> dict[str, Any]:
    row = conn.execute(select(gems).where(gems.c.id == gem_id)).mappings().first()
    if row is None:
        raise not_found(gem_id)
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
    check_choice(rated_by, RATED_BY, "rated_by", InvalidRating, required=True)
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
        dismiss_for_rating(conn, gem_id, now)
    elif previous is not None and previous["rating"] == "bad":
        reopen_after_rating(conn, gem_id, now)
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
        reopen_after_rating(conn, gem_id, utcnow())
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


def sync_suppressions(
    conn: Connection, sender_domain: str, gem_type: str, rules: dict[str, Any], now
) -> set[SuppressionKey]:
    """Make the rating-made suppressions of one sender and type match its bad ratings.

    Several ratings may teach the same suppression; it stays while one does.
    A row whose rating is gone with its gem (``gem_rating_id`` NULL) is kept.
    Returns the suppression keys of that sender and type now in force.
    """
    wanted: dict[SuppressionKey, dict[str, Any]] = {}
    for row in conn.execute(
        select(gem_ratings)
        .where(
            gem_ratings.c.sender_domain == sender_domain,
            gem_ratings.c.gem_type == gem_type,
            gem_ratings.c.rating == "bad",
        )
        .order_by(gem_ratings.c.id)
    ).mappings():
        key = feedback.suppression_for(dict(row), rules)
        if key is not None:
            wanted.setdefault(key, dict(row))
    existing = {
        (r["sender_domain"], r["gem_type"], r["thread_key"] or ""): dict(r)
        for r in conn.execute(
            select(gem_suppressions).where(
                gem_suppressions.c.sender_domain == sender_domain,
                gem_suppressions.c.gem_type == gem_type,
            )
        ).mappings()
    }
    for key, row in existing.items():
        if key not in wanted and row["gem_rating_id"] is not None:
            conn.execute(delete(gem_suppressions).where(gem_suppressions.c.id == row["id"]))
    for key, rating in wanted.items():
        values = {"reason": rating["reason"], "gem_rating_id": rating["id"]}
        if key not in existing:
            conn.execute(
                insert(gem_suppressions).values(
                    sender_domain=key[0],
                    gem_type=key[1],
                    thread_key=key[2],
                    created_at=now,
                    **values,
                )
            )
        elif existing[key]["gem_rating_id"] != rating["id"]:
            conn.execute(
                update(gem_suppressions)
                .where(gem_suppressions.c.id == existing[key]["id"])
                .values(**values)
            )
    kept = {k for k, r in existing.items() if r["gem_rating_id"] is None}
    return set(wanted) | kept


def sync_trust(conn: Connection, sender_domain: str, rules: dict[str, Any]) -> dict[str, Any]:
    """Set or clear the sender's rating-made trust override to match its bad ratings.

    An override from the CLI or the web (the user's own word) always wins.
    """
    verdict, gem_id = None, None
    for row in conn.execute(
        select(gem_ratings.c.gem_id, gem_ratings.c.reason)
        .where(gem_ratings.c.sender_domain == sender_domain, gem_ratings.c.rating == "bad")
        .order_by(gem_ratings.c.id)
    ):
        verdict = feedback.trust_verdict_of(row.reason, rules)
        if verdict:
            gem_id = row.gem_id
            break
    current = overrides.get_trust_override(conn, sender_domain)
    if current is not None and current["source"] != "rating":
        return {"verdict": current["verdict"], "source": current["source"], "changed": False}
    if verdict:
        if current is None or current["verdict"] != verdict:
            reason = f"gem {gem_id} rated bad: {verdict}"
            overrides.set_trust_override(conn, sender_domain, verdict, reason, source="rating")
            return {"verdict": verdict, "source": "rating", "changed": True}
        return {"verdict": verdict, "source": "rating", "changed": False}
    if current is not None:
        overrides.clear_trust_override(conn, sender_domain)
        return {"verdict": None, "source": None, "changed": True}
    return {"verdict": None, "source": None, "changed": False}


__all__ = [
    "RATED_BY",
    "InvalidRating",
    "NotFound",
    "get_rating",
    "rank_of",
    "rate",
    "ratings_for",
    "sync_suppressions",
    "sync_trust",
    "unrate",
]
