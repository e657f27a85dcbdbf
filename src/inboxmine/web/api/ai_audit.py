"""The AI audit log: every AI call, whoever triggered it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Engine

from inboxmine.web import data
from inboxmine.web.api.deps import engine, not_found

router = APIRouter(tags=["ai"])


class AuditPage(BaseModel):
    total: int
    items: list[dict[str, Any]]


@router.get("/ai-audit", response_model=AuditPage, summary="Audited AI calls, newest first")
def list_calls(
    db: Annotated[Engine, Depends(engine)],
    stage: Annotated[str | None, Query(max_length=32)] = None,
    sender_domain: Annotated[str | None, Query(max_length=320, description="substring")] = None,
    model: Annotated[str | None, Query(max_length=255)] = None,
    run_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    total, rows = data.ai_audit_page(db, stage, sender_domain, model, run_id, limit, offset)
    return {"total": total, "items": [data.jsonable(r) for r in rows]}


@router.get("/ai-audit/{audit_id}", summary="One AI call with prompts and responses")
def get_call(audit_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    found = data.ai_audit_entry(db, audit_id)
    if found is None:
        raise not_found(f"AI call {audit_id}")
    return data.jsonable(found)
