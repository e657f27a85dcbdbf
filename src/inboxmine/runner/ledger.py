"""The run ledger (``pipeline_runs``): every stage execution, whoever triggers it.

Runs are created here and nowhere else, and only move forward:
pending -> running -> completed | failed.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ledger import item_errors, pipeline_runs, stage_items
from inboxmine.db.types import utcnow

STATUSES = ("pending", "running", "completed", "failed")
TRIGGERS = ("web", "cli")
SORTABLE = ("stage", "status", "started_at", "items_processed", "created_at", "id")
#: What a listing of runs shows, in the CLI (`inboxmine runs`) and the admin alike.
LIST_COLUMNS = (
    "id",
    "stage",
    "status",
    "started_at",
    "completed_at",
    "items_processed",
    "triggered_by",
)
#: A running run whose heartbeat is older than this, from another host or a
#: dead process, was interrupted.
STALE_AFTER = timedelta(minutes=10)
INTERRUPTED_MESSAGE = (
    "interrupted: the process running this stage stopped before it finished "
    "(restart, crash or Ctrl-C); run the stage again - it continues where it stopped"
)


class LedgerError(Exception):
    """A ledger operation that cannot be done (e.g. an unknown run id)."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def create_run(
    engine: Engine,
    stage: str,
    triggered_by: str,
    parameters: dict[str, Any] | None = None,
    batch_id: str | None = None,
) -> int:
    """Queue a run (status ``pending``) and return its id."""
    if triggered_by not in TRIGGERS:
        raise LedgerError(f"triggered_by must be one of {TRIGGERS}, not {triggered_by!r}")
    with write_tx(engine) as conn:
        result = conn.execute(
            pipeline_runs.insert().values(
                stage=stage,
                status="pending",
                triggered_by=triggered_by,
                parameters=parameters or {},
                batch_id=batch_id,
                created_at=utcnow(),
                items_processed=0,
                items_failed=0,
                cancel_requested=False,
            )
        )
        return int(result.inserted_primary_key[0])


def start_run(engine: Engine, run_id: int) -> None:
    now = utcnow()
    with write_tx(engine) as conn:
        changed = conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == run_id, pipeline_runs.c.status == "pending")
            .values(status="running", started_at=now, heartbeat_at=now, worker=worker_id())
        ).rowcount
    if not changed:
        raise LedgerError(f"run {run_id} is not pending: it cannot be started again")


def add_parameters(engine: Engine, run_id: int, extra: dict[str, Any]) -> None:
    """Add what a run decided (``notes``, bypassed settings...) to its parameters."""
    with write_tx(engine) as conn:
        current = conn.execute(
            select(pipeline_runs.c.parameters).where(pipeline_runs.c.id == run_id)
        ).scalar()
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == run_id)
            .values(parameters={**(current or {}), **extra})
        )


def record_progress(
    engine: Engine,
    run_id: int,
    items_processed: int,
    items_failed: int,
    items_total: int | None = None,
) -> bool:
    """Store progress and a heartbeat; returns True when a cancel was requested."""
    values: dict[str, Any] = {
        "items_processed": items_processed,
        "items_failed": items_failed,
        "heartbeat_at": utcnow(),
    }
    if items_total is not None:
        values["items_total"] = items_total
    with write_tx(engine) as conn:
        conn.execute(update(pipeline_runs).where(pipeline_runs.c.id == run_id).values(**values))
        return bool(
            conn.execute(
                select(pipeline_runs.c.cancel_requested).where(pipeline_runs.c.id == run_id)
            ).scalar()
        )


def complete_run(engine: Engine, run_id: int, items_processed: int, items_failed: int = 0) -> None:
    with write_tx(engine) as conn:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == run_id)
            .values(
                status="completed",
                completed_at=utcnow(),
                items_processed=items_processed,
                items_failed=items_failed,
            )
        )


def fail_run(
    engine: Engine,
    run_id: int,
    error_message: str,
    items_processed: int | None = None,
    items_failed: int | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": "failed",
        "completed_at": utcnow(),
        "error_message": error_message,
    }
    if items_processed is not None:
        values["items_processed"] = items_processed
    if items_failed is not None:
        values["items_failed"] = items_failed
    with write_tx(engine) as conn:
        conn.execute(update(pipeline_runs).where(pipeline_runs.c.id == run_id).values(**values))


