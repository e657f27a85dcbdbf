"""Live run events for the browser (Server-Sent Events).

Two sources feed one stream:

* the runner's in-process event bus (:data:`inboxmine.runner.events.bus`):
  runs executed by this process's queue workers, without delay;
* the ledger, polled about once a second: runs executed by another process
  (``inboxmine worker``, a CLI run) still appear, and a browser that
  reconnects is told what it missed.

:class:`RunTracker` merges both so each change is sent once: it remembers
the last state sent per run and turns a ledger row into only the events
that state does not explain yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select

from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.runner.events import EventBus

FINAL = ("completed", "failed")
POLL_EVERY_S = 1.0
#: How far before the browser's last event a reconnect replays runs.
RECONNECT_MARGIN = timedelta(seconds=5 * POLL_EVERY_S)
#: On (re)connect, runs that finished this long ago or less are replayed.
REPLAY_WINDOW = timedelta(minutes=5)


class RunTracker:
    """What was already sent about each run; turns states into new events only."""

    def __init__(self) -> None:
        self.sent: dict[int, tuple[str, int]] = {}

    def accept(self, event: dict[str, Any]) -> bool:
        """True when a bus event says something not sent yet (then it is recorded)."""
        run_id = event.get("run_id")
        kind = event.get("type")
        if run_id is None or kind is None:
            return False
        status = {
            "queued": "pending",
            "started": "running",
            "progress": "running",
            "done": "completed",
            "failed": "failed",
        }.get(kind)
        if status is None:
            return False
        count = int(event.get("items_processed") or 0)
        before = self.sent.get(run_id)
        if before is not None:
            if before[0] in FINAL:
                return False
            if kind in ("queued", "started") and before[0] in (status, "running"):
                return False
            if kind == "progress" and before == (status, count):
                return False
        self.sent[run_id] = (status, count)
        return True

    def events_for(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """The events that bring a watcher from what it was sent to ``row``'s state."""
        run_id, stage, status = row["id"], row["stage"], row["status"]
        count = int(row.get("items_processed") or 0)
        before = self.sent.get(run_id)
        if before == (status, count) or (before and before[0] in FINAL):
            return []
        events: list[dict[str, Any]] = []
        base = {"run_id": run_id, "stage": stage}
        if status == "pending":
            if before is None:
                events.append({"type": "queued", **base})
        else:
            if (before is None or before[0] == "pending") and row.get("started_at") is not None:
                events.append({"type": "started", **base})
            if status == "running":
                events.append(
                    {
                        "type": "progress",
                        **base,
                        "items_processed": count,
                        "items_failed": int(row.get("items_failed") or 0),
                        "items_total": row.get("items_total"),
                    }
                )
            elif status == "completed":
                events.append(
                    {
                        "type": "done",
                        **base,
                        "items_processed": count,
                        "items_failed": int(row.get("items_failed") or 0),
                    }
                )
            elif status == "failed":
                events.append({"type": "failed", **base, "error": row.get("error_message") or ""})
        self.sent[run_id] = (status, count)
        return events


def ledger_rows(engine: Engine, since: datetime, watched: list[int]) -> list[dict[str, Any]]:
    """Runs that are active, finished after ``since``, or still being watched."""
    conditions = [
        pipeline_runs.c.status.in_(("pending", "running")),
        pipeline_runs.c.completed_at >= since,
    ]
    if watched:
        conditions.append(pipeline_runs.c.id.in_(watched[-500:]))
    query = (
        select(
            pipeline_runs.c.id,
            pipeline_runs.c.stage,
            pipeline_runs.c.status,
            pipeline_runs.c.items_processed,
            pipeline_runs.c.items_failed,
            pipeline_runs.c.items_total,
            pipeline_runs.c.started_at,
            pipeline_runs.c.error_message,
        )
        .where(or_(*conditions))
        .order_by(pipeline_runs.c.id)
        .limit(500)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def format_event(event: dict[str, Any]) -> dict[str, str]:
    """One SSE message: the event name is its type, the data its JSON."""
    return {
        "event": str(event["type"]),
        "id": f"{time.time():.3f}",
        "data": json.dumps(event, default=str, ensure_ascii=False),
    }


async def stream(
    engine: Engine,
    bus: EventBus,
    last_event_id: str | None = None,
    max_seconds: float | None = None,
) -> AsyncIterator[dict[str, str]]:
    """The SSE messages for one browser connection, until it goes away.

    ``last_event_id`` (the browser sends it when it reconnects) is the time of
    the last event it saw: runs that finished after it are replayed.
    """
    since = datetime.now(UTC) - REPLAY_WINDOW
    if last_event_id:
        # A run that finished just before the last event may not have been
        # polled yet: replay a margin too (the page drops what it already showed).
        with contextlib.suppress(ValueError, OverflowError, OSError):
            last = datetime.fromtimestamp(float(last_event_id), UTC)
            since = max(since, last - RECONNECT_MARGIN)
    tracker = RunTracker()
    subscription = bus.subscribe()
    deadline = time.monotonic() + max_seconds if max_seconds else None
    next_poll = 0.0
    try:
        yield {"event": "hello", "data": json.dumps({"type": "hello"})}
        while deadline is None or time.monotonic() < deadline:
            sent_any = False
            while True:
                try:
                    event = subscription.get_nowait()
                except queue.Empty:
                    break
                if tracker.accept(event):
                    sent_any = True
                    yield format_event(event)
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + POLL_EVERY_S
                rows = await asyncio.to_thread(ledger_rows, engine, since, list(tracker.sent))
                for row in rows:
                    for event in tracker.events_for(row):
                        sent_any = True
                        yield format_event(event)
            if not sent_any:
                await asyncio.sleep(0.1)
    finally:
        bus.unsubscribe(subscription)
