"""Keeping the search index in step with ``messages`` (the database edge).

Import and sync index each batch in the transaction that stores it
(:func:`index_documents`, called by the MessageStore); ``inboxmine search
--reindex`` and the migration rebuild it for messages stored before
(:func:`rebuild_index`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection, Engine, case, func, select, text

from inboxmine.db.tables.ingest import attachments, messages
from inboxmine.db.tables.search import FTS_COLUMNS, PG_CONFIG, SEARCH_TABLE, fts5_ddl
from inboxmine.search.document import SearchDocument, build_document, lexeme_text

#: Messages read and indexed per round trip when the index is rebuilt.
REBUILD_BATCH = 500

_FTS_INSERT = text(
    f"INSERT INTO {SEARCH_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) "
    f"VALUES (:message_id, {', '.join(':' + c for c in FTS_COLUMNS)})"
)
_PG_INSERT = text(
    f"""
    INSERT INTO {SEARCH_TABLE}
        (message_id, subject_tsv, sender_tsv, recipients_tsv, list_tsv, document)
    SELECT v.id, v.s, v.f, v.r, v.l,
           setweight(v.s, 'A') || setweight(v.f, 'B') || setweight(v.r, 'C')
           || setweight(v.l, 'C') || setweight(to_tsvector('{PG_CONFIG}', v.rest), 'D')
    FROM (SELECT CAST(:message_id AS integer) AS id,
                 to_tsvector('{PG_CONFIG}', CAST(:subject AS text)) AS s,
                 to_tsvector('{PG_CONFIG}', CAST(:sender AS text)) AS f,
                 to_tsvector('{PG_CONFIG}', CAST(:recipients AS text)) AS r,
                 to_tsvector('{PG_CONFIG}', CAST(:list_id AS text)) AS l,
                 CAST(:rest AS text) AS rest) AS v
    ON CONFLICT (message_id) DO UPDATE SET
        subject_tsv = EXCLUDED.subject_tsv, sender_tsv = EXCLUDED.sender_tsv,
        recipients_tsv = EXCLUDED.recipients_tsv, list_tsv = EXCLUDED.list_tsv,
        document = EXCLUDED.document
    """
)


def _pg_row(doc: SearchDocument) -> dict:
    # Split and folded here, so PostgreSQL's parser sees words exactly as
    # SQLite's tokenizer does (no e-mail, host or URL tokens).
    return {
        "message_id": doc.message_id,
        "subject": lexeme_text(doc.subject),
        "sender": lexeme_text(doc.sender),
        "recipients": lexeme_text(doc.recipients),
        "list_id": lexeme_text(doc.list_id),
        "rest": lexeme_text(doc.body + " " + doc.attachments),
    }


def index_documents(conn: Connection, docs: list[SearchDocument]) -> None:
    """Add these messages to the index, in the caller's transaction."""
    if not docs:
        return
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.execute(_FTS_INSERT, [{"message_id": d.message_id, **d.fields()} for d in docs])
    elif dialect == "postgresql":
        conn.execute(_PG_INSERT, [_pg_row(d) for d in docs])


def _document_rows(conn: Connection, query) -> list[SearchDocument]:
    rows = conn.execute(query).mappings().all()
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    names: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        found = select(attachments.c.message_id, attachments.c.filename).where(
            attachments.c.message_id.in_(part), attachments.c.filename.is_not(None)
        )
        for message_id, filename in conn.execute(found):
            names.setdefault(message_id, []).append(filename)
    return [
        build_document(
            r["id"],
            subject=r["subject"],
            body_text_value=r["body_text"],
            body_html=r["body_html"],
            from_address=r["from_address"],
            from_name=r["from_name"],
            to_addresses=r["to_addresses"],
            cc_addresses=r["cc_addresses"],
            attachment_names=names.get(r["id"], ()),
            headers=r["headers"],
        )
        for r in rows
    ]


def _message_query():
    has_text = func.length(func.trim(func.coalesce(messages.c.body_text, ""))) > 0
    return select(
        messages.c.id,
        messages.c.subject,
        messages.c.body_text,
        # The HTML travels only when there is no text part to index instead.
        case((has_text, None), else_=messages.c.body_html).label("body_html"),
        messages.c.from_address,
        messages.c.from_name,
        messages.c.to_addresses,
        messages.c.cc_addresses,
        messages.c.headers,
    )


def documents_for(conn: Connection, message_ids: Iterable[int]) -> list[SearchDocument]:
    """The search documents of stored messages, read from the database."""
    ids = sorted(set(message_ids))
    docs: list[SearchDocument] = []
    for start in range(0, len(ids), REBUILD_BATCH):
        part = ids[start : start + REBUILD_BATCH]
        docs.extend(_document_rows(conn, _message_query().where(messages.c.id.in_(part))))
    return docs


def index_messages(conn: Connection, message_ids: Iterable[int]) -> int:
    """Index stored messages by id (on PostgreSQL again if indexed before; on
    SQLite, whose contentless index cannot replace a row, only new ones)."""
    ids = {int(i) for i in message_ids}
    if conn.dialect.name == "sqlite" and ids:
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            part = ordered[start : start + 500]
            marks = ", ".join(f":i{n}" for n in range(len(part)))
            known = conn.execute(
                text(f"SELECT id FROM {SEARCH_TABLE}_docsize WHERE id IN ({marks})"),
                {f"i{n}": v for n, v in enumerate(part)},
            ).scalars()
            ids.difference_update(known)
    docs = documents_for(conn, ids)
    index_documents(conn, docs)
    return len(docs)


def clear_index(conn: Connection) -> None:
    """Empty the index (its table stays)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(fts5_ddl()))
        conn.execute(text(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('delete-all')"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text(f"DELETE FROM {SEARCH_TABLE}"))


def rebuild_index(
    target: Connection | Engine,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = REBUILD_BATCH,
) -> int:
    """Index every stored message from scratch, in one transaction (searches
    see the old index until it commits). ``progress(done, total)`` is called
    after each batch. Returns the number of messages indexed."""
    if isinstance(target, Engine):
        from inboxmine.db.engine import write_tx

        with write_tx(target) as conn:
            return rebuild_index(conn, progress, batch_size)
    conn = target
    clear_index(conn)
    total = conn.execute(select(func.count()).select_from(messages)).scalar_one()
    done, last_id = 0, 0
    while True:
        query = _message_query().where(messages.c.id > last_id).order_by(messages.c.id)
        docs = _document_rows(conn, query.limit(batch_size))
        if not docs:
            break
        index_documents(conn, docs)
        done += len(docs)
        last_id = docs[-1].message_id
        if progress is not None:
            progress(done, total)
    return done


def drop_index(engine: Engine) -> None:
    """Remove the index table (``db reset`` drops ``messages`` after it)."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))


def indexed_count(engine: Engine) -> int:
    """How many messages the index holds."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # A contentless FTS5 table counts its rows in its docsize shadow table.
            return conn.execute(text(f"SELECT count(*) FROM {SEARCH_TABLE}_docsize")).scalar_one()
        return conn.execute(text(f"SELECT count(*) FROM {SEARCH_TABLE}")).scalar_one()
