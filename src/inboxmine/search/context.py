"""What a search result links to: its snippet, its sender's profile, its gems."""

from __future__ import annotations

from sqlalchemy import Connection, case, func, or_, select

from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.search.document import body_text
from inboxmine.search.query import Query
from inboxmine.search.snippet import make_snippet

#: Gems listed per result at most.
MAX_GEMS_PER_HIT = 5


def add_context(conn: Connection, hits: list, query: Query, snippet_chars: int) -> None:
    """Fill each hit's snippet, sender_domain, has_profile and gems (a few queries
    for the whole page, not per hit)."""
    ids = [h.message_id for h in hits]
    has_text = func.length(func.trim(func.coalesce(messages.c.body_text, ""))) > 0
    bodies = conn.execute(
        select(
            messages.c.id,
            messages.c.body_text,
            case((has_text, None), else_=messages.c.body_html).label("body_html"),
            parsed_metadata.c.sender_domain,
        )
        .outerjoin(parsed_metadata, parsed_metadata.c.message_id == messages.c.id)
        .where(messages.c.id.in_(ids))
    ).all()
    by_id = {row.id: row for row in bodies}
    terms = query.highlight_words
    for hit in hits:
        row = by_id.get(hit.message_id)
        if row is None:
            continue
        hit.snippet = make_snippet(body_text(row.body_text, row.body_html), terms, snippet_chars)
        hit.sender_domain = row.sender_domain
    domains = {h.sender_domain for h in hits if h.sender_domain}
    threads = {h.thread_id for h in hits if h.thread_id is not None}
    profiles: set[str] = set()
    if domains:
        profiles = set(
            conn.execute(
                select(sender_profiles.c.sender_domain).where(
                    sender_profiles.c.sender_domain.in_(domains)
                )
            ).scalars()
        )
    found = []
    if domains or threads:
        found = conn.execute(
            select(gems.c.id, gems.c.gem_type, gems.c.sender_domain, gems.c.thread_id, gems.c.score)
            .where(or_(gems.c.sender_domain.in_(domains), gems.c.thread_id.in_(threads)))
            .order_by(gems.c.score.desc(), gems.c.id)
        ).all()
    for hit in hits:
        hit.has_profile = hit.sender_domain in profiles
        mine = [
            {"id": g.id, "gem_type": g.gem_type, "score": g.score}
            for g in found
            if g.sender_domain == hit.sender_domain
            or (g.thread_id is not None and g.thread_id == hit.thread_id)
        ]
        hit.gems = mine[:MAX_GEMS_PER_HIT]
