"""Storing parsed messages: batched, deduplicated, one short transaction per batch.

A message is a duplicate when its Message-ID is already stored with the same
sender, or when its content hash is (line-ending-normalised raw bytes). Each batch costs a
handful of statements whatever its size: one IN query per key, one
insert of the messages that says which were stored, one for their attachments.

On PostgreSQL the messages go in as one pipelined ``executemany`` of a
prepared single-row INSERT ... RETURNING (see :class:`_PipelinedInsert`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import attachments, messages
from inboxmine.runner import ledger
from inboxmine.search.document import build_document
from inboxmine.search.index import index_documents
from inboxmine.sources.base import RawMessage, is_sent_by_labels, is_sent_folder
from inboxmine.sources.parse import ParsedMessage, parse_message
from inboxmine.sources.read_state import read_state

BATCH_SIZE = 200
# Level 1 compresses mail text ~3-4x at a fraction of the default level's cost.
COMPRESS_LEVEL = 1
STAGE = "ingest"


@dataclass
class StoreCounts:
    """What happened to the messages handed to a :class:`MessageStore`."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    #: Stored, but almost nothing could be parsed (reason in parse_error).
    unparseable: int = 0
    #: Stored with a note in parse_error (includes the unparseable ones).
    with_problems: int = 0
    #: Could not be read at all (permission denied, not a file): not stored.
    unreadable: int = 0
    #: Read and parsed, but the database refused to store it (reason recorded).
    refused: int = 0
    new_ids: list[int] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Items the run counts as failed: unreadable, unparseable or refused."""
        return self.unreadable + self.unparseable + self.refused


@dataclass(slots=True)
class _Pending:
    raw: RawMessage
    parsed: ParsedMessage


class MessageStore:
    """Parse, deduplicate and store messages in batches.

    ``run`` (a :class:`~inboxmine.runner.tracking.RunHandle`, optional)
    receives progress and one item error per unreadable or unparseable item.
    Call :meth:`add` per message and :meth:`flush` at the end.
    """

    def __init__(
        self,
        engine: Engine,
        my_addresses: set[str],
        run=None,
        batch_size: int = BATCH_SIZE,
        now: datetime | None = None,
    ) -> None:
        self.engine = engine
        self.my_addresses = {a.lower() for a in my_addresses}
        self.run = run
        self.batch_size = batch_size
        self.now = now
        self.counts = StoreCounts()
        self._pending: list[_Pending] = []
        self._unreadable: list[RawMessage] = []
        self._insert = _returning_insert(engine)

    def add(self, raw: RawMessage, parsed: ParsedMessage | None = None) -> None:
        """Queue one message (parsed here unless ``parsed`` is given); a full
        batch is written at once."""
        self.counts.read += 1
        if raw.read_error:
            self._unreadable.append(raw)
        else:
            if parsed is None:
                received_at = self.now or datetime.now(UTC)
                parsed = parse_message(
                    raw.raw, my_addresses=self.my_addresses, received_at=received_at
                )
            self._pending.append(_Pending(raw, parsed))
        if len(self._pending) + len(self._unreadable) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the queued messages in one short transaction.

        If the database refuses the batch (one hostile message can do that,
        e.g. a value PostgreSQL will not store), the batch is written again
        message by message, and each refused one is an item error of the run:
        one bad message never costs the others.
        """
        if not self._pending and not self._unreadable:
            return
        pending, unreadable = self._pending, self._unreadable
        self._pending, self._unreadable = [], []
        before_failed = self.counts.failed
        try:
            self._write(pending, unreadable)
        except DBAPIError:
            if not pending:
                raise
            for item in pending:
                try:
                    self._write([item], [])
                except DBAPIError as exc:
                    self._refuse(item, exc)
            if unreadable:
                self._write([], unreadable)
        if self.run is not None:
            self.run.advance(
                processed=len(pending) + len(unreadable), failed=self.counts.failed - before_failed
            )

    def _write(self, pending: list[_Pending], unreadable: list[RawMessage]) -> None:
        """One transaction; the counts change only if it commits."""
        # No deep copy: new_ids grows with the import; it is cut back instead.
        saved = replace(self.counts)
        saved_ids = len(self.counts.new_ids)
        try:
            with write_tx(self.engine) as conn:
                fresh = self._drop_duplicates(conn, pending)
                inserted = self._insert_messages(conn, fresh)
                run_id = self.run.run_id if self.run is not None else None
                for item in fresh:
                    if item.parsed.content_hash in inserted and item.parsed.unparseable:
                        ledger.record_item_error(
                            conn,
                            run_id,
                            STAGE,
                            item.raw.item_id,
                            item.parsed.parse_error or "unparseable",
                        )
                for raw in unreadable:
                    ledger.record_item_error(
                        conn, run_id, STAGE, raw.item_id, raw.read_error or "unreadable"
                    )
        except BaseException:
            del saved.new_ids[saved_ids:]
            self.counts = saved
            raise
        self.counts.unreadable += len(unreadable)

    def _refuse(self, item: _Pending, exc: DBAPIError) -> None:
        reason = str(exc.orig or exc).strip().splitlines()[0][:300]
        with write_tx(self.engine) as conn:
            ledger.record_item_error(
                conn,
                self.run.run_id if self.run is not None else None,
                STAGE,
                item.raw.item_id,
                f"the database refused this message ({reason}); it was not stored - "
                "please report it with the file",
            )
        self.counts.refused += 1

    def _drop_duplicates(self, conn, pending: list[_Pending]) -> list[_Pending]:
        """The messages of the batch not stored before (nor earlier in the batch).

        A Message-ID makes a duplicate only together with the same sender:
        spam kits reuse Message-IDs across unrelated messages, and those must
        not be dropped. The content hash alone always does.
        """
        ids = {p.parsed.message_id for p in pending if p.parsed.message_id}
        hashes = {p.parsed.content_hash for p in pending}
        senders_by_id = _senders_by_message_id(conn, ids)
        known_hashes = _existing(conn, messages.c.content_hash, hashes)
        fresh = []
        for item in pending:
            mid, digest = item.parsed.message_id, item.parsed.content_hash
            sender = item.parsed.from_address
            if (mid and sender in senders_by_id.get(mid, ())) or digest in known_hashes:
                self.counts.duplicates += 1
                continue
            if mid:
                senders_by_id.setdefault(mid, set()).add(sender)
            known_hashes.add(digest)
            fresh.append(item)
        return fresh

    def _insert_messages(self, conn, fresh: list[_Pending]) -> set[str]:
        if not fresh:
            return set()
        ingested_at = datetime.now(UTC)
        rows = [_message_row(item, ingested_at) for item in fresh]
        ids = self._insert(conn, rows)
        # Lost a race with a concurrent import of the same message: a duplicate.
        self.counts.duplicates += len(fresh) - len(ids)
        attachment_rows = []
        documents = []
        for item in fresh:
            message_id = ids.get(item.parsed.content_hash)
            if message_id is None:
                continue
            self.counts.stored += 1
            self.counts.new_ids.append(message_id)
            if item.parsed.parse_error:
                self.counts.with_problems += 1
            if item.parsed.unparseable:
                self.counts.unparseable += 1
            attachment_rows.extend(
                {
                    "message_id": message_id,
                    "filename": a.filename,
                    "mime_type": a.mime_type,
                    "size_bytes": a.size_bytes,
                    "content_id": a.content_id,
                    "is_inline": a.is_inline,
                }
                for a in item.parsed.attachments
            )
            documents.append(_search_document(message_id, item.parsed))
        if attachment_rows:
            conn.execute(attachments.insert(), attachment_rows)
        # Searchable in the same transaction that stores them.
        index_documents(conn, documents)
        return set(ids)


