"""Stage 4 end to end on hand-made stage 1-2 rows: per sender, sampled by time, audited."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from tests.helpers import insert_message
from tests.test_ai_fakeserver import FakeAIServer, free_port

from inboxmine.classify.store import SenderAnswer, refresh_senders, store_answers
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ai import ai_audit_log
from inboxmine.db.tables.classify import ai_classification, sender_classification
from inboxmine.db.tables.content import parsed_content
from inboxmine.db.tables.ledger import item_errors
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages
from inboxmine.services.overrides import add_override

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def received(
    engine,
    sender_domain,
    *,
    days=0,
    subject="Hello",
    body="",
    esp=None,
    bulk=False,
    offers=(),
    links=None,
    from_address=None,
    freemail=False,
    is_sent=False,
):
    """One message with its stage 1 and 2 rows; returns its id."""
    message_id = insert_message(
        engine,
        sent_at=T0 + timedelta(days=days),
        subject=subject,
        body_text=body,
        from_address=from_address or f"news@{sender_domain}",
        is_sent=is_sent,
    )
    now = datetime.now(UTC)
    with write_tx(engine) as conn:
        conn.execute(
            insert(parsed_metadata).values(
                message_id=message_id,
                sender_domain=sender_domain,
                esp_identified=esp,
                is_bulk=bulk,
                is_freemail=freemail,
                is_sent=is_sent,
                parsed_at=now,
            )
        )
        conn.execute(
            insert(parsed_content).values(
                message_id=message_id,
                body_clean=body,
                offer_types=list(offers),
                link_intents=links or {},
                parsed_at=now,
            )
        )
    return message_id


def newsletter(engine, domain="dailyledger.com", issues=3):
    return [
        received(
            engine,
            domain,
            days=i,
            subject=f"The Daily Ledger #{i}: pricing",
            body="From the editor: this week in business news.",
            esp="substack",
            bulk=True,
            offers=["newsletter"],
        )
        for i in range(issues)
    ]


def classifications(engine):
    with engine.connect() as conn:
        return {r.message_id: r for r in conn.execute(select(ai_classification))}


def senders(engine):
    with engine.connect() as conn:
        return {r.sender_domain: r for r in conn.execute(select(sender_classification))}


def audit(engine):
    with engine.connect() as conn:
        return list(conn.execute(select(ai_audit_log).order_by(ai_audit_log.c.id)))


def with_model(settings, model, **ai):
    return settings.model_copy(
        update={"ai": settings.ai.model_copy(update={"model": model, "max_retries": 0, **ai})}
    )


def test_each_sender_is_classified_once_and_every_message_gets_the_answer(engine, settings):
    news = newsletter(engine)
    promo = [
        received(
            engine,
            "trailhead.com",
            days=i,
            subject="20% off everything - ends Friday",
            body="Shop the sale with code SAVE20.",
            esp="klaviyo",
            bulk=True,
            offers=["discount", "urgency"],
        )
        for i in range(2)
    ]
    ok, [run_id] = run_stages(engine, settings, ["classify"])
    assert ok
    rows = classifications(engine)
    assert set(rows) == set(news + promo)
    assert {rows[m].sender_intent for m in news} == {"newsletter"}
    assert {rows[m].sender_intent for m in promo} == {"promotional"}
    first = rows[news[0]]
    assert (first.model_used, first.prompt_template, first.prompt_version) == (
        "heuristic",
        "classify",
        "v1",
    )
    assert first.pipeline_run_id == run_id and first.has_override is False
    rollup = senders(engine)["dailyledger.com"]
    assert rollup.message_count == 3 and rollup.sender_intent == "newsletter"
    calls = audit(engine)
    assert [c.sender_domain for c in calls] == ["dailyledger.com", "trailhead.com"]
    assert {c.pipeline_run_id for c in calls} == {run_id}
    assert ledger.get_run(engine, run_id)["items_processed"] == 2


def test_the_sample_is_the_most_recent_messages_by_real_time(engine, settings):
    settings = settings.model_copy(
        update={"ai": settings.ai.model_copy(update={"sample_messages": 2})}
    )
    ids = [received(engine, "acme.io", days=d, subject=f"day {d}") for d in (5, 1, 9, 3)]
    run_stages(engine, settings, ["classify"])
    rollup = senders(engine)["acme.io"]
    assert rollup.sample_message_ids == [ids[2], ids[0]]  # day 9, then day 5
    prompt = audit(engine)[0].prompt_rendered
    assert prompt.index("day 9") < prompt.index("day 5") and "day 1" not in prompt


def test_a_second_run_classifies_only_new_messages_and_reprocess_redoes_all(engine, settings):
    newsletter(engine)
    run_stages(engine, settings, ["classify"])
    assert len(audit(engine)) == 1
    ok, [run_id] = run_stages(engine, settings, ["classify"])
    assert ok and len(audit(engine)) == 1
    assert ledger.get_run(engine, run_id)["items_processed"] == 0
    later = received(engine, "dailyledger.com", days=30, subject="The Daily Ledger #30")
    run_stages(engine, settings, ["classify"])
    assert later in classifications(engine) and len(audit(engine)) == 2
    assert senders(engine)["dailyledger.com"].message_count == 4
    run_stages(engine, settings, ["classify"], parameters={"reprocess": True})
    assert len(audit(engine)) == 3


def test_the_users_own_mail_is_never_classified_and_freemail_senders_stay_apart(engine, settings):
    mine = received(engine, "example.com", from_address="me@example.com", subject="my note")
    sent = received(engine, "northwind.dev", is_sent=True, subject="sent by me")
    received(
        engine, "ann@gmail.com", from_address="ann@gmail.com", freemail=True, subject="Re: lunch"
    )
    received(
        engine, "bob@gmail.com", from_address="bob@gmail.com", freemail=True, subject="Re: plans"
    )
    run_stages(engine, settings, ["classify"])
    assert mine not in classifications(engine) and sent not in classifications(engine)
    assert set(senders(engine)) == {"ann@gmail.com", "bob@gmail.com"}


def test_overrides_apply_to_new_classifications_and_message_scope_wins(engine, settings):
    news = newsletter(engine)
    run_stages(engine, settings, ["classify"])
    add_override(engine, "industry", "Financial Services", sender_domain="dailyledger.com")
    add_override(engine, "industry", "Real Estate", message_id=news[0])
    run_stages(engine, settings, ["classify"], parameters={"reprocess": True})
    rows = classifications(engine)
    assert rows[news[0]].industry == "Real Estate"
    assert rows[news[1]].industry == "Financial Services"
    assert rows[news[1]].has_override is True
    assert rows[news[1]].original_values == {"industry": "Media"}
    assert senders(engine)["dailyledger.com"].industry == "Financial Services"


def test_retrain_puts_recent_overrides_into_the_prompt_as_corrections(engine, settings):
    newsletter(engine)
    run_stages(engine, settings, ["classify"])
    add_override(engine, "sender_intent", "promotional", sender_domain="dailyledger.com")
    run_stages(engine, settings, ["classify"], parameters={"reprocess": True, "retrain": True})
    prompt = audit(engine)[-1].prompt_rendered
    corrections = prompt.split("<corrections>")[1].split("</corrections>")[0]
    assert '"corrected_value": "promotional"' in corrections
    assert '"model_value": "newsletter"' in corrections


def test_an_unreachable_provider_fails_the_run_with_the_actionable_message(engine, settings):
    newsletter(engine)
    port = free_port()
    settings = with_model(
        settings, "ollama:llama3.1", ollama_base_url=f"http://127.0.0.1:{port}/v1"
    )
    ok, [run_id] = run_stages(engine, settings, ["classify"])
    assert not ok
    run = ledger.get_run(engine, run_id)
    assert run["status"] == "failed"
    assert (
        f"cannot reach the AI provider at http://127.0.0.1:{port} (connection refused): "
        "start Ollama, or choose another model with --model"
    ) in run["error_message"]
    assert classifications(engine) == {}
    assert audit(engine)[0].pipeline_run_id == run_id and audit(engine)[0].status == "error"


def test_a_bad_answer_is_an_item_error_and_nothing_is_stored(engine, settings):
    newsletter(engine)
    valid = {
        "industry": "Media",
        "company_size_estimate": "small",
        "marketing_sophistication": 5,
        "sender_intent": "newsletter",
    }
    answers = {"dailyledger.com": "not json at all", "acme.io": json.dumps(valid)}
    received(engine, "acme.io", subject="hello")

    def reply(request):
        # messages[0] is the system prompt, messages[1] the classify prompt.
        prompt = request["messages"][1]["content"]
        return {"content": answers["acme.io" if "sender acme.io" in prompt else "dailyledger.com"]}

    with FakeAIServer("openai", default=reply) as server:
        settings = with_model(settings, "ollama:test", ollama_base_url=server.url)
        ok, [run_id] = run_stages(engine, settings, ["classify"])
    assert ok
    assert set(senders(engine)) == {"acme.io"}
    run = ledger.get_run(engine, run_id)
    assert (run["items_processed"], run["items_failed"]) == (2, 1)
    with engine.connect() as conn:
        [error] = conn.execute(select(item_errors)).all()
    assert error.item_id == "dailyledger.com" and "retried on the next run" in error.error
    stored = classifications(engine)
    assert all(r.model_used == "ollama:test" for r in stored.values())


def test_a_slow_provider_stops_the_run_after_repeated_timeouts(engine, settings):
    for domain in ("a.com", "b.com", "c.com", "d.com"):
        received(engine, domain, subject="hi")
    with FakeAIServer("openai", default={"delay": 1.0, "content": "{}"}) as server:
        settings = with_model(settings, "ollama:slow", ollama_base_url=server.url, timeout_s=0.2)
        ok, [run_id] = run_stages(engine, settings, ["classify"])
    assert not ok
    message = ledger.get_run(engine, run_id)["error_message"]
    assert "failed for 3 senders in a row" in message and "did not answer within 0.2 s" in message


@pytest.mark.parametrize("model", ["gemini:pro", "openai:gpt-4o-mini"])
def test_an_unusable_model_fails_before_any_call(engine, settings, model):
    newsletter(engine)
    ok, [run_id] = run_stages(engine, with_model(settings, model), ["classify"])
    assert not ok
    assert ledger.get_run(engine, run_id)["error_message"].startswith("classify cannot start")


# ------------------------------------------- the offline model in worker processes


def _pool_spy(monkeypatch):
    """Every stage run uses a pool (no size floor); returns the worker counts asked for."""
    from inboxmine.runner import executor

    asked = []
    real = executor.process_pool

    def spy(workers):
        asked.append(workers)
        return real(workers)

    monkeypatch.setattr(executor, "MIN_ITEMS_FOR_POOL", 1)
    monkeypatch.setattr(executor, "process_pool", spy)
    return asked


def _mailbox_of_senders(engine, count=6):
    for index in range(count):
        received(
            engine,
            f"shop{index}.com",
            days=index,
            subject=f"{10 + index}% off everything - ends Friday",
            body="Shop the sale with code SAVE20.",
            esp="klaviyo",
            bulk=True,
            offers=["discount", "urgency"],
        )
    newsletter(engine)


def test_the_offline_model_classifies_in_worker_processes_as_it_does_here(
    engine, settings, monkeypatch
):
    _mailbox_of_senders(engine)
    ok, [first] = run_stages(engine, settings, ["classify"])
    assert ok
    here = {d: (s.industry, s.sender_intent, s.message_count) for d, s in senders(engine).items()}
    asked = _pool_spy(monkeypatch)
    two = settings.model_copy(update={"runner": settings.runner.model_copy(update={"workers": 2})})
    ok, [second] = run_stages(engine, two, ["classify"], parameters={"reprocess": True})
    assert ok and asked == [2]
    assert {
        d: (s.industry, s.sender_intent, s.message_count) for d, s in senders(engine).items()
    } == here
    # Each call's audit row came back from its worker and was written with the batch:
    # one row per sender for this run, and every answer points at its own sender's row.
    calls = {c.id: c for c in audit(engine) if c.pipeline_run_id == second}
    assert sorted(c.sender_domain for c in calls.values()) == sorted(here)
    assert {c.status for c in calls.values()} == {"ok"}
    for row in classifications(engine).values():
        assert row.pipeline_run_id == second
        assert calls[row.audit_id].sender_domain == row.sender_domain
    for domain, rollup in senders(engine).items():
        assert calls[rollup.audit_id].sender_domain == domain
    assert ledger.get_run(engine, second)["items_processed"] == len(here)


def test_custom_dimensions_reach_the_worker_processes(engine, settings, monkeypatch, tmp_path):
    """A rule set's answer model is built at run time; the workers rebuild it."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "classify_dimensions.yaml").write_text(
        "dimensions:\n  industry:\n    kind: choice\n    values: [Bicycles]\n"
    )
    settings = settings.model_copy(update={"rules_dir": str(rules)})
    _mailbox_of_senders(engine, count=3)
    asked = _pool_spy(monkeypatch)
    ok, [run_id] = run_stages(engine, settings, ["classify"])
    assert ok and asked
    assert ledger.get_run(engine, run_id)["items_failed"] == 0
    assert len(senders(engine)) == 4


