"""One import: a source's messages stored, threads updated, one ledger run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, update

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.runner.locks import stage_lock
from inboxmine.runner.tracking import tracked_run
from inboxmine.sources.base import RawMessage
from inboxmine.sources.files import SkipLog
from inboxmine.sources.store import BATCH_SIZE, MessageStore, StoreCounts
from inboxmine.sources.threads import update_threads


@dataclass
class ImportSummary:
    """What an import did, for the closing summary and for tests."""

    run_id: int
    counts: StoreCounts
    threads_updated: int
    #: Files of a folder tree looked at and left out (not mail, empty), with why.
    skipped: SkipLog = field(default_factory=SkipLog)

    @property
    def read(self) -> int:
        return self.counts.read

    @property
    def stored(self) -> int:
        return self.counts.stored

    @property
    def duplicates(self) -> int:
        return self.counts.duplicates

    @property
    def unparseable(self) -> int:
        return self.counts.unparseable

    @property
    def unreadable(self) -> int:
        return self.counts.unreadable


def import_messages(
    engine: Engine,
    source: Iterable[RawMessage],
    *,
    source_kind: str,
    path: str,
    my_addresses: set[str],
    limit: int | None = None,
    total: int | None = None,
    triggered_by: str = "cli",
    on_message: Callable[[RawMessage], None] | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
    skipped: SkipLog | None = None,
) -> ImportSummary:
    """Store every message of ``source`` (at most ``limit``) as one ``ingest`` run.

    Duplicates are skipped, unreadable and unparseable items are recorded as
    item errors of the run (the unparseable ones are stored too), and the
    threads of the new messages are recomputed at the end. ``on_message`` is
    called after each message is read (a progress bar's hook). ``total`` is
    the number of messages when the source knows it. ``skipped`` is the
    log the source fills with files it left out; their counts by reason are
    kept in the run's ``parameters`` (``skipped``), so the ledger says too.
    """
    parameters = {"source_kind": source_kind, "path": path}
    if limit is not None:
        parameters["limit"] = limit
    # Imports take turns: two at once could both store one Message-ID.
    with (
        stage_lock(engine, "ingest"),
        tracked_run(
            engine, stage="ingest", triggered_by=triggered_by, parameters=parameters
        ) as run,
    ):
        if total is not None:
            run.set_total(min(total, limit) if limit is not None else total)
        store = MessageStore(engine, my_addresses, run=run, batch_size=batch_size, now=now)
        for raw in source:
            if limit is not None and store.counts.read >= limit:
                break
            store.add(raw)
            if on_message is not None:
                on_message(raw)
        store.flush()
        # Messages not yet in a thread: this import's, and any an interrupted
        # import left behind.
        threads_updated = update_threads(engine, now=now)
        if skipped:
            _record_skipped(engine, run.run_id, parameters, skipped)
        run.flush(force=True)
    return ImportSummary(
        run_id=run.run_id,
        counts=store.counts,
        threads_updated=threads_updated,
        skipped=skipped if skipped is not None else SkipLog(),
    )


def _record_skipped(engine: Engine, run_id: int, parameters: dict, skipped: SkipLog) -> None:
    with write_tx(engine) as conn:
        conn.execute(
            update(pipeline_runs)
            .where(pipeline_runs.c.id == run_id)
            .values(parameters={**parameters, "skipped": skipped.by_kind()})
        )