def _search_document(message_id: int, parsed: ParsedMessage):
    return build_document(
        message_id,
        subject=parsed.subject,
        body_text_value=parsed.body_text,
        body_html=parsed.body_html,
        html_text=parsed.html_text,
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_addresses=parsed.to_addresses,
        cc_addresses=parsed.cc_addresses,
        attachment_names=[a.filename for a in parsed.attachments],
        headers=parsed.headers,
    )


def _senders_by_message_id(conn, ids: set[str]) -> dict[str, set[str | None]]:
    """The From addresses already stored under each of these Message-IDs."""
    found: dict[str, set[str | None]] = {}
    chunk = sorted(ids)
    for start in range(0, len(chunk), 500):  # SQLite caps bound parameters
        part = chunk[start : start + 500]
        query = select(messages.c.message_id, messages.c.from_address).where(
            messages.c.message_id.in_(part)
        )
        for message_id, sender in conn.execute(query):
            found.setdefault(message_id, set()).add(sender)
    return found


def _existing(conn, column, values: set[str]) -> set[str]:
    if not values:
        return set()
    found: set[str] = set()
    chunk = sorted(values)
    for start in range(0, len(chunk), 500):  # SQLite caps bound parameters
        part = chunk[start : start + 500]
        found.update(conn.execute(select(column).where(column.in_(part))).scalars())
    return found


