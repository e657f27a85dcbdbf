"""Stage 3 end to end: parsed_content + messages in, extracted_entities out."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select
from tests.helpers import insert_message, with_ner

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.content import parsed_content
from inboxmine.db.tables.entities import extracted_entities
from inboxmine.db.tables.ledger import stage_items
from inboxmine.entities import nlp
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages
from inboxmine.stages import entities as stage

SENT = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def add_message(engine, body="", signature=None, footer=None, **fields):
    fields.setdefault("sent_at", SENT)
    message_id = insert_message(engine, **fields)
    with write_tx(engine) as conn:
        conn.execute(
            insert(parsed_content).values(
                message_id=message_id,
                body_clean=body,
                signature_block=signature,
                footer_text=footer,
                parsed_at=datetime.now(UTC),
            )
        )
    return message_id


def entity_rows(engine, message_id=None):
    query = select(extracted_entities).order_by(extracted_entities.c.id)
    if message_id is not None:
        query = query.where(extracted_entities.c.message_id == message_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def statuses(engine):
    with engine.connect() as conn:
        query = select(stage_items.c.item_id, stage_items.c.status).where(
            stage_items.c.stage == "entities"
        )
        return dict(conn.execute(query).all())


@pytest.fixture
def rules_only(settings):
    return settings.model_copy(
        update={"entities": settings.entities.model_copy(update={"use_spacy": False})}
    )


@pytest.fixture
def no_spacy(monkeypatch):
    """spaCy missing, whatever this machine has installed."""
    reason = "spaCy is not installed: `pip install inboxmine[nlp]` - extracting with rules only"
    monkeypatch.setattr(nlp, "load_model", lambda name, retry_failed=False: (None, reason))
    monkeypatch.setattr(stage, "_ANNOUNCED", set())
    return reason


def test_a_vendor_renewal_thread_becomes_entities(engine, rules_only):
    message_id = add_message(
        engine,
        subject="Your Business plan renews soon",
        from_address="dana.ross@claritycrm.com",
        from_name="Dana Ross",
        cc_addresses=["billing@claritycrm.com"],
        body="Hi Alex, your Business plan renews on March 3, 2026 at $4,800/year. "
        "We also need the signed DPA before then. Last year it renewed on January 2, 2026.",
        signature="Best,\nDana Ross\nVP Customer Success\nClarity CRM, Inc.\n+1 415 555 0142",
    )
    ok, [run_id] = run_stages(engine, rules_only, ["entities"])
    assert ok and ledger.get_run(engine, run_id)["items_processed"] == 1
    rows = entity_rows(engine, message_id)
    by_type = {}
    for row in rows:
        by_type.setdefault(row["entity_type"], []).append(row)

    [dana, billing] = by_type["person"]
    assert (dana["entity_value"], dana["role"], dana["relationship"]) == (
        "Dana Ross",
        "VP Customer Success",
        "decision_maker",
    )
    assert billing["relationship"] == "vendor_contact"
    [money] = by_type["money"]
    assert (money["amount"], money["currency"], money["category"]) == (4800.0, "USD", "price")
    renewals = {
        (r["date_value"], r["is_future"]) for r in by_type["date"] if r["date_kind"] == "renewal"
    }
    assert renewals == {(date(2026, 3, 3), True), (date(2026, 1, 2), False)}
    [dpa] = by_type["procurement_signal"]
    assert (dpa["entity_normalized"], dpa["category"]) == ("dpa", "contract_activity")
    assert by_type["organization"][0]["entity_value"] == "Clarity CRM, Inc."
    assert by_type["phone"][0]["entity_normalized"] == "+14155550142"
    assert all(r["extractor"] == "rules" and r["extracted_at"] is not None for r in rows)
    assert statuses(engine) == {message_id: "done"}


def test_only_messages_with_parsed_content_are_items_and_a_rerun_does_nothing(engine, rules_only):
    insert_message(engine, subject="not parsed yet")
    parsed = add_message(engine, body="Quote: $1,200")
    ok, [first] = run_stages(engine, rules_only, ["entities"])
    ok, [second] = run_stages(engine, rules_only, ["entities"])
    assert ledger.get_run(engine, first)["items_processed"] == 1
    assert ledger.get_run(engine, second)["items_processed"] == 0
    assert [r["message_id"] for r in entity_rows(engine)] == [parsed, parsed]  # sender + money


def test_reprocessing_replaces_rows_instead_of_adding_them(engine, rules_only):
    message_id = add_message(engine, body="Due by March 3, 2026: the RFP response.")
    run_stages(engine, rules_only, ["entities"])
    before = len(entity_rows(engine, message_id))
    run_stages(engine, rules_only, ["entities"], parameters={"reprocess": True})
    assert len(entity_rows(engine, message_id)) == before == 3


def test_without_spacy_it_says_so_once_and_marks_messages_partial(
    engine, settings, no_spacy, capsys
):
    settings = with_ner(settings)
    first = add_message(engine, body="Send the SOW by Friday.")
    second = add_message(engine, body="Nothing here.")
    ok, [run_id] = run_stages(engine, settings, ["entities"])
    assert ok and ledger.get_run(engine, run_id)["status"] == "completed"
    assert statuses(engine) == {first: "partial", second: "partial"}
    assert [
        r["entity_normalized"]
        for r in entity_rows(engine, first)
        if r["entity_type"] == "procurement_signal"
    ] == ["sow"]
    run_stages(engine, settings, ["entities"])  # nothing to redo while spaCy is still missing
    assert capsys.readouterr().err.count(no_spacy) == 1


class FakeEntity:
    def __init__(self, text, label, start):
        self.text, self.label_, self.start_char, self.end_char = (
            text,
            label,
            start,
            start + len(text),
        )


class FakeNLP:
    """Stands in for a spaCy pipeline: finds two names it was told about."""

    pipe_names = ("ner",)

    def __call__(self, text):
        found = [
            FakeEntity(t, label, text.find(t))
            for t, label in (("Priya Shah", "PERSON"), ("Globex", "ORG"))
        ]
        return type("Doc", (), {"ents": [e for e in found if e.start_char >= 0]})()


def test_partial_messages_are_redone_with_ner_once_spacy_loads(
    engine, settings, no_spacy, monkeypatch
):
    settings = with_ner(settings)
    message_id = add_message(engine, body="Priya Shah at Globex asked for a quote of $900.")
    run_stages(engine, settings, ["entities"])
    assert statuses(engine) == {message_id: "partial"}

    monkeypatch.setattr(nlp, "load_model", lambda name, retry_failed=False: (FakeNLP(), None))
    ok, [run_id] = run_stages(engine, settings, ["entities"])
    assert ledger.get_run(engine, run_id)["items_processed"] == 1
    assert statuses(engine) == {message_id: "done"}
    spacy_rows = {
        (r["entity_type"], r["entity_value"])
        for r in entity_rows(engine)
        if r["extractor"] == "spacy"
    }
    assert spacy_rows == {("person", "Priya Shah"), ("organization", "Globex")}
    assert len([r for r in entity_rows(engine) if r["entity_type"] == "money"]) == 1


def test_switching_spacy_off_is_a_choice_not_a_partial_result(engine, rules_only, no_spacy, capsys):
    message_id = add_message(engine, body="Hello")
    run_stages(engine, rules_only, ["entities"])
    assert statuses(engine) == {message_id: "done"}
    assert no_spacy not in capsys.readouterr().err


def test_your_rules_dir_extends_the_signals(engine, rules_only, tmp_path):
    (tmp_path / "procurement.yaml").write_text(
        "signals:\n  budget_approval:\n    category: active_buying\n    phrases: [budget is approved]\n",
        encoding="utf-8",
    )
    mine = rules_only.model_copy(update={"rules_dir": tmp_path})
    message_id = add_message(engine, body="Good news: the budget is approved.")
    run_stages(engine, mine, ["entities"])
    [signal] = [
        r for r in entity_rows(engine, message_id) if r["entity_type"] == "procurement_signal"
    ]
    assert signal["entity_normalized"] == "budget_approval"


def test_small_model_mistakes_are_dropped(engine, settings, no_spacy, monkeypatch):
    settings = with_ner(settings)

    class Sloppy(FakeNLP):
        def __call__(self, text):
            picks = (
                ("Hurry", "PERSON"),
                ("Account Executive", "ORG"),
                ("Invoice INV-85382", "ORG"),
            )
            found = [FakeEntity(t, label, text.find(t)) for t, label in picks]
            return type("Doc", (), {"ents": [e for e in found if e.start_char >= 0]})()

    monkeypatch.setattr(nlp, "load_model", lambda name, retry_failed=False: (Sloppy(), None))
    message_id = add_message(
        engine, body="Hurry - Invoice INV-85382 is due.", signature="Ryan Cole\nAccount Executive"
    )
    run_stages(engine, settings, ["entities"])
    assert [r for r in entity_rows(engine, message_id) if r["extractor"] == "spacy"] == []
