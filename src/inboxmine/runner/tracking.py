"""One stage execution, recorded: the glue between work and the ledger.

``tracked_run`` wraps any job (a stage, an import, a sync) so that its row in
``pipeline_runs`` moves pending -> running -> completed | failed, progress is
stored and published, per-item errors are kept, and a cancel is noticed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from inboxmine.db.engine import write_tx
from inboxmine.runner import ledger
from inboxmine.runner.events import EventBus
from inboxmine.runner.events import bus as default_bus

PROGRESS_EVERY_S = 0.5


class StageError(Exception):
    """The stage cannot work at all; the message tells the user what to do."""


class Cancelled(Exception):
    """The run was cancelled by the user."""


@dataclass
class RunHandle:
    """What a running job uses to report; see :func:`tracked_run`."""

    engine: Engine
    run_id: int
    stage: str
    events: EventBus
    items_processed: int = 0
    items_failed: int = 0
    items_total: int | None = None
    _last_flush: float = field(default=0.0)

    def set_total(self, total: int | None) -> None:
        self.items_total = total
        self.flush(force=True)

    def advance(self, processed: int = 1, failed: int = 0) -> None:
        """Count finished items (``failed`` of them failed) and report progress."""
        self.items_processed += processed
        self.items_failed += failed
        self.flush()

    def item_error(self, item_id: Any, error: str, conn=None) -> None:
        """Record why one item failed, inside ``conn``'s transaction if given."""
        if conn is not None:
            ledger.record_item_error(conn, self.run_id, self.stage, item_id, error)
        else:
            with write_tx(self.engine) as own:
                ledger.record_item_error(own, self.run_id, self.stage, item_id, error)

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < PROGRESS_EVERY_S:
            return
        self._last_flush = now
        cancel = ledger.record_progress(
            self.engine, self.run_id, self.items_processed, self.items_failed, self.items_total
        )
        self.events.publish(
            {
                "type": "progress",
                "run_id": self.run_id,
                "stage": self.stage,
                "items_processed": self.items_processed,
                "items_failed": self.items_failed,
                "items_total": self.items_total,
            }
        )
        if cancel:
            raise Cancelled(f"run {self.run_id} ({self.stage}) was cancelled")


@contextmanager
def tracked_run(
    engine: Engine,
    stage: str,
    triggered_by: str,
    parameters: dict[str, Any] | None = None,
    run_id: int | None = None,
    events: EventBus | None = None,
) -> Iterator[RunHandle]:
    """Record one execution of ``stage`` in the ledger around the ``with`` body.

    Pass ``run_id`` to execute a run already queued (``pending``); otherwise a
    new run is created. An exception marks the run failed with its message
    (a :class:`StageError` message is meant for the user as it is) and is
    re-raised.
    """
    events = events or default_bus
    if run_id is None:
        run_id = ledger.create_run(engine, stage, triggered_by, parameters)
    ledger.start_run(engine, run_id)
    handle = RunHandle(engine=engine, run_id=run_id, stage=stage, events=events)
    events.publish({"type": "started", "run_id": run_id, "stage": stage})
    try:
        yield handle
    except BaseException as exc:
        message = describe_failure(stage, exc)
        ledger.fail_run(engine, run_id, message, handle.items_processed, handle.items_failed)
        events.publish({"type": "failed", "run_id": run_id, "stage": stage, "error": message})
        raise
    ledger.complete_run(engine, run_id, handle.items_processed, handle.items_failed)
    events.publish(
        {
            "type": "done",
            "run_id": run_id,
            "stage": stage,
            "items_processed": handle.items_processed,
            "items_failed": handle.items_failed,
        }
    )


def describe_failure(stage: str, exc: BaseException) -> str:
    """An error message a user can act on."""
    if isinstance(exc, StageError):
        return str(exc)
    again = (
        "run the same `inboxmine ingest` or `inboxmine sync` command again: messages already stored are skipped"
        if stage == "ingest"
        else f"run `inboxmine run {stage}` to continue where it stopped"
    )
    if isinstance(exc, Cancelled):
        return f"cancelled by the user: {again}"
    if isinstance(exc, KeyboardInterrupt):
        return f"interrupted (Ctrl-C): {again}"
    text = str(exc) or exc.__class__.__name__
    lowered = text.lower()
    if "database is locked" in lowered:
        return (
            f"{stage}: the database stayed locked by another writer for too long ({text}); "
            "wait for the other run to finish and run the stage again"
        )
    if "no such table" in lowered or "does not exist" in lowered and "relation" in lowered:
        return f"{stage}: the database schema is missing or old ({text}); run `inboxmine init`"
    return f"{stage} failed: {exc.__class__.__name__}: {text}"
