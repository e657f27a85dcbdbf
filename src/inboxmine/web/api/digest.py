"""The digest of what changed, for the web: read-only, it never moves ``--since last``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from inboxmine.config import Settings
from inboxmine.web import data
from inboxmine.web.api.deps import engine, invalid, settings

router = APIRouter(tags=["digest"])


def digest_data(db: Engine, config: Settings, since: str, renewal_days: int | None) -> dict:
    """The digest as JSON-ready data (shared by the API and the admin page)."""
    from inboxmine.digest.store import make_digest

    made = make_digest(db, since, rules_dir=config.rules_dir, renewal_days=renewal_days)
    return data.jsonable(made.to_dict())


@router.get("/digest", summary="What changed since the previous digest, a date or a span")
async def get_digest(
    db: Annotated[Engine, Depends(engine)],
    config: Annotated[Settings, Depends(settings)],
    since: Annotated[
        str,
        Query(
            max_length=40, description="last (the previous recorded digest), 2026-03-01, or 7d/24h"
        ),
    ] = "last",
    renewal_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> dict[str, Any]:
    """New and changed gems, new unanswered asks, renewals coming due and drafts
    waiting. Nothing is recorded: ``inboxmine digest`` moves ``since=last``."""
    from inboxmine.digest.since import SinceError

    try:
        return await run_in_threadpool(digest_data, db, config, since, renewal_days)
    except SinceError as exc:
        raise invalid(str(exc)) from None
