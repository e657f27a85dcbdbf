"""Numbers for the dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Engine

from inboxmine.web import data
from inboxmine.web.api.deps import engine

router = APIRouter(tags=["stats"])


@router.get("/stats", summary="Row counts")
def stats(db: Annotated[Engine, Depends(engine)]) -> dict[str, int]:
    return data.stats(db)


@router.get("/stats/gems-by-type")
def gems_by_type(db: Annotated[Engine, Depends(engine)]) -> list[dict[str, Any]]:
    return data.gems_by_type(db)


@router.get("/stats/gems-top", summary="The best gems with value and urgency")
def gems_top(
    db: Annotated[Engine, Depends(engine)], n: Annotated[int, Query(ge=1, le=100)] = 10
) -> list[dict[str, Any]]:
    return [data.jsonable(g) for g in data.top_gems(db, n)]


@router.get("/stats/by-industry", summary="Senders per industry")
def by_industry(db: Annotated[Engine, Depends(engine)]) -> list[dict[str, Any]]:
    return data.by_industry(db)


@router.get("/stats/by-esp", summary="Messages per email service provider")
def by_esp(db: Annotated[Engine, Depends(engine)]) -> list[dict[str, Any]]:
    return data.by_esp(db)


@router.get("/stats/pipeline-activity", summary="The latest runs")
def pipeline_activity(
    db: Annotated[Engine, Depends(engine)], n: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    return [data.jsonable(r) for r in data.recent_runs(db, n)]
