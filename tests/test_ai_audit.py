"""The AI audit log: every call is one row - success, failure, cache hit - and no secret is logged."""

import json

import pytest
from sqlalchemy import select
from tests.test_ai_fakeserver import FakeAIServer

from inboxmine.ai import client_for
from inboxmine.ai.audit import AuditedProvider, get_call, list_calls
from inboxmine.ai.errors import BudgetExhausted, InvalidAnswer, ModelSpecError, ProviderUnavailable
from inboxmine.ai.providers.heuristic import HeuristicProvider
from inboxmine.ai.schemas import Classification, Draft
from inboxmine.ai.spec import ModelSpec, parse_model_spec
from inboxmine.db.tables.ai import ai_audit_log
from inboxmine.runner import ledger

VALID = {
    "industry": "Media",
    "company_size_estimate": "small",
    "marketing_sophistication": 4,
    "sender_intent": "newsletter",
    "confidence": 0.9,
}
SIGNALS = {
    "sender_domain": "growthnotes.com",
    "display_names": ["Growth Notes"],
    "esp": "substack",
    "bulk_share": 1.0,
    "offer_types": {"newsletter": 2},
    "messages": [
        {"subject": "Growth Notes #12: churn", "offer_types": ["newsletter"]},
        {"subject": "Growth Notes #11: pricing", "offer_types": ["newsletter"]},
    ],
}


def classify_variables(signals=SIGNALS):
    return {
        "sender_domain": signals["sender_domain"],
        "signals": signals,
        "emails": "<email>\nSubject: hi\n</email>",
        "corrections": "none",
        "allowed_values": "- industry: SaaS | Media",
    }


def rows(engine):
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(ai_audit_log).order_by(ai_audit_log.c.id)).mappings()
        ]


def remote(settings, engine, server, **overrides):
    ai = settings.ai.model_copy(
        update={
            "model": "ollama:llama3.1",
            "ollama_base_url": server.url,
            "max_retries": 0,
            **overrides,
        }
    )
    return client_for(settings.model_copy(update={"ai": ai}), engine, None, "classify")


def test_a_heuristic_call_is_logged_with_run_template_and_sender(engine, settings):
    run_id = ledger.create_run(engine, "classify", "cli")
    client = client_for(settings, engine, run_id, "classify")
    result = client.ask(
        "classify", classify_variables(), Classification, sender_domain="growthnotes.com"
    )

    assert result.answer.sender_intent == "newsletter"
    [row] = rows(engine)
    assert row["id"] == result.audit_id
    assert row["pipeline_run_id"] == run_id
    assert (row["stage"], row["sender_domain"], row["model_used"]) == (
        "classify",
        "growthnotes.com",
        "heuristic",
    )
    assert (row["prompt_template"], row["prompt_version"], row["status"]) == (
        "classify",
        "v1",
        "ok",
    )
    assert "Email" in row["system_prompt"] and "growthnotes.com" in row["prompt_rendered"]
    assert json.loads(row["response_raw"])["sender_intent"] == "newsletter"
    assert row["response_parsed"]["industry"] == result.answer.industry


def test_a_failed_call_is_logged_with_its_error_and_raw_answer(engine, settings):
    with FakeAIServer("openai", default={"content": "I refuse."}) as server:
        client = remote(settings, engine, server)
        with pytest.raises(InvalidAnswer):
            client.ask("classify", classify_variables(), Classification, sender_domain="x.com")
    [row] = rows(engine)
    assert row["status"] == "error"
    assert row["response_raw"] == "I refuse."
    assert "not a JSON object" in row["error"]
    assert row["model_used"] == "ollama:llama3.1"
    assert row["attempts"] == 2


def test_an_unreachable_provider_is_logged_too(engine, settings):
    from tests.test_ai_fakeserver import free_port

    ai = settings.ai.model_copy(
        update={"model": "ollama:llama3.1", "ollama_base_url": f"http://127.0.0.1:{free_port()}/v1"}
    )
    client = client_for(settings.model_copy(update={"ai": ai}), engine, None, "classify")
    with pytest.raises(ProviderUnavailable):
        client.ask("classify", classify_variables(), Classification, sender_domain="x.com")
    assert rows(engine)[0]["error"].startswith("cannot reach the AI provider")


def test_the_same_question_twice_is_answered_from_the_cache(engine, settings):
    with FakeAIServer("openai", default={"content": json.dumps(VALID)}) as server:
        client = remote(settings, engine, server)
        first = client.ask("classify", classify_variables(), Classification, sender_domain="a.com")
        second = client.ask("classify", classify_variables(), Classification, sender_domain="a.com")
    assert len(server.requests) == 1
    assert (first.cached, second.cached) == (False, True)
    assert second.answer == first.answer
    assert [r["status"] for r in rows(engine)] == ["ok", "cache_hit"]


def test_the_call_budget_stops_further_calls(engine, settings):
    with FakeAIServer("openai", default={"content": json.dumps(VALID)}) as server:
        client = remote(settings, engine, server, max_calls_per_run=1, cache=False)
        client.ask("classify", classify_variables(), Classification, sender_domain="a.com")
        with pytest.raises(BudgetExhausted, match="budget"):
            client.ask("classify", classify_variables(), Classification, sender_domain="b.com")
    assert len(server.requests) == 1
    assert [r["status"] for r in rows(engine)] == ["ok", "error"]


