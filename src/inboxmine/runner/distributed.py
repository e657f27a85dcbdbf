"""One run, many workers: an item stage's batches shared through the database.

Message stages share batches of message ids; named-item stages (classify
and profile per sender) share batches of their :class:`Item` s, cut by
weight as a local run cuts them.

The worker that executes a run (the *coordinator*) plans the run's items as
``run_batches`` rows and asks the queue for help; every worker that answers
(and the coordinator itself) claims batches with a lease, transforms them and
stores each one in a single transaction that also marks it ``done``. So:

* each batch is stored exactly once: a batch already done is never stored
  again (the late worker's transaction is rolled back);
* a worker killed mid-batch costs only that batch: its lease runs out and
  another worker claims it again (``attempts`` counts the tries);
* the ledger shows one run: only the coordinator writes ``pipeline_runs``,
  with ``items_processed`` summed over the batches done.

The coordinator runs the stage's ``before``/``after`` hooks and notices a
cancel; the others stop claiming when the run is no longer running.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, insert, or_, select, update

from inboxmine.config import Settings
from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.queue import run_batches
from inboxmine.db.types import utcnow
from inboxmine.runner import ledger
from inboxmine.runner.events import EventBus
from inboxmine.runner.events import bus as default_bus
from inboxmine.runner.registry import get_stage
from inboxmine.runner.stage import Item, Stage, StageContext
from inboxmine.runner.tracking import RunHandle

#: How often a waiting coordinator looks at the batches (seconds).
POLL_S = 0.2


@dataclass(frozen=True)
class Claim:
    """A batch this worker holds."""

    id: int
    batch_no: int
    #: The batch's message ids, or its :class:`Item` s (a named-item stage).
    keys: list[Any]


@dataclass(frozen=True)
class RunProgress:
    batches: int
    done: int
    items_processed: int
    items_failed: int

    @property
    def finished(self) -> bool:
        return self.done >= self.batches


class _AlreadyStored(Exception):
    """Another worker stored this batch first; this result is dropped."""


# ---------------------------------------------------------------- batches


def plan_batches(conn: Connection, run_id: int, batches: Iterable[Sequence[Any]]) -> int:
    """Store ``batches`` (message ids or :class:`Item` s) as ``run_batches``
    rows; returns how many."""
    rows = [
        {
            "pipeline_run_id": run_id,
            "batch_no": number,
            "item_ids": [_encode(key) for key in batch],
            "item_count": len(batch),
            "status": "pending",
            "attempts": 0,
            "items_processed": 0,
            "items_failed": 0,
        }
        for number, batch in enumerate(batches)
    ]
    if rows:
        conn.execute(insert(run_batches), rows)
    return len(rows)


def _encode(key: Any) -> Any:
    if isinstance(key, Item):
        return {"id": key.id, "name": key.name, "version": key.version, "weight": key.weight}
    return int(key)


def _decode(value: Any) -> Any:
    return Item(**value) if isinstance(value, dict) else int(value)


def claim_batch(engine: Engine, run_id: int, worker: str, lease_s: float) -> Claim | None:
    """Take the next pending batch of the run, or one whose lease ran out."""
    now = utcnow()
    claimable = or_(
        run_batches.c.status == "pending",
        and_(run_batches.c.status == "claimed", run_batches.c.lease_until < now),
    )
    with write_tx(engine) as conn:
        row = conn.execute(
            select(run_batches.c.id, run_batches.c.batch_no, run_batches.c.item_ids)
            .where(run_batches.c.pipeline_run_id == run_id, claimable)
            .order_by(run_batches.c.batch_no)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        conn.execute(
            update(run_batches)
            .where(run_batches.c.id == row.id)
            .values(
                status="claimed",
                claimed_by=worker,
                lease_until=now + timedelta(seconds=lease_s),
                attempts=run_batches.c.attempts + 1,
            )
        )
    return Claim(id=row.id, batch_no=row.batch_no, keys=[_decode(v) for v in row.item_ids])


def renew_lease(engine: Engine, claim: Claim, worker: str, lease_s: float) -> None:
    """Keep the claim while the batch is still being worked on."""
    with write_tx(engine) as conn:
        conn.execute(
            update(run_batches)
            .where(
                run_batches.c.id == claim.id,
                run_batches.c.status == "claimed",
                run_batches.c.claimed_by == worker,
            )
            .values(lease_until=utcnow() + timedelta(seconds=lease_s))
        )


def _mark_done(conn: Connection, claim: Claim, worker: str, processed: int, failed: int) -> None:
    changed = conn.execute(
        update(run_batches)
        .where(run_batches.c.id == claim.id, run_batches.c.status != "done")
        .values(
            status="done",
            done_by=worker,
            items_processed=processed,
            items_failed=failed,
            completed_at=utcnow(),
        )
    ).rowcount
    if not changed:
        raise _AlreadyStored(f"batch {claim.batch_no} was stored by another worker")


def run_progress(engine: Engine, run_id: int) -> RunProgress:
    done = func.sum(case((run_batches.c.status == "done", 1), else_=0))
    with read_tx(engine) as conn:
        row = conn.execute(
            select(
                func.count(),
                func.coalesce(done, 0),
                func.coalesce(func.sum(run_batches.c.items_processed), 0),
                func.coalesce(func.sum(run_batches.c.items_failed), 0),
            ).where(run_batches.c.pipeline_run_id == run_id)
        ).one()
    return RunProgress(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def process_claim(
    stage: Stage, ctx: StageContext, prepared: Any, claim: Claim, worker: str, lease_s: float
) -> bool:
    """Transform and store one claimed batch; False when another worker stored it first."""
    from inboxmine.runner.executor import load_items, transform_batch, write_results

    with read_tx(ctx.engine) as conn:
        items = load_items(stage, conn, claim.keys, ctx)
    renewed = [time.monotonic()]

    def keep_claim() -> None:
        if time.monotonic() - renewed[0] > lease_s / 3:
            renew_lease(ctx.engine, claim, worker, lease_s)
            renewed[0] = time.monotonic()

    limit = ctx.settings.runner.item_time_limit_s
    results = transform_batch(stage.transform, prepared, items, limit, tick=keep_claim)
    failed = sum(1 for _, outcome, _ in results if outcome is None)
    try:
        with write_tx(ctx.engine) as conn:
            _mark_done(conn, claim, worker, len(results), failed)
            write_results(conn, stage, ctx, results)
    except _AlreadyStored:
        return False
    return True


# ------------------------------------------------------------ the two roles


class Distributor:
    """The coordinator's side: plan the batches, ask for help, work, wait.

    ``ask_for_help(run_id, count)`` puts ``count`` help requests on the queue
    (each one makes a worker claim batches of that run until none is left).
    """

    def __init__(
        self,
        ask_for_help: Callable[[int, int], None],
        lease_s: float,
        worker: str | None = None,
        poll_s: float = POLL_S,
    ) -> None:
        self.ask_for_help = ask_for_help
        self.lease_s = lease_s
        self.worker = worker or ledger.worker_id()
        self.poll_s = poll_s

    def run_batches(
        self, stage: Stage, ctx: StageContext, batches: list[list[Any]], prepared: Any
    ) -> None:
        run_id = ctx.run.run_id
        with write_tx(ctx.engine) as conn:
            count = plan_batches(conn, run_id, batches)
        self.ask_for_help(run_id, count - 1)
        while True:
            claim = claim_batch(ctx.engine, run_id, self.worker, self.lease_s)
            if claim is not None:
                process_claim(stage, ctx, prepared, claim, self.worker, self.lease_s)
            progress = run_progress(ctx.engine, run_id)
            ctx.run.items_processed = progress.items_processed
            ctx.run.items_failed = progress.items_failed
            ctx.run.flush(force=progress.finished)  # raises Cancelled on a cancel
            if progress.finished:
                return
            if claim is None:
                time.sleep(self.poll_s)


def help_with_run(
    engine: Engine,
    settings: Settings,
    run_id: int,
    events: EventBus | None = None,
    worker: str | None = None,
) -> int:
    """A helper's side: claim and store batches of ``run_id`` until none is left.

    Returns the number of batches this worker stored. Does nothing once the
    run is no longer running (finished, failed or cancelled).
    """
    worker = worker or ledger.worker_id()
    stored = 0
    prepared: Any = None
    ctx: StageContext | None = None
    stage: Stage | None = None
    while True:
        run = ledger.get_run(engine, run_id)
        if run is None or run["status"] != "running" or run.get("cancel_requested"):
            return stored
        claim = claim_batch(engine, run_id, worker, settings.queue.lease_s)
        if claim is None:
            return stored
        if ctx is None:
            stage = get_stage(run["stage"])
            params = dict(run.get("parameters") or {})
            params.pop("reprocess", None)
            handle = RunHandle(engine, run_id, stage.key, events or default_bus)
            ctx = StageContext(engine=engine, settings=settings, run=handle, options=params)
            prepared = stage.prepare(ctx) if stage.prepare else None
            ctx.prepared = prepared
        if process_claim(stage, ctx, prepared, claim, worker, settings.queue.lease_s):
            stored += 1
