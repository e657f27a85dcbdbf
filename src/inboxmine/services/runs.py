"""The run ledger as people use it: list runs, show one with its item errors,
cancel one. ``inboxmine runs``, ``/api/pipeline/runs`` and the admin's
Pipeline pages call these.

Runs are created, moved forward and failed by :mod:`inboxmine.runner.ledger`
(the store of ``pipeline_runs`` and ``item_errors``) as stages execute; people
never edit a run, they may only ask a pending or running one to stop.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from inboxmine.db.tables.ledger import item_errors
from inboxmine.runner import ledger
from inboxmine.runner.ledger import (
    LIST_COLUMNS,
    SORTABLE,
    STATUSES,
    get_run,
    list_runs,
    run_duration_seconds,
)
from inboxmine.services.base import InvalidValue, NotFound, reading

#: Statuses a run can still be cancelled in.
CANCELLABLE = ("pending", "running")


def not_found(run_id: int) -> NotFound:
    return NotFound(f"run {run_id} does not exist: `inboxmine runs` lists the runs")


def run(engine: Engine, run_id: int) -> dict[str, Any]:
    """One run, or :class:`NotFound`."""
    found = get_run(engine, run_id)
    if found is None:
        raise not_found(run_id)
    return found


def run_item_errors(engine: Engine, run_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """Why items of run ``run_id`` failed, in the order they failed."""
    query = (
        select(item_errors)
        .where(item_errors.c.pipeline_run_id == run_id)
        .order_by(item_errors.c.id)
        .limit(limit)
    )
    with reading(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def cancel_run(engine: Engine, run_id: int) -> dict[str, Any]:
    """Ask a pending or running run to stop: it stops at its next progress report
    and is marked failed ("cancelled"). A finished run is refused."""
    found = run(engine, run_id)
    if found["status"] not in CANCELLABLE:
        raise InvalidValue(
            f"run {run_id} is {found['status']}: only pending or running runs can be cancelled"
        )
    ledger.request_cancel(engine, run_id)
    return {"status": "cancel requested", "run_id": run_id}


__all__ = [
    "CANCELLABLE",
    "LIST_COLUMNS",
    "SORTABLE",
    "STATUSES",
    "InvalidValue",
    "NotFound",
    "cancel_run",
    "get_run",
    "list_runs",
    "run",
    "run_duration_seconds",
    "run_item_errors",
]