def test_api_keys_never_reach_the_log(engine, settings):
    secret = "sk-test-SECRET-0123456789"
    ai = settings.ai.model_copy(update={"openai_api_key": secret, "max_retries": 0})
    with FakeAIServer("openai") as server:
        server.then(
            {
                "status": 401,
                "body": {"error": {"message": f"Incorrect API key provided: {secret}"}},
            },
            {"content": json.dumps(VALID)},
        )
        ai = ai.model_copy(update={"model": "openai:gpt-test", "openai_base_url": server.url})
        client = client_for(settings.model_copy(update={"ai": ai}), engine, None, "classify")
        leaky = dict(classify_variables(), emails=f"<email>my key is {secret}</email>")
        with pytest.raises(ProviderUnavailable):
            client.ask("classify", leaky, Classification, sender_domain="a.com")
        client.ask("classify", leaky, Classification, sender_domain="a.com")
    assert server.headers[0]["authorization"] == f"Bearer {secret}"  # the key was used
    logged = json.dumps([{k: str(v) for k, v in r.items()} for r in rows(engine)])
    assert len(rows(engine)) == 2
    assert secret not in logged
    assert "********" in logged


def test_prompts_to_a_cloud_provider_are_redacted(engine, settings):
    with FakeAIServer("openai", default={"content": json.dumps(VALID)}) as server:
        spec = ModelSpec("openai:gpt-test", "openai", "gpt-test", server.url, "k")
        from inboxmine.ai.providers.openai_compat import OpenAICompatProvider

        client = AuditedProvider(
            OpenAICompatProvider(spec, max_retries=0), engine, None, "classify", redact_prompts=True
        )
        variables = dict(
            classify_variables(), emails="<email>Call jane.doe@acme.io or +1 415 555 0134</email>"
        )
        client.ask("classify", variables, Classification, sender_domain="acme.io")
    sent = server.requests[0]["messages"][-1]["content"]
    assert "jane.doe@acme.io" not in sent and "[email]" in sent
    assert "555 0134" not in sent and "[phone]" in sent


def test_the_log_can_be_listed_filtered_and_sorted(engine, settings):
    client = client_for(settings, engine, None, "classify")
    for domain in ("a.com", "b.com"):
        client.ask("classify", classify_variables(), Classification, sender_domain=domain)
    total, listed = list_calls(engine, sender_domain="b.com")
    assert total == 1 and listed[0]["sender_domain"] == "b.com"
    total, listed = list_calls(engine, sort="duration_ms", descending=False)
    assert total == 2
    assert get_call(engine, listed[0]["id"])["prompt_rendered"]


def test_the_heuristic_provider_drafts_from_the_template_section(engine, settings):
    provider = HeuristicProvider(
        ModelSpec("heuristic", "heuristic", "heuristic"), settings=settings
    )
    client = AuditedProvider(provider, engine, None, "engage")
    result = client.ask(
        "draft_fallback",
        {
            "company": "Acme",
            "contact_name": "Dana",
            "industry": "SaaS",
            "observation": "Your webinar emails go out without UTM tags.",
            "your_service": "marketing analytics",
            "your_tone": "direct",
            "strategy": "audit",
            "facts": {"esp": "hubspot"},
        },
        Draft,
        sender_domain="acme.io",
    )
    assert result.answer.subject_line == "A thought on Acme"
    assert result.answer.body.startswith("Hi Dana,")
    assert "without UTM tags" in result.answer.body
    assert rows(engine)[0]["stage"] == "engage"


@pytest.mark.parametrize(
    ("spec", "provider", "model"),
    [
        ("heuristic", "heuristic", "heuristic"),
        ("", "heuristic", "heuristic"),
        ("ollama:llama3.1", "ollama", "llama3.1"),
        ("anthropic:claude-3-5-haiku-latest", "anthropic", "claude-3-5-haiku-latest"),
    ],
)
def test_model_specs_resolve(settings, spec, provider, model):
    settings = settings.model_copy(
        update={"ai": settings.ai.model_copy(update={"anthropic_api_key": "sk-ant"})}
    )
    resolved = parse_model_spec(spec, settings)
    assert (resolved.provider, resolved.model) == (provider, model)
    assert "sk-ant" not in repr(resolved)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("llama3", "names no provider: write provider:model, e.g. ollama:llama3"),
        ("gemini:pro", "unknown AI provider 'gemini'"),
        ("openai:gpt-4o-mini", "INBOXMINE_AI__OPENAI_API_KEY"),
        ("anthropic:claude", "INBOXMINE_AI__ANTHROPIC_API_KEY"),
    ],
)
def test_unusable_model_specs_say_what_to_set(settings, spec, message, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ModelSpecError, match=message.replace("(", r"\(")):
        parse_model_spec(spec, settings)


def test_the_sdks_own_key_variables_are_used(settings, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    assert parse_model_spec("openai:gpt-4o-mini", settings).api_key == "sk-from-env"
    assert parse_model_spec("anthropic:claude", settings).api_key == "sk-ant-from-env"
