"""The pipeline: the run ledger (read-only), starting runs, the live event stream."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel
from sqlalchemy import Engine
from sse_starlette import EventSourceResponse

from inboxmine.runner import registry
from inboxmine.runner.events import bus
from inboxmine.runner.executor import queue_runs
from inboxmine.runner.registry import UnknownStage
from inboxmine.services import runs
from inboxmine.web import data, events
from inboxmine.web.api.deps import Limit, Offset, engine, invalid, not_found, task_queue
from inboxmine.web.queue import TaskQueue

router = APIRouter(tags=["pipeline"])

RUN_FIELDS = (
    "id",
    "stage",
    "status",
    "started_at",
    "completed_at",
    "items_processed",
    "items_failed",
    "items_total",
    "triggered_by",
    "error_message",
    "created_at",
    "parameters",
    "batch_id",
)


class Run(BaseModel):
    id: int
    stage: str
    status: Literal["pending", "running", "completed", "failed"]
    started_at: str | None = None
    completed_at: str | None = None
    items_processed: int
    items_failed: int = 0
    items_total: int | None = None
    triggered_by: str
    error_message: str | None = None
    created_at: str
    duration_s: float | None = None
    parameters: dict[str, Any] | None = None
    batch_id: str | None = None


class RunDetail(Run):
    item_errors: list[dict[str, Any]] = []
    ai_calls: list[dict[str, Any]] = []


class RunPage(BaseModel):
    total: int
    items: list[Run]


class Queued(BaseModel):
    status: Literal["queued"] = "queued"
    run_ids: list[int]
    stages: list[str]


def run_json(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: data.jsonable(row.get(k)) for k in RUN_FIELDS}
    out["duration_s"] = runs.run_duration_seconds(row)
    return out


@router.get("/pipeline/runs", response_model=RunPage, summary="The run ledger")
def list_runs(
    db: Annotated[Engine, Depends(engine)],
    stage: Annotated[str | None, Query(max_length=32, description="only this stage")] = None,
    status: Annotated[Literal["pending", "running", "completed", "failed"] | None, Query()] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="search stage or status (substring)")
    ] = None,
    sort: Annotated[
        Literal["stage", "status", "started_at", "items_processed", "created_at", "id"], Query()
    ] = "started_at",
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Every stage execution, newest first by default (read-only: runs are
    created only by triggering stages)."""
    total, rows = runs.list_runs(
        db,
        stage=stage,
        status=status,
        q=q,
        sort=sort,
        descending=order == "desc",
        limit=limit,
        offset=offset,
    )
    return {"total": total, "items": [run_json(r) for r in rows]}


@router.get("/pipeline/runs/{run_id}", response_model=RunDetail, summary="One run")
def get_run(run_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    """One run with its error_message, duration, per-item errors and AI calls."""
    row = runs.get_run(db, run_id)
    if row is None:
        raise not_found(f"run {run_id}")
    out = run_json(row)
    out["item_errors"] = [data.jsonable(e) for e in data.run_item_errors(db, run_id)]
    out["ai_calls"] = [data.jsonable(c) for c in data.run_ai_calls(db, run_id)]
    return out


def start_runs(
    db: Engine, queue: TaskQueue, keys: list[str], parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Queue runs (``triggered_by = web``) and one task that executes them in order."""
    try:
        stage_keys = registry.expand(keys, queue.settings)
    except UnknownStage as exc:
        raise invalid(str(exc)) from exc
    if not stage_keys:
        raise invalid("no pipeline stages are installed in this version of inboxmine")
    run_ids = queue_runs(db, stage_keys, "web", parameters, queue.settings)
    for run_id, key in zip(run_ids, stage_keys, strict=True):
        bus.publish({"type": "queued", "run_id": run_id, "stage": key})
    queue.enqueue(run_ids)
    return {"status": "queued", "run_ids": run_ids, "stages": stage_keys}


@router.post("/pipeline/run/{stage}", response_model=Queued, summary="Run a stage, or all")
def run_stage(
    stage: str,
    db: Annotated[Engine, Depends(engine)],
    queue: Annotated[TaskQueue, Depends(task_queue)],
    retrain: Annotated[
        bool, Query(description="classify: use your overrides as corrections")
    ] = False,
    reprocess: Annotated[bool, Query(description="process every item again")] = False,
) -> dict[str, Any]:
    """Queue a stage (a key, or ``all`` for stages 1-6 in order, stopping at
    the first failure). Returns the queued run ids; follow them on
    ``/api/pipeline/stream``."""
    if stage != "all" and stage not in registry.stages():
        known = ", ".join(registry.stages()) or "none installed"
        raise invalid(f"unknown stage {stage[:40]!r}: choose one of {known}, or all")
    parameters: dict[str, Any] = {}
    if retrain:
        parameters["retrain"] = True
    if reprocess:
        parameters["reprocess"] = True
    return start_runs(db, queue, [stage], parameters or None)


@router.post("/pipeline/runs/{run_id}/cancel", summary="Ask a running run to stop")
def cancel_run(run_id: int, db: Annotated[Engine, Depends(engine)]) -> dict[str, Any]:
    """The run stops at its next progress report and is marked failed ("cancelled")."""
    try:
        return runs.cancel_run(db, run_id)
    except runs.NotFound as exc:
        raise not_found(f"run {run_id}") from exc
    except runs.InvalidValue as exc:
        raise invalid(str(exc)) from exc


@router.get(
    "/pipeline/stream",
    summary="Live run events (Server-Sent Events)",
    response_class=EventSourceResponse,
)
async def stream(
    request: Request,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    timeout: Annotated[
        float | None, Query(gt=0, le=86_400, description="close the stream after this many seconds")
    ] = None,
) -> EventSourceResponse:
    """Events ``queued``, ``started``, ``progress``, ``done``, ``failed``; each
    event's data is JSON with ``run_id`` and ``stage``. A client that
    reconnects (``Last-Event-ID``) gets the runs that finished meanwhile."""
    db = request.app.state.engine
    return EventSourceResponse(
        events.stream(db, bus, last_event_id, timeout),
        ping=15,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/stages", summary="Every stage with its output rows and last run")
def list_stages(db: Annotated[Engine, Depends(engine)]) -> list[dict[str, Any]]:
    return [data.jsonable(s) for s in data.stages_overview(db)]
