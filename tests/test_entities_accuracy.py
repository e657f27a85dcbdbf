"""Accuracy against the demo generator's planted truth.

A generated mailbox goes through ingest, metadata, content and entities;
renewal dates and procurement signals must be found where the generator
planted them and not where it planted none. Only received mail is compared:
the truth file does not plant signals on the user's own replies
consistently (see the stage report).
"""

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from tests.helpers import clean_settings, demo_database, sqlite_database

from inboxmine.db.tables.entities import extracted_entities
from inboxmine.db.tables.ingest import messages

NOW = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)
#: A procurement signal counts as found from this confidence up (a standard
#: named alone, or anything in bulk mail, stays below it).
FOUND = 0.6


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template, demo_corpus):
    """The demo mailbox (2,000 messages: every scenario) through stages 0-3, once."""
    result = demo_corpus(seed=7, messages=2000, now=NOW)
    truth = json.loads(result.truth_path.read_text(encoding="utf-8"))
    url, engine = sqlite_database(sqlite_template, tmp_path_factory.mktemp("entities_accuracy"))
    settings = clean_settings(url)
    settings = settings.model_copy(
        update={"entities": settings.entities.model_copy(update={"use_spacy": False})}
    )
    demo_database(engine, settings, result, ["metadata", "content", "entities"])
    with engine.connect() as conn:
        ids = dict(conn.execute(select(messages.c.id, messages.c.message_id)).all())
        sent = dict(conn.execute(select(messages.c.message_id, messages.c.sent_at)).all())
        rows = [dict(r) for r in conn.execute(select(extracted_entities)).mappings()]
    engine.dispose()
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(ids[row["message_id"]], []).append(row)
    received = {
        mid: t
        for mid, t in truth["messages"].items()
        if t.get("direction") == "received" and mid in sent
    }
    return received, found, sent


def renewal_dates(rows):
    return {
        r["date_value"] for r in rows if r["entity_type"] == "date" and r["date_kind"] == "renewal"
    }


def signals(rows):
    return {
        r["entity_normalized"]
        for r in rows
        if r["entity_type"] == "procurement_signal" and r["confidence"] >= FOUND
    }


def test_planted_renewal_dates_are_found_with_past_and_future_apart(demo):
    received, found, sent = demo
    planted = {mid: t["renewal_date"] for mid, t in received.items() if t.get("renewal_date")}
    assert len(planted) >= 4  # three upcoming renewals and one already renewed
    for mid, value in planted.items():
        rows = [
            r
            for r in found.get(mid, [])
            if r["entity_type"] == "date" and r["date_kind"] == "renewal"
        ]
        assert {r["date_value"] for r in rows} == {date.fromisoformat(value)}, mid
        [row] = rows
        assert row["is_future"] == (row["date_value"] > sent[mid].date())
    assert any(
        not r["is_future"] for mid in planted for r in found[mid] if r["date_kind"] == "renewal"
    )


def test_no_renewal_dates_where_none_were_planted(demo):
    received, found, _ = demo
    wrong = {
        mid: renewal_dates(found.get(mid, []))
        for mid, t in received.items()
        if not t.get("renewal_date") and renewal_dates(found.get(mid, []))
    }
    assert wrong == {}


def test_planted_procurement_signals_are_found(demo):
    received, found, _ = demo
    planted = {mid: set(t["procurement"]) for mid, t in received.items() if t.get("procurement")}
    assert len(planted) >= 5
    missing = {mid: keys - signals(found.get(mid, [])) for mid, keys in planted.items()}
    assert {mid: keys for mid, keys in missing.items() if keys} == {}


def test_no_procurement_signals_where_none_were_planted(demo):
    received, found, _ = demo
    wrong = {
        mid: signals(found.get(mid, []))
        for mid, t in received.items()
        if not t.get("procurement") and signals(found.get(mid, []))
    }
    assert wrong == {}
