"""The AI audit log: every AI call, whoever triggered it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Engine

from inboxmine.web import data
from inboxmine.web.api.deps import Limit, Offset, Page, engine, not_found, page

router = APIRouter(tags=["ai"])


class AuditPage(Page):
    """One page of audited AI calls."""


@router.get("/ai-audit", response_model=AuditPage, summary="Audited AI calls, newest first")
def list_calls(
    db: Annotated[Engine, Depends(engine)],
    stage: Annotated[str | None, Query(max_length=32)] = None,
    sender_domain: Annotated[str | None, Query(max_length=320, description="substring")] = None,
    model: Annotated[str | None, Query(max_length=255)] = None,
    run_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    total, rows = data.ai_audit_page(db, stage, sender_domain, model, run_id, limit, offset)
    return page(total, rows)


@router.get("/ai-audit/{audit_id}", summary="One AI call with prompts and responses")
def get_call(audit_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    found = data.ai_audit_entry(db, audit_id)
    if found is None:
        raise not_found(f"AI call {audit_id}")
    return data.jsonable(found)
