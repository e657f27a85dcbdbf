"""The fast write paths store exactly what the plain ones did, on both backends.

On PostgreSQL the messages of a batch go in as one pipelined executemany
(store.py) and sessions compress large values with lz4 (engine.py); these
tests pin what callers rely on: which rows were stored, their values and
types, the errors raised, and that an administrator's setting wins.
"""

import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from inboxmine.db.engine import make_engine, write_tx
from inboxmine.db.tables.ingest import attachments, messages
from inboxmine.sources.base import RawMessage
from inboxmine.sources.parse import parse_message
from inboxmine.sources.store import MessageStore, _returning_insert

ME = {"me@example.com"}
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def mail(number: int, attachment: bool = False) -> bytes:
    head = (
        f"Message-ID: <{number}@shop.example>\nFrom: Shop <news@shop.example>\n"
        f"To: me@example.com, Bo <bo@example.com>\nSubject: Sale {number}\n"
        "Date: Tue, 3 Mar 2026 10:00:00 +0100\nReferences: <a@x> <b@x>\n"
    )
    if not attachment:
        return (head + f"\nSpring sale number {number}.\n").encode()
    return (
        head + 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nPrice list attached.\n"
        '--b\nContent-Type: application/pdf; name="prices.pdf"\n'
        'Content-Disposition: attachment; filename="prices.pdf"\n'
        "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n"
    ).encode()


def raw(number: int, **kwargs) -> RawMessage:
    return RawMessage(
        raw=mail(number, **kwargs), source_kind="mbox", source_ref="t.mbox", position=str(number)
    )


def stored_hashes(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(messages.c.content_hash, messages.c.id)).all())


def test_a_message_a_concurrent_import_stored_first_counts_as_duplicate(engine):
    # Message 2 arrives from elsewhere (a sync) after the batch's duplicate
    # check: the insert skips it and the store must not claim it.
    store = MessageStore(engine, ME, now=NOW)
    batch = [raw(1), raw(2, attachment=True), raw(3, attachment=True)]
    for item in batch:
        store.add(item)
    racer = store._pending[1]
    original_drop = store._drop_duplicates

    def drop_then_lose_race(conn, pending):
        fresh = original_drop(conn, pending)
        # (In this transaction: SQLite would make a second writer wait.)
        conn.execute(insert(messages), [_row_of(racer)])
        return fresh

    store._drop_duplicates = drop_then_lose_race
    store.flush()

    assert (store.counts.stored, store.counts.duplicates) == (2, 1)
    ids = stored_hashes(engine)
    assert sorted(store.counts.new_ids) == sorted(
        ids[p.parsed.content_hash] for p in (_parsed(1), _parsed(3, attachment=True))
    )
    with engine.connect() as conn:
        owners = conn.execute(select(attachments.c.message_id, attachments.c.filename)).all()
    # Only the message this import stored got its attachment row.
    assert owners == [(ids[_parsed(3, attachment=True).parsed.content_hash], "prices.pdf")]


def _parsed(number: int, **kwargs):
    from inboxmine.sources.store import _Pending

    item = raw(number, **kwargs)
    return _Pending(item, parse_message(item.raw, my_addresses=ME, received_at=NOW))


def _row_of(pending) -> dict:
    from inboxmine.sources.store import _message_row

    return _message_row(pending, NOW)


def test_stored_values_keep_their_types_on_both_backends(engine):
    store = MessageStore(engine, ME, now=NOW)
    store.add(raw(7, attachment=True))
    store.add(
        RawMessage(
            raw=mail(8),
            source_kind="gmail",
            source_ref="me@example.com",
            position="g8",
            labels=["INBOX", "Sent"],
        )
    )
    store.flush()

    with engine.connect() as conn:
        rows = conn.execute(select(messages).order_by(messages.c.id)).mappings().all()
    first, second = rows
    assert first["sent_at"] == datetime(2026, 3, 3, 9, tzinfo=UTC)
    assert first["sent_at"].utcoffset() == timedelta(0)
    assert first["to_addresses"] == ["me@example.com", "bo@example.com"]
    assert first["references"] == ["a@x", "b@x"]
    assert first["headers"]["subject"] == ["Sale 7"]
    assert first["labels"] is None and first["is_sent"] is False
    assert zlib.decompress(first["raw_compressed"]) == mail(7, attachment=True)
    assert second["labels"] == ["INBOX", "Sent"] and second["is_sent"] is True
    assert first["ingested_at"].tzinfo is not None


def test_reimporting_a_batch_stores_nothing_and_keeps_ids(engine):
    first = MessageStore(engine, ME, now=NOW)
    for number in range(5):
        first.add(raw(number))
    first.flush()
    before = stored_hashes(engine)

    again = MessageStore(engine, ME, now=NOW)
    for number in range(5):
        again.add(raw(number))
    again.flush()

    assert (again.counts.stored, again.counts.duplicates) == (0, 5)
    assert stored_hashes(engine) == before


def test_a_row_the_database_refuses_raises_sqlalchemys_integrity_error(engine):
    row = _row_of(_parsed(1))
    row["source_kind"] = None  # NOT NULL
    store_insert = _returning_insert(engine)
    with pytest.raises(IntegrityError), write_tx(engine) as conn:
        store_insert(conn, [row])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 0


def _toast_compression(engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SHOW default_toast_compression").scalar_one()


@pytest.mark.postgres
def test_postgresql_sessions_compress_mail_with_lz4_unless_told_otherwise(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured: set INBOXMINE_TEST_POSTGRES_URL")
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            has_lz4 = conn.exec_driver_sql(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                " WHERE name = 'default_toast_compression'"
            ).scalar()
        assert _toast_compression(engine) == ("lz4" if has_lz4 else "pglz")
    finally:
        engine.dispose()

    # A setting someone made on purpose (here: the connection's options) wins.
    told = make_engine(postgres_url, connect_args={"options": "-c default_toast_compression=pglz"})
    try:
        assert _toast_compression(told) == "pglz"
    finally:
        told.dispose()
