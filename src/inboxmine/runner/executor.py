"""Executes stages: item batches in worker processes, the ledger, run-all order.

Every path that runs a stage (CLI, web queue, sync --watch) comes through
:func:`execute_run`, so every execution is recorded the same way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql

from inboxmine.config import Settings
from inboxmine.db.engine import make_engine, write_tx
from inboxmine.db.tables import metadata as schema
from inboxmine.db.tables.ledger import pipeline_runs, stage_items
from inboxmine.db.types import utcnow
from inboxmine.runner import ledger
from inboxmine.runner.events import EventBus
from inboxmine.runner.locks import stage_lock
from inboxmine.runner.registry import expand, get_stage
from inboxmine.runner.stage import Item, ItemError, Outcome, Stage, StageContext
from inboxmine.runner.timelimit import time_limit
from inboxmine.runner.tracking import StageError, tracked_run

#: Below this many pending items a pool costs more than it saves.
MIN_ITEMS_FOR_POOL = 400


# ---------------------------------------------------------------- queueing


def queue_runs(
    engine: Engine,
    keys: list[str],
    triggered_by: str,
    parameters: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> list[int]:
    """Create ``pending`` runs for the stages (``all`` expanded as the settings
    say), in order."""
    stage_keys = expand(keys, settings)
    batch_id = str(uuid.uuid4()) if len(stage_keys) > 1 else None
    return [
        ledger.create_run(engine, key, triggered_by, parameters, batch_id) for key in stage_keys
    ]


def execute_runs(
    engine: Engine,
    settings: Settings,
    run_ids: Sequence[int],
    events: EventBus | None = None,
    distributor: Any = None,
) -> bool:
    """Execute queued runs in order, stopping at the first failure.

    Runs after a failed one are marked failed with the reason, so nothing
    stays ``pending`` forever. Returns True when all completed.
    """
    from inboxmine.stored_settings import apply_stored

    # The settings stored with the database, read now: a long-lived worker
    # or `sync --watch` computes with what was set since it started.
    settings = apply_stored(settings, engine)
    for position, run_id in enumerate(run_ids):
        try:
            completed = execute_run(engine, settings, run_id, events, distributor)
        except BaseException:  # Ctrl-C: the runs not started yet must not stay pending
            _skip_rest(
                engine, run_ids[position + 1 :], "not run: the run before it was interrupted"
            )
            raise
        if not completed:
            failed = ledger.get_run(engine, run_id)
            _skip_rest(
                engine,
                run_ids[position + 1 :],
                f"not run: the previous stage {failed['stage']} (run {run_id}) failed; "
                "fix that error and run the stages again",
            )
            return False
    return True


def _skip_rest(engine: Engine, run_ids: Sequence[int], reason: str) -> None:
    for later in run_ids:
        later_run = ledger.get_run(engine, later)
        if later_run and later_run["status"] == "pending":
            ledger.start_run(engine, later)
            ledger.fail_run(engine, later, reason)


def run_stages(
    engine: Engine,
    settings: Settings,
    keys: list[str],
    triggered_by: str = "cli",
    parameters: dict[str, Any] | None = None,
    events: EventBus | None = None,
) -> tuple[bool, list[int]]:
    """Queue and execute stages now (the CLI path). Returns (all ok, run ids)."""
    run_ids = queue_runs(engine, keys, triggered_by, parameters, settings)
    return execute_runs(engine, settings, run_ids, events), run_ids


def execute_run(
    engine: Engine,
    settings: Settings,
    run_id: int,
    events: EventBus | None = None,
    distributor: Any = None,
) -> bool:
    """Execute one queued run; True when it completed. Never raises for stage errors.

    With a ``distributor`` (runs from a shared queue), an item stage's batches
    are shared with the other workers of that queue (:mod:`runner.distributed`).
    """
    run = ledger.get_run(engine, run_id)
    if run is None:
        raise ledger.LedgerError(f"run {run_id} does not exist")
    stage = get_stage(run["stage"])
    params = dict(run.get("parameters") or {})
    try:
        with (
            stage_lock(engine, stage.key),
            tracked_run(
                engine, stage.key, run["triggered_by"], run_id=run_id, events=events
            ) as handle,
        ):
            ctx = StageContext(
                engine=engine,
                settings=settings,
                run=handle,
                reprocess=bool(params.pop("reprocess", False)),
                options=params,
                distributor=distributor,
            )
            try:
                run_stage(stage, ctx)
            finally:  # what the run decided is said even when it stopped
                _record_notes(ctx)
            handle.flush(force=True)
    except KeyboardInterrupt:
        raise
    except Exception:
        return False
    return True


# ------------------------------------------------------------ the items


def _pending_ids(stage: Stage, ctx: StageContext) -> list[int]:
    """Message stages: eligible ids without a done mark (one SQL anti-join)."""
    eligible = stage.items(ctx).subquery()
    done_statuses = ["done", "error"]
    if not (stage.redo_partial and stage.redo_partial(ctx)):
        done_statuses.append("partial")
    already = exists().where(
        and_(
            stage_items.c.stage == stage.key,
            stage_items.c.item_id == eligible.c.item_id,
            stage_items.c.status.in_(done_statuses),
        )
    )
    query = select(eligible.c.item_id).where(~already).order_by(eligible.c.item_id)
    with ctx.engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


_UNMARKED = object()


def _pending_items(stage: Stage, ctx: StageContext) -> tuple[list[Item], int]:
    """Named items: eligible ones without a done mark at their current version.

    Returns (pending, how many eligible items were left out as done)."""
    eligible = list(stage.items(ctx))
    ctx.eligible = eligible
    redo = ctx.reprocess or stage.pending == "all" or bool(stage.redo_done and stage.redo_done(ctx))
    if redo:
        return eligible, 0
    done_statuses = ["done"]
    if not stage.retry_errors:
        done_statuses.append("error")
    if not (stage.redo_partial and stage.redo_partial(ctx)):
        done_statuses.append("partial")
    query = select(stage_items.c.item_id, stage_items.c.item_key, stage_items.c.item_version).where(
        stage_items.c.stage == stage.key, stage_items.c.status.in_(done_statuses)
    )
    with ctx.engine.connect() as conn:
        marks = {(row[0], row[1]): row[2] for row in conn.execute(query)}
    pending = [
        item for item in eligible if marks.get((item.id, item.name), _UNMARKED) != item.version
    ]
    return pending, len(eligible) - len(pending)


def _batches(keys: list, size: int, weight: int | None = None) -> Iterator[list]:
    """Batches of ``size`` keys, or of about ``weight`` summed ``Item.weight``."""
    if weight is None:
        for start in range(0, len(keys), size):
            yield keys[start : start + size]
        return
    batch: list = []
    total = 0
    for key in keys:
        batch.append(key)
        total += key.weight
        if total >= weight:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


class Unreadable:
    """An item ``load`` could not read (its error, for the item's error row)."""

    def __init__(self, error: str) -> None:
        self.error = error


def load_items(
    stage: Stage, conn: Connection, keys: list, ctx: StageContext
) -> list[tuple[Any, Any]]:
    """``stage.load`` of a batch, each loaded item with its key; when the batch
    cannot be read, item by item, so one item with odd data is that item's
    error, not the batch's."""
    return list(zip(keys, _load(stage, conn, keys, ctx), strict=True))


def _load(stage: Stage, conn: Connection, keys: list, ctx: StageContext) -> list:
    try:
        return stage.load(conn, keys, ctx)
    except Exception:
        if len(keys) == 1:
            raise
    loaded = []
    for key in keys:
        try:
            loaded += stage.load(conn, [key], ctx)
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            loaded.append(Unreadable(f"{key}: cannot be read ({detail[:500]})"))
    return loaded


class StageStopped(Exception):
    """A transform stopped the whole stage (a :class:`StageError`, e.g. the AI
    provider went away); ``results`` are the batch's items done before it."""

    def __init__(self, results: list, reason: str) -> None:
        super().__init__(results, reason)
        self.results = results
        self.reason = reason


def transform_batch(
    transform, prepared, items: list[tuple[Any, Any]], limit: float | None, tick=None
):
    """Worker side: transform each item, capturing its error instead of raising.

    A :class:`StageError` from the transform stops the stage: it is raised as
    :class:`StageStopped` with the results so far, so they are kept.
    ``tick()``, when given, is called after each item (a distributed worker
    renews its claim there)."""
    results = []
    for item_id, item in items:
        if tick is not None:
            tick()
        if isinstance(item, Unreadable):
            results.append((item_id, None, item.error))
            continue
        try:
            with time_limit(limit):
                outcome = transform(item, prepared)
            if not isinstance(outcome, Outcome):
                outcome = Outcome(rows=outcome)
            results.append((item_id, outcome, None))
        except StageError as exc:
            raise StageStopped(results, str(exc)) from exc
        except ItemError as exc:
            results.append((item_id, None, str(exc)[:2000]))
        except Exception as exc:  # one bad item never fails the stage
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            results.append((item_id, None, detail[:2000]))
    return results


@dataclass(frozen=True)
class WorkerLoad:
    """What a worker process needs to load its batches itself (``Stage.loads_in_workers``)."""

    stage_key: str
    database_url: str
    settings: Settings
    options: dict[str, Any]
    prepared: Any
    limit: float | None


#: A worker process's engines, by database URL (one connection each).
_WORKER_ENGINES: dict[str, Engine] = {}


def load_and_transform_batch(job: WorkerLoad, batch: list) -> list:
    """Worker side of a stage that loads in its workers: read the batch on this
    process's own connection, then :func:`transform_batch` it."""
    if job.database_url not in _WORKER_ENGINES:
        _WORKER_ENGINES[job.database_url] = make_engine(job.database_url)
    stage = get_stage(job.stage_key)
    ctx = StageContext(
        engine=_WORKER_ENGINES[job.database_url],
        settings=job.settings,
        run=None,  # type: ignore[arg-type]  # the run is the main process's
        options=job.options,
    )
    ctx.prepared = job.prepared
    with ctx.engine.connect() as conn:
        items = load_items(stage, conn, batch, ctx)
    return transform_batch(stage.transform, job.prepared, items, job.limit)


def _worker_load(stage: Stage, ctx: StageContext, limit: float | None) -> WorkerLoad | None:
    """How the workers load this stage's batches; None when the main process
    loads them (the stage does not ask, or the database is in this process's memory)."""
    url = ctx.engine.url
    if not stage.loads_in_workers or (
        url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    ):
        return None
    return WorkerLoad(
        stage_key=stage.key,
        database_url=url.render_as_string(hide_password=False),
        settings=ctx.settings,
        options=ctx.options,
        prepared=ctx.prepared,
        limit=limit,
    )


def _worker_count(ctx: StageContext, pending: int, stage: Stage) -> int:
    """Worker processes for the transforms; 0 runs them in this process.

    Off the main thread (the web queue's workers) the per-item time limit
    cannot be enforced in-process, so even small runs of a message stage go
    to a worker process there: one hostile message must not stall the
    admin's queue. Stages that are not ``parallel`` always run here.
    """
    settings = ctx.settings
    if pending == 0 or not stage.runs_parallel(ctx):
        return 0
    limit_enforceable = threading.current_thread() is threading.main_thread()
    # AI stages have no per-item limit: their providers have timeouts.
    no_limit = stage.uses_ai or not settings.runner.item_time_limit_s
    if pending < MIN_ITEMS_FOR_POOL:
        return 0 if (limit_enforceable or no_limit) else 1
    wanted = settings.runner.workers or os.cpu_count() or 1
    return max(1, min(wanted, os.cpu_count() or 1))


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for pure CPU work (stage transforms, import parsing)."""
    # fork is fast, but forking a threaded process (the web server) is unsafe.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def run_stage(stage: Stage, ctx: StageContext) -> None:
    """Run one stage the same way whatever its items are: the pending items,
    in batches, then its ``after`` hook (aggregates)."""
    if ctx.reprocess and stage.by_message:
        with write_tx(ctx.engine) as conn:
            conn.execute(delete(stage_items).where(stage_items.c.stage == stage.key))
    if stage.before:
        stage.before(ctx)
    if stage.by_message:
        keys, already_done = _pending_ids(stage, ctx), 0
    else:
        keys, already_done = _pending_items(stage, ctx)
    if stage.choose:
        keys = stage.choose(ctx, keys, already_done)
    ctx.run.set_total(len(keys))
    if keys:
        _run_batches(stage, ctx, keys)
    if stage.after:
        stage.after(ctx)


def _run_batches(stage: Stage, ctx: StageContext, keys: list) -> None:
    prepared = stage.prepare(ctx) if stage.prepare else None
    ctx.prepared = prepared
    # AI stages wait on their provider, which has its own timeouts.
    limit = None if stage.uses_ai else ctx.settings.runner.item_time_limit_s
    batch_size = max(1, ctx.settings.runner.batch_size)
    batches = _batches(keys, batch_size, stage.batch_weight)
    if ctx.distributor is not None and stage.runs_parallel(ctx):
        batches = list(batches)
        if len(batches) > 1:  # shared with the queue's other workers
            ctx.distributor.run_batches(stage, ctx, batches, prepared)
            return
    workers = _worker_count(ctx, len(keys), stage)

    def load(batch: list) -> list[tuple[Any, Any]]:
        with ctx.engine.connect() as conn:
            return load_items(stage, conn, batch, ctx)

    try:
        if workers == 0:
            for batch in batches:
                _store(stage, ctx, transform_batch(stage.transform, prepared, load(batch), limit))
            return
        job = _worker_load(stage, ctx, limit)
        with process_pool(workers) as pool:
            in_flight: list[Future] = []
            for batch in batches:
                if job is not None:
                    in_flight.append(pool.submit(load_and_transform_batch, job, batch))
                else:
                    in_flight.append(
                        pool.submit(transform_batch, stage.transform, prepared, load(batch), limit)
                    )
                if len(in_flight) > workers:
                    _store(stage, ctx, in_flight.pop(0).result())
            for future in in_flight:
                _store(stage, ctx, future.result())
    except StageStopped as stopped:  # keep what was done before the stage stopped
        if stopped.results:
            _store(stage, ctx, stopped.results)
        raise StageError(stopped.reason) from None


def _record_notes(ctx: StageContext) -> None:
    """The run's notes and facts, in its parameters."""
    extra: dict[str, Any] = dict(ctx.facts)
    if ctx.notes:
        extra["notes"] = list(ctx.notes)
    if extra:
        ledger.add_parameters(ctx.engine, ctx.run.run_id, extra)


def _store(stage: Stage, ctx: StageContext, results) -> None:
    with write_tx(ctx.engine) as conn:
        failed = write_results(conn, stage, ctx, results)
    ctx.run.advance(processed=len(results), failed=failed)


def write_results(conn: Connection, stage: Stage, ctx: StageContext, results) -> int:
    """Store one batch's results inside ``conn``'s transaction: the output rows,
    the item errors and the stage marks. Returns the number of failed items."""
    outcomes = {item_id: outcome for item_id, outcome, error in results if outcome is not None}
    errors = [(item_id, error) for item_id, outcome, error in results if outcome is None]
    errors += [(key, o.note or "failed") for key, o in outcomes.items() if o.status == "error"]
    now = utcnow()
    if outcomes and stage.write:
        stage.write(conn, outcomes, ctx)
    elif outcomes:
        replace_rows(conn, outcomes, ctx, stage.item_key)
    for item_id, error in errors:
        ctx.run.item_error(item_id, error, conn=conn)
    keys = [key for key, _, _ in results]
    if stage.by_message:
        which = _among(conn, stage_items.c.item_id, keys)
    else:
        which = tuple_(stage_items.c.item_id, stage_items.c.item_key).in_(
            [(item.id, item.name) for item in keys]
        )
    conn.execute(delete(stage_items).where(stage_items.c.stage == stage.key, which))
    marks = [
        {
            "stage": stage.key,
            **_mark_key(key),
            "status": "error" if outcome is None else outcome.status,
            "pipeline_run_id": ctx.run.run_id,
            "processed_at": now,
        }
        for key, outcome, _ in results
    ]
    if marks:
        conn.execute(insert(stage_items), marks)
    return len(errors)


def _mark_key(key: Any) -> dict[str, Any]:
    if isinstance(key, Item):
        return {"item_id": key.id, "item_key": key.name, "item_version": key.version}
    return {"item_id": key, "item_key": "", "item_version": None}


def replace_rows(
    conn: Connection, outcomes: dict[int, Outcome], ctx: StageContext, item_key: str = "message_id"
) -> None:
    """Default write: each output table's rows for these items replace the old ones."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for outcome in outcomes.values():
        for table_name, rows in outcome.rows.items():
            by_table.setdefault(table_name, []).extend(rows)
    ids = list(outcomes)
    for table_name in by_table.keys() | set(_output_tables(ctx)):
        table = schema.tables[table_name]
        if item_key in table.c:
            conn.execute(delete(table).where(_among(conn, table.c[item_key], ids)))
    for table_name, rows in by_table.items():
        if rows:
            conn.execute(insert(schema.tables[table_name]), rows)


def _among(conn: Connection, column, ids: list) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL ``column = ANY(:array)``.

    One array parameter keeps the statement text the same for every batch, so
    psycopg parses it once and the server reuses its plan, instead of a new
    statement with a placeholder per item (a batch is 200 items).
    """
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(column.type)))
    return column.in_(ids)


def _output_tables(ctx: StageContext) -> tuple[str, ...]:
    return get_stage(ctx.run.stage).output_tables


# ---------------------------------------------------------------- queries


def stage_row_counts(engine: Engine) -> dict[str, int]:
    """Rows in each stage's first output table (for the pipeline health strip)."""
    from inboxmine.runner.registry import stages

    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for key, stage in stages().items():
            table = schema.tables.get(stage.output_tables[0]) if stage.output_tables else None
            counts[key] = (
                conn.execute(select(func.count()).select_from(table)).scalar_one()
                if table is not None
                else 0
            )
    return counts


def last_runs(engine: Engine) -> dict[str, dict[str, Any]]:
    """The newest run of each stage."""
    newest = (
        select(pipeline_runs.c.stage, func.max(pipeline_runs.c.id).label("id"))
        .group_by(pipeline_runs.c.stage)
        .subquery()
    )
    query = select(pipeline_runs).join(newest, pipeline_runs.c.id == newest.c.id)
    with engine.connect() as conn:
        return {row["stage"]: dict(row) for row in conn.execute(query).mappings()}
