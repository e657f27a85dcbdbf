"""A mailbox of spam and phishing through stages 1-6 yields no gems, because of
the per-message verdicts (without them, the same mailbox yields procurement "gems")."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, select
from tests.hostile_mail import hostile_messages

from inboxmine.db.engine import write_tx
from inboxmine.db.tables import metadata as schema
from inboxmine.runner.executor import run_stages
from inboxmine.sources.base import RawMessage
from inboxmine.sources.importer import import_messages

STAGES = ["metadata", "content", "entities", "classify", "profile", "segment"]
NOW = {"now": "2026-03-01T12:00:00+00:00"}


def _gems(engine) -> Counter:
    gems = schema.tables["gems"]
    with engine.connect() as conn:
        return Counter(r[0] for r in conn.execute(select(gems.c.gem_type)))


def test_a_spam_and_phishing_mailbox_yields_no_gems(engine, settings):
    raws = [
        RawMessage(m.raw, "eml", "hostile", position=str(i), labels=m.labels)
        for i, m in enumerate(hostile_messages(count=300, seed=21))
    ]
    import_messages(
        engine, raws, source_kind="eml", path="hostile", my_addresses={"me@example.org"}
    )
    settings = settings.model_copy(update={"me": ["me@example.org"]})

    ok, _ = run_stages(engine, settings, STAGES, parameters=NOW)

    assert ok
    assert sum(_gems(engine).values()) == 0, _gems(engine)

    # The same mailbox without the verdicts of stage 1: the scams become gems.
    with write_tx(engine) as conn:
        conn.execute(delete(schema.tables["message_trust"]))
        conn.execute(delete(schema.tables["sender_trust"]))
    run_stages(engine, settings, ["profile", "segment"], parameters={**NOW, "reprocess": True})
    assert _gems(engine)["procurement_signal"] > 0
