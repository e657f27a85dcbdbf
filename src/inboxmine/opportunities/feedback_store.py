"""The database side of the feedback: the suppressions and the spam mark kept in
step with the bad ratings, and the suppressions as stage 5 reads them.

Recomputed from the ratings of one sender (and gem type) after every change,
so several ratings teaching the same thing, re-ratings and removals all end
in the same state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from inboxmine.db.tables.trust import gem_ratings, gem_suppressions
from inboxmine.opportunities import feedback
from inboxmine.opportunities.feedback import SuppressionKey
from inboxmine.trust import overrides


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
    current = overrides.get_override(conn, sender_domain)
    if current is not None and current["source"] != "rating":
        return {"verdict": current["verdict"], "source": current["source"], "changed": False}
    if verdict:
        if current is None or current["verdict"] != verdict:
            reason = f"gem {gem_id} rated bad: {verdict}"
            overrides.set_override(conn, sender_domain, verdict, reason, source="rating")
            return {"verdict": verdict, "source": "rating", "changed": True}
        return {"verdict": verdict, "source": "rating", "changed": False}
    if current is not None:
        overrides.clear_override(conn, sender_domain)
        return {"verdict": None, "source": None, "changed": True}
    return {"verdict": None, "source": None, "changed": False}


__all__ = ["suppressed_keys", "sync_suppressions", "sync_trust"]