def _returning_insert(engine: Engine):
    """A callable ``(conn, rows) -> {content_hash: messages.id}`` of the rows it stored.

    A row whose content hash is already stored (a concurrent import won the
    race) is skipped and missing from the answer.
    """
    statement = _insert_ignoring_conflicts(engine).returning(messages.c.id, messages.c.content_hash)
    if engine.dialect.name == "postgresql":
        return _PipelinedInsert(statement, engine.dialect)

    def insert(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        return {row.content_hash: row.id for row in conn.execute(statement, rows)}

    return insert


class _PipelinedInsert:
    """INSERT ... RETURNING of many rows as psycopg's pipelined ``executemany``.

    SQLAlchemy sends a many-row RETURNING insert as multi-row VALUES: for a
    batch of mail that is one ~100 KB statement with ~6,000 parameters, which
    psycopg re-scans and PostgreSQL re-plans for every batch. One prepared
    single-row statement executed per row in one pipeline round trip does the
    same work for about half the cost. SQLAlchemy still compiles the SQL and
    converts the values (its bind processors), so column types behave as in
    any other insert.
    """

    def __init__(self, statement: Insert, dialect) -> None:
        self.statement = statement
        self.dialect = dialect
        self._compiled: dict[tuple[str, ...], tuple[str, list]] = {}

    def _compile(self, keys: tuple[str, ...]) -> tuple[str, list]:
        compiled = self.statement.compile(dialect=self.dialect, column_keys=list(keys))
        if set(compiled.params) != set(keys):  # bind names must be the row's keys
            raise RuntimeError(
                f"messages insert: bind names {sorted(compiled.params)} differ from the "
                f"row's columns {sorted(keys)}; check _message_row against the table"
            )
        processors = []
        for key in keys:
            process = messages.c[key].type.dialect_impl(self.dialect).bind_processor(self.dialect)
            if process is not None:
                processors.append((key, process))
        return str(compiled), processors

    def __call__(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        keys = tuple(rows[0])
        if keys not in self._compiled:
            self._compiled[keys] = self._compile(keys)
        sql, processors = self._compiled[keys]
        params = []
        for row in rows:
            values = dict(row)
            for key, process in processors:
                values[key] = process(values[key])
            params.append(values)
        ids: dict[str, int] = {}
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(sql, params, returning=True)
            # One result per row: empty where ON CONFLICT skipped it.
            while True:
                for row_id, content_hash in cursor.fetchall():
                    ids[content_hash] = row_id
                if not cursor.nextset():
                    break
        except self.dialect.loaded_dbapi.Error as exc:
            # The same exception type as every other statement's failure.
            raise DBAPIError.instance(
                sql, None, exc, self.dialect.loaded_dbapi.Error, dialect=self.dialect
            ) from exc
        finally:
            cursor.close()
        return ids


def compress_raw(raw: bytes) -> bytes:
    """The raw bytes as ``messages.raw_compressed`` keeps them."""
    return zlib.compress(raw, COMPRESS_LEVEL)


def _insert_ignoring_conflicts(engine: Engine):
    if engine.dialect.name == "sqlite":
        return sqlite.insert(messages).on_conflict_do_nothing(index_elements=["content_hash"])
    if engine.dialect.name == "postgresql":
        return postgresql.insert(messages).on_conflict_do_nothing(index_elements=["content_hash"])
    return messages.insert()


def _message_row(item: _Pending, ingested_at: datetime) -> dict[str, Any]:
    raw, parsed = item.raw, item.parsed
    labels = raw.labels if raw.labels is not None else parsed.labels
    return {
        "message_id": parsed.message_id,
        "content_hash": parsed.content_hash,
        "source_kind": raw.source_kind,
        "source_ref": raw.source_ref,
        "source_position": (raw.position or "")[:255] or None,
        "gmail_id": parsed.gmail_id,
        "gmail_thread_id": raw.gmail_thread_id or parsed.gmail_thread_id,
        "labels": labels,
        "sent_at": parsed.sent_at,
        "sent_at_source": parsed.sent_at_source,
        "date_raw": parsed.date_raw,
        "from_address": (parsed.from_address or None) and parsed.from_address[:320],
        "from_name": parsed.from_name,
        "reply_to": parsed.reply_to,
        "to_addresses": parsed.to_addresses,
        "cc_addresses": parsed.cc_addresses,
        "subject": parsed.subject,
        "snippet": parsed.snippet,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "headers": parsed.headers,
        "body_text": parsed.body_text,
        "body_html": parsed.body_html,
        "size_bytes": parsed.size_bytes,
        "is_sent": parsed.is_sent or is_sent_folder(raw.folder) or is_sent_by_labels(labels),
        "is_read": read_state(
            raw.source_kind, given=raw.is_read, labels=labels, headers=parsed.headers
        ),
        "raw_compressed": parsed.raw_compressed or compress_raw(raw.raw),
        "parse_error": parsed.parse_error,
        "ingested_at": ingested_at,
        "thread_id": None,
    }
