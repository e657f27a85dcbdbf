"""Full-text search of the stored mail (the same query language as ``inboxmine search``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Engine

from inboxmine.config import Settings
from inboxmine.search.query import MAX_QUERY_CHARS, QueryError
from inboxmine.web.api.deps import engine, invalid, settings
from inboxmine.web.search_links import linked_results

router = APIRouter(tags=["search"])


class SnippetPart(BaseModel):
    """A piece of the snippet; ``match`` marks the words that matched. Text, never markup."""

    text: str
    match: bool


class GemLink(BaseModel):
    id: int
    gem_type: str
    score: int | None = None
    url: str


class SearchHit(BaseModel):
    """One matching message and the admin pages it links to."""

    id: int
    sent_at: datetime | None
    from_address: str | None
    from_name: str | None
    subject: str | None
    thread_id: int | None
    score: float | None
    snippet: str
    snippet_parts: list[SnippetPart]
    sender_domain: str | None
    has_profile: bool
    message_url: str
    profile_url: str | None
    gems: list[GemLink]


class SearchAnswer(BaseModel):
    """The answers, best match first (newest first when nothing ranks them)."""

    query: str
    total: int
    ranked: bool
    elapsed_ms: float
    items: list[SearchHit]


@router.get("/search", response_model=SearchAnswer, summary="Search the stored mail")
def search_messages(
    db: Annotated[Engine, Depends(engine)],
    config: Annotated[Settings, Depends(settings)],
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description='words, "a phrase", word*, from:, to:, domain:, subject:, list:, '
            "has:attachment, before:/after:YYYY-MM-DD, esp:, gem:, a OR b, -exclusions",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=200, description="answers to return")] = 20,
) -> dict:
    try:
        return linked_results(db, q, limit, config.rules_dir)
    except QueryError as exc:
        raise invalid(str(exc)) from exc
