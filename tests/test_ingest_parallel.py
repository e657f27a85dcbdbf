"""A large import parses in worker processes and stores exactly what a one-process import does."""

from __future__ import annotations

from sqlalchemy import select

from inboxmine.db.tables.ingest import messages
from inboxmine.sources import importer
from inboxmine.sources.base import RawMessage
from inboxmine.sources.importer import import_messages, parsed_messages
from inboxmine.sources.mbox import read_mbox


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(
                    messages.c.id,
                    messages.c.content_hash,
                    messages.c.subject,
                    messages.c.from_address,
                    messages.c.sent_at,
                    messages.c.is_sent,
                ).order_by(messages.c.id)
            )
        ]


def test_parse_workers_store_the_same_messages_in_the_same_order(
    engine, demo_corpus, tmp_path, monkeypatch
):
    from inboxmine.db.engine import make_engine
    from inboxmine.db.migrate import upgrade

    monkeypatch.setattr(importer, "POOL_AFTER", 150)
    monkeypatch.setattr(importer, "PARSE_CHUNK", 40)
    demo = demo_corpus(messages=600)
    me = set(demo.me)
    parallel = import_messages(
        engine,
        read_mbox(demo.mbox_path),
        source_kind="mbox",
        path="demo",
        my_addresses=me,
        workers=2,
    )
    single_engine = make_engine(f"sqlite:///{tmp_path / 'single.db'}")
    upgrade(single_engine)
    single = import_messages(
        single_engine,
        read_mbox(demo.mbox_path),
        source_kind="mbox",
        path="demo",
        my_addresses=me,
        workers=1,
    )
    assert parallel.stored == single.stored > 500
    assert parallel.threads_updated == single.threads_updated
    assert [r[1:] for r in _stored(engine)] == [r[1:] for r in _stored(single_engine)]
    single_engine.dispose()


def test_unreadable_items_keep_their_place_and_a_limit_stops_the_workers(monkeypatch):
    monkeypatch.setattr(importer, "POOL_AFTER", 3)
    monkeypatch.setattr(importer, "PARSE_CHUNK", 4)
    items = []
    for n in range(30):
        if n % 7 == 3:
            items.append(RawMessage(b"", "eml", f"f{n}", read_error="permission denied"))
        else:
            raw = f"From: a{n}@x.org\nSubject: s{n}\nMessage-ID: <{n}@x.org>\n\nbody\n".encode()
            items.append(RawMessage(raw, "eml", f"f{n}"))
    out = list(parsed_messages(items, set(), workers=2))
    assert [raw.source_ref for raw, _ in out] == [f"f{n}" for n in range(30)]
    for raw, parsed in out:
        if raw.read_error:
            assert parsed is None
        else:
            assert parsed.subject == "s" + raw.source_ref[1:]
    stream = parsed_messages(items, set(), workers=2)
    first = [next(stream) for _ in range(10)]
    stream.close()  # an import that stops early shuts its pool down
    assert len(first) == 10
