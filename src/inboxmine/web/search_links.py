"""Search answers for the web: each hit with the admin pages it links to."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine

from inboxmine.search.searcher import SearchResults, hit_record, search


def message_url(message_id: int) -> str:
    return f"/admin/messages/details/{int(message_id)}"


def profile_url(sender_domain: str) -> str:
    return f"/admin/profiles/details/{quote(sender_domain, safe='@.+-_')}"


def gem_url(gem_id: int) -> str:
    return f"/admin/gems/details/{int(gem_id)}"


def linked_results(engine: Engine, q: str, limit: int, rules_dir=None) -> dict[str, Any]:
    """The answers to ``q`` as plain data with their links (raises QueryError)."""
    results: SearchResults = search(engine, q, limit=limit, rules_dir=rules_dir)
    items = []
    for hit in results.hits:
        record = hit_record(hit)
        record["message_url"] = message_url(hit.message_id)
        record["profile_url"] = (
            profile_url(hit.sender_domain) if hit.has_profile and hit.sender_domain else None
        )
        record["gems"] = [{**g, "url": gem_url(g["id"])} for g in hit.gems]
        items.append(record)
    return {
        "query": results.query,
        "total": results.total,
        "ranked": results.ranked,
        "elapsed_ms": results.elapsed_ms,
        "items": items,
    }