def test_a_failed_offline_answer_keeps_its_audit_row_and_is_an_item_error(
    engine, settings, monkeypatch
):
    """In workers the call's row travels with the outcome: a failed call still
    leaves its row, and the sender is an item error retried next run."""
    from inboxmine.ai.errors import InvalidAnswer
    from inboxmine.ai.providers.heuristic import HeuristicProvider

    real = HeuristicProvider.complete

    def picky(self, request):
        if request.context["sender_domain"] == "shop1.com":
            raise InvalidAnswer("the answer named no industry", "{}")
        return real(self, request)

    monkeypatch.setattr(HeuristicProvider, "complete", picky)  # forked workers inherit it
    _mailbox_of_senders(engine, count=3)
    _pool_spy(monkeypatch)
    ok, [run_id] = run_stages(engine, settings, ["classify"])
    assert ok
    run = ledger.get_run(engine, run_id)
    assert (run["items_processed"], run["items_failed"]) == (4, 1)
    failed = [c for c in audit(engine) if c.status == "error"]
    assert [(c.sender_domain, c.pipeline_run_id) for c in failed] == [("shop1.com", run_id)]
    assert "no industry" in failed[0].error
    with engine.connect() as conn:
        [error] = conn.execute(select(item_errors)).all()
    assert error.item_id == "shop1.com" and "retried on the next run" in error.error
    assert "shop1.com" not in senders(engine)
    monkeypatch.setattr(HeuristicProvider, "complete", real)
    ok, [again] = run_stages(engine, settings, ["classify"])
    assert ok and ledger.get_run(engine, again)["items_processed"] == 1
    assert "shop1.com" in senders(engine)


