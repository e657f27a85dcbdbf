"""Gems: list, detail, status (acted/dismissed), drafting, score breakdowns."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Engine

from inboxmine.services import gems
from inboxmine.services.base import InvalidValue, NotFound
from inboxmine.web import data
from inboxmine.web.api import ratings
from inboxmine.web.api.deps import Limit, Offset, Page, engine, invalid, not_found, page, task_queue
from inboxmine.web.api.pipeline import Queued, start_runs
from inboxmine.web.queue import TaskQueue

router = APIRouter(tags=["gems"])
# First: /gems/quality must win over /gems/{gem_id}.
router.include_router(ratings.router)


class GemPage(Page):
    """One page of gems."""


class StatusChange(BaseModel):
    status: Literal[gems.SETTABLE_STATUSES]  # type: ignore[valid-type]


@router.get("/gems", response_model=GemPage, summary="Gems, filtered and paginated")
def list_gems(
    db: Annotated[Engine, Depends(engine)],
    gem_type: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[Literal["new", "acted", "dismissed", "expired"] | None, Query()] = None,
    urgency: Annotated[Literal["high", "medium", "low"] | None, Query()] = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    sender_domain: Annotated[str | None, Query(max_length=320)] = None,
    sort: Annotated[Literal["score", "score_asc", "newest", "urgency"], Query()] = "score",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    total, rows = data.gems_page(
        db, gem_type, status, urgency, min_score, sender_domain, sort, limit, offset
    )
    return page(total, rows)


@router.get("/gems/{gem_id}", summary="One gem with its explanation, score breakdown and drafts")
def get_gem(gem_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    found = data.gem(db, gem_id)
    if found is None:
        raise not_found(f"gem {gem_id}")
    found["drafts"] = data.gem_drafts(db, gem_id)
    found["rating"] = ratings.rating_of(db, gem_id)
    return data.jsonable(found)


@router.post("/gems/{gem_id}/status", summary="Mark a gem acted, dismissed, or new again")
def set_status(
    gem_id: int, change: StatusChange, db: Annotated[Engine, Depends(engine)]
) -> dict[str, Any]:
    """The gem service's rule (the CLI's): acted and dismissed stamp when, new clears both."""
    try:
        gems.set_gem_status(db, gem_id, change.status)
    except NotFound as exc:
        raise not_found(f"gem {gem_id}") from exc
    except InvalidValue as exc:
        raise invalid(str(exc)) from exc
    return data.jsonable(data.gem(db, gem_id))


@router.post("/gems/{gem_id}/generate", response_model=Queued, summary="Draft outreach for a gem")
def generate_draft(
    gem_id: int,
    db: Annotated[Engine, Depends(engine)],
    queue: Annotated[TaskQueue, Depends(task_queue)],
    strategy: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
    regenerate: bool = False,
) -> dict[str, Any]:
    """Queue the engage stage for this one gem (``triggered_by = web``)."""
    if data.gem(db, gem_id) is None:
        raise not_found(f"gem {gem_id}")
    parameters: dict[str, Any] = {"gem_ids": [gem_id]}
    if strategy:
        parameters["strategy"] = strategy
    if regenerate:
        parameters["regenerate"] = True
    try:
        return start_runs(db, queue, ["engage"], parameters)
    except Exception as exc:
        if getattr(exc, "status_code", None) == 422:
            raise invalid(
                "drafting is not available: the engage stage is not installed in this version"
            ) from exc
        raise


@router.get("/score/sender/{sender_domain:path}", summary="A sender's gems and score breakdowns")
def sender_score(sender_domain: str, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    if len(sender_domain) > 320:
        raise invalid("sender_domain is longer than 320 characters")
    found = data.sender_score(db, sender_domain)
    if found is None:
        raise not_found(f"sender {sender_domain!r}")
    return data.jsonable(found)


@router.get("/score/gem/{gem_id}", summary="One gem's score breakdown and signals")
def gem_score(gem_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    found = data.gem(db, gem_id)
    if found is None:
        raise not_found(f"gem {gem_id}")
    keys = (
        "id",
        "gem_type",
        "sender_domain",
        "score",
        "detector_score",
        "status",
        "score_breakdown",
        "explanation",
        "recommended_actions",
        "estimated_value",
        "urgency",
        "urgency_reason",
        "summary",
        "created_at",
    )
    return data.jsonable({k: found.get(k) for k in keys if k in found})