def request_cancel(engine: Engine, run_id: int) -> None:
    with write_tx(engine) as conn:
        conn.execute(
            update(pipeline_runs).where(pipeline_runs.c.id == run_id).values(cancel_requested=True)
        )


def record_item_error(conn, run_id: int | None, stage: str, item_id: Any, error: str) -> None:
    """Store why one item failed; the run goes on (call inside the batch's transaction)."""
    conn.execute(
        item_errors.insert().values(
            pipeline_run_id=run_id,
            stage=stage,
            item_id=str(item_id),
            error=error[:4000],
            created_at=utcnow(),
        )
    )


def item_keys_done(conn, stage: str, run_id: int) -> list[str]:
    """The named items (``item_key``) this run of ``stage`` stored as done,
    whichever worker stored them."""
    query = select(stage_items.c.item_key).where(
        stage_items.c.stage == stage,
        stage_items.c.pipeline_run_id == run_id,
        stage_items.c.status == "done",
    )
    return list(conn.execute(query).scalars())


def _pid_alive(worker: str | None) -> bool:
    if not worker or ":" not in worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname():
        return True  # cannot tell; rely on the heartbeat
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted(engine: Engine, include_pending: bool = False) -> list[int]:
    """Mark runs whose process died as failed ("interrupted"); returns their ids.

    A run is interrupted when its worker process on this host no longer
    exists, or its heartbeat is older than :data:`STALE_AFTER`. Pending runs
    are left alone unless ``include_pending`` (their queue may still hold them).
    """
    statuses = ["running"] + (["pending"] if include_pending else [])
    stale_before = utcnow() - STALE_AFTER
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                pipeline_runs.c.id,
                pipeline_runs.c.worker,
                pipeline_runs.c.heartbeat_at,
                pipeline_runs.c.status,
            ).where(pipeline_runs.c.status.in_(statuses))
        ).all()
    dead = [
        r.id
        for r in rows
        if r.status == "pending"
        or not _pid_alive(r.worker)
        or (r.heartbeat_at is not None and r.heartbeat_at < stale_before)
    ]
    if dead:
        with write_tx(engine) as conn:
            conn.execute(
                update(pipeline_runs)
                .where(pipeline_runs.c.id.in_(dead), pipeline_runs.c.status.in_(statuses))
                .values(status="failed", completed_at=utcnow(), error_message=INTERRUPTED_MESSAGE)
            )
    return dead


def get_run(engine: Engine, run_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = (
            conn.execute(select(pipeline_runs).where(pipeline_runs.c.id == run_id))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def list_runs(
    engine: Engine,
    stage: str | None = None,
    status: str | None = None,
    q: str | None = None,
    sort: str = "started_at",
    descending: bool = True,
    limit: int | None = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Runs filtered by stage/status (``q`` searches both), sorted; (total, page)."""
    if sort not in SORTABLE:
        raise LedgerError(f"cannot sort by {sort!r}: choose one of {', '.join(SORTABLE)}")
    conditions = []
    if stage:
        conditions.append(pipeline_runs.c.stage == stage)
    if status:
        conditions.append(pipeline_runs.c.status == status)
    if q:
        like = f"%{q.strip().lower()}%"
        conditions.append(
            or_(
                func.lower(pipeline_runs.c.stage).like(like),
                func.lower(pipeline_runs.c.status).like(like),
            )
        )
    where = and_(*conditions) if conditions else None
    column = pipeline_runs.c[sort]
    # Runs that never started sort after started ones, newest-first or not.
    order = [
        column.is_(None),
        column.desc() if descending else column.asc(),
        pipeline_runs.c.id.desc() if descending else pipeline_runs.c.id.asc(),
    ]
    query = select(pipeline_runs).order_by(*order)
    count = select(func.count()).select_from(pipeline_runs)
    if where is not None:
        query = query.where(where)
        count = count.where(where)
    if limit is not None:
        query = query.limit(limit)
    query = query.offset(offset)
    with engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return total, rows


def run_duration_seconds(run: dict[str, Any]) -> float | None:
    if run.get("started_at") and run.get("completed_at"):
        return (run["completed_at"] - run["started_at"]).total_seconds()
    return None