def test_a_model_that_costs_money_is_never_sent_to_workers(engine, settings):
    from inboxmine.ai import client_for

    client = client_for(with_model(settings, "ollama:test"), engine, None, "classify")
    with pytest.raises(ValueError, match="not an in-process model"):
        client.for_workers()


def test_a_sender_rollup_takes_texts_evidence_and_provenance_from_its_newest_answer(engine):
    """Choices are the most common value over every message; texts, evidence and
    provenance are the newest answer's."""
    old, new = received(engine, "acme.io", days=0), received(engine, "acme.io", days=1)

    def answer(message_id, industry, description, signal, run_id):
        return SenderAnswer(
            sender_domain="acme.io",
            message_ids=[message_id],
            answer={
                "industry": industry,
                "product_description": description,
                "marketing_sophistication": 4 if run_id == 1 else 8,
                "partner_program_detected": False,
                "renewal_signal_detected": False,
                "evidence": {"industry": {"confidence": 0.5, "signals": [signal]}},
            },
            provenance={"model_used": "heuristic", "pipeline_run_id": run_id},
        )

    with write_tx(engine) as conn:
        store_answers(conn, [answer(old, "saas", "Old product", "first", 1)], [])
    with write_tx(engine) as conn:
        store_answers(conn, [answer(new, "saas", "New product", "second", 2)], [])
    with engine.connect() as conn:
        row = conn.execute(select(sender_classification)).mappings().one()
    assert row["message_count"] == 2
    assert row["product_description"] == "New product"
    assert row["evidence"]["industry"]["signals"] == ["second"]
    assert row["pipeline_run_id"] == 2
    assert (row["industry"], row["marketing_sophistication"]) == ("saas", 6)

    # Without the answer's provenance (an override refreshes the rollup), the newest row's.
    with write_tx(engine) as conn:
        refresh_senders(conn, ["acme.io"], [])
    with engine.connect() as conn:
        row = conn.execute(select(sender_classification)).mappings().one()
    assert (row["pipeline_run_id"], row["product_description"]) == (2, "New product")
