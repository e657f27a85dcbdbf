"""AI providers are components: looked up by name, added by registering, disabled in settings."""

import pytest

from inboxmine.ai import client_for
from inboxmine.ai.errors import InvalidAnswer, ModelSpecError
from inboxmine.ai.providers import AI_PROVIDERS, ProviderType
from inboxmine.ai.providers.base import AIRequest, AIResult
from inboxmine.ai.providers.heuristic import task_for
from inboxmine.ai.schemas import Classification, Draft
from inboxmine.ai.spec import ModelSpec, parse_model_spec
from inboxmine.config import Settings


def test_the_default_providers_are_registered_in_order():
    assert AI_PROVIDERS.names() == ["heuristic", "ollama", "openai", "anthropic"]


def test_an_unknown_provider_names_the_nearest():
    with pytest.raises(ModelSpecError, match="unknown AI provider 'olama'.*did you mean 'ollama'"):
        parse_model_spec("olama:llama3.1", Settings())


def test_a_provider_disabled_in_the_settings_is_refused():
    settings = Settings(components={"ai_providers": {"ollama": False}})
    with pytest.raises(ModelSpecError, match="disabled in the settings' components.ai_providers"):
        parse_model_spec("ollama:llama3.1", settings)
    assert parse_model_spec("heuristic", settings).provider == "heuristic"


class EchoProvider:
    """A provider of a test: answers every classification with one intent."""

    def __init__(self, spec):
        self.spec = spec

    def complete(self, request: AIRequest) -> AIResult:
        answer = request.answer_model.model_validate(
            {
                "industry": "SaaS",
                "company_size_estimate": "small",
                "marketing_sophistication": 3,
                "sender_intent": "transactional",
                "product_type": "SaaS subscription",
                "product_description": "",
                "pain_points": [],
                "target_audience": "",
                "partner_program_detected": False,
                "renewal_signal_detected": False,
                "confidence": 0.5,
            }
        )
        return AIResult(answer=answer, raw_text="{}", model_used=self.spec.spec)


@pytest.fixture
def echo():
    AI_PROVIDERS.register(
        "echo",
        ProviderType(
            resolve=lambda text, model, settings: ModelSpec(text, "echo", model, in_process=True),
            build=lambda spec, settings: EchoProvider(spec),
            example="echo:any",
        ),
        order=90,
    )
    yield
    AI_PROVIDERS.remove("echo")


def test_a_registered_provider_is_chosen_by_its_name(echo, engine, settings):
    settings = settings.model_copy(
        update={"ai": settings.ai.model_copy(update={"model": "echo:v1"})}
    )
    client = client_for(settings, engine, None, "classify")
    from tests.test_ai_audit import classify_variables

    result = client.ask("classify", classify_variables(), Classification, sender_domain="a.com")
    assert result.answer.sender_intent == "transactional"
    assert result.model_used == "echo:v1"


def test_the_heuristic_picks_its_task_from_the_template_name():
    assert task_for("classify") == "classify"
    assert task_for("engage_renewal_negotiation") == "draft"
    assert task_for("draft_fallback") == "draft"
    assert task_for("summarize") is None


def test_the_heuristic_does_not_guess_a_task_from_the_answer_schema():
    provider = AI_PROVIDERS.get("heuristic").build(parse_model_spec("", Settings()), Settings())
    # A classification answer asked through a template it has no task for.
    request = AIRequest("s", "p", Classification, template="summarize", context={"signals": {}})
    with pytest.raises(InvalidAnswer, match="cannot answer template 'summarize'"):
        provider.complete(request)
    draft = AIRequest(
        "s",
        "p",
        Draft,
        template="engage_audit",
        context={"company": "Acme", "strategy": "audit", "contact_name": "Dana"},
    )
    assert provider.complete(draft).answer.subject_line
