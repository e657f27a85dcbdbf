"""One import: a source's messages stored, threads updated, one ledger run."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from inboxmine.runner import ledger
from inboxmine.runner.locks import stage_lock
from inboxmine.runner.tracking import tracked_run
from inboxmine.sources.base import RawMessage
from inboxmine.sources.files import SkipLog
from inboxmine.sources.parse import ParsedMessage, parse_message
from inboxmine.sources.store import BATCH_SIZE, MessageStore, StoreCounts, compress_raw
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


#: Messages parsed here before an import starts parse worker processes: a
#: small import (a sync of today's mail) never pays for starting a pool.
POOL_AFTER = 1000
#: Messages per job sent to a parse worker.
PARSE_CHUNK = 100


def _parse_chunk(
    raws: list[bytes], my_addresses: set[str], received_at: datetime
) -> list[ParsedMessage]:
    """Worker side: parse and compress a chunk of messages (pure), so that the
    one process that stores does as little per message as it can."""
    parsed = []
    for raw in raws:
        message = parse_message(raw, my_addresses=my_addresses, received_at=received_at)
        message.raw_compressed = compress_raw(raw)
        parsed.append(message)
    return parsed


def parsed_messages(
    source: Iterable[RawMessage],
    my_addresses: set[str],
    *,
    workers: int,
    now: datetime | None = None,
) -> Iterator[tuple[RawMessage, ParsedMessage | None]]:
    """Each message of ``source`` with its parse, in source order.

    The first :data:`POOL_AFTER` are parsed here; after that, with more than
    one worker, chunks are parsed in ``workers`` processes while this one
    stores (parsing is most of an import's time). An unreadable item comes
    with ``None``.
    """
    from inboxmine.runner.executor import process_pool

    items = iter(source)
    for count, raw in enumerate(items, start=1):
        yield raw, _parse_one(raw, my_addresses, now)
        if count >= POOL_AFTER and workers > 1:
            break
    else:
        return
    with process_pool(workers) as pool:
        in_flight: list[tuple[list[RawMessage], Future]] = []
        while True:
            chunk = [raw for _, raw in zip(range(PARSE_CHUNK), items, strict=False)]
            if chunk:
                readable = [raw.raw for raw in chunk if not raw.read_error]
                future = pool.submit(_parse_chunk, readable, my_addresses, now or datetime.now(UTC))
                in_flight.append((chunk, future))
            if in_flight and (len(in_flight) > workers or not chunk):
                done, future = in_flight.pop(0)
                parsed = iter(future.result())
                for raw in done:
                    yield raw, None if raw.read_error else next(parsed)
            if not chunk and not in_flight:
                return


def _parse_one(raw: RawMessage, my_addresses: set[str], now: datetime | None):
    if raw.read_error:
        return None
    return parse_message(raw.raw, my_addresses=my_addresses, received_at=now or datetime.now(UTC))


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
    workers: int | None = None,
    skipped: SkipLog | None = None,
) -> ImportSummary:
    """Store every message of ``source`` (at most ``limit``) as one ``ingest`` run.

    Duplicates are skipped, unreadable and unparseable items are recorded as
    item errors of the run (the unparseable ones are stored too), and the
    threads of the new messages are recomputed at the end. ``on_message`` is
    called after each message is read (a progress bar's hook). ``total`` is
    the number of messages when the source knows it. ``workers``: parse
    processes for a large import (default: one per core; 1 parses here).
    ``skipped`` is the log the source fills with files it left out; their
    counts by reason are kept in the run's ``parameters`` (``skipped``), so
    the ledger says too.
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
        mine = store.my_addresses
        stream = parsed_messages(source, mine, workers=workers or os.cpu_count() or 1, now=now)
        try:
            for raw, parsed in stream:
                if limit is not None and store.counts.read >= limit:
                    break
                store.add(raw, parsed)
                if on_message is not None:
                    on_message(raw)
        finally:
            stream.close()  # stops the parse workers when the import stops early
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
    ledger.add_parameters(engine, run_id, {"skipped": skipped.by_kind()})
