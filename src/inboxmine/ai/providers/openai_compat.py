"""OpenAI-compatible servers through the ``openai`` SDK: OpenAI, Ollama (/v1), vLLM,
llama.cpp server, LM Studio. JSON mode is requested; the answer is validated here.

Registers two providers: ``openai`` (api.openai.com or ``ai.openai_base_url``)
and ``ollama`` (``ai.ollama_base_url``), which speak the same wire format.
"""

from __future__ import annotations

import os

from inboxmine.ai.errors import ModelSpecError
from inboxmine.ai.providers.base import RemoteProvider
from inboxmine.ai.providers.registry import AI_PROVIDERS, ProviderType
from inboxmine.ai.spec import ModelSpec, secret_value

MAX_OUTPUT_TOKENS = 2048


class OpenAICompatProvider(RemoteProvider):
    """Chat completions against ``spec.base_url`` (default: api.openai.com)."""

    default_url = "https://api.openai.com"

    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
        import openai  # the SDK is imported only when a model of this kind is used

        self._sdk = openai
        self._client = openai.OpenAI(
            api_key=spec.api_key or "not-needed",
            base_url=spec.base_url,
            timeout=self.timeout_s,
            max_retries=0,  # retries are ours (RemoteProvider), so they are testable
        )

    def unreachable_advice(self) -> str:
        if self.spec.provider == "ollama":
            return "start Ollama"
        if self.spec.base_url:
            return "start the server or fix ai.openai_base_url"
        return super().unreachable_advice()

    def _send(self, system, messages):
        try:
            response = self._client.chat.completions.create(
                model=self.spec.model,
                messages=[{"role": "system", "content": system}, *messages],
                response_format={"type": "json_object"},
                temperature=0,
                max_tokens=MAX_OUTPUT_TOKENS,
            )
        except (self._sdk.APIConnectionError, self._sdk.APIStatusError) as exc:
            ollama = self.spec.provider == "ollama"
            raise self.sdk_failure(
                self._sdk,
                exc,
                key_variable="INBOXMINE_AI__OPENAI_API_KEY",
                timeout_advice="raise ai.timeout_s, use a smaller model",
                not_found_advice=f"`ollama pull {self.spec.model}`" if ollama else "check the name",
            ) from None
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice and choice.message else None) or ""
        usage = response.usage
        return (
            text,
            usage.prompt_tokens if usage else None,
            usage.completion_tokens if usage else None,
        )


def _build(spec: ModelSpec, settings) -> OpenAICompatProvider:
    ai = settings.ai
    return OpenAICompatProvider(
        spec, timeout_s=ai.timeout_s, max_retries=ai.max_retries, backoff_s=ai.retry_backoff_s
    )


def resolve_openai(text: str, model: str, settings) -> ModelSpec:
    """``openai:<model>`` with the key from the settings or ``OPENAI_API_KEY``."""
    ai = settings.ai
    # The SDKs' own variables count too: most people already have them set.
    key = secret_value(ai.openai_api_key) or os.environ.get("OPENAI_API_KEY")
    if not key and not ai.openai_base_url:
        raise ModelSpecError(
            f"model {text!r} needs an OpenAI API key: set OPENAI_API_KEY or "
            f"INBOXMINE_AI__OPENAI_API_KEY (or ai.openai_api_key in the config), or point "
            f"ai.openai_base_url at a local OpenAI-compatible server"
        )
    return ModelSpec(text, "openai", model, ai.openai_base_url, key or "not-needed")


def resolve_ollama(text: str, model: str, settings) -> ModelSpec:
    """``ollama:<model>`` at ``ai.ollama_base_url`` (Ollama needs no key)."""
    ai = settings.ai
    key = secret_value(ai.openai_api_key)
    return ModelSpec(text, "ollama", model, ai.ollama_base_url, key or "ollama")


AI_PROVIDERS.register(
    "openai", ProviderType(resolve_openai, _build, example="openai:gpt-4o-mini"), order=30
)
AI_PROVIDERS.register(
    "ollama", ProviderType(resolve_ollama, _build, example="ollama:llama3.1"), order=20
)
