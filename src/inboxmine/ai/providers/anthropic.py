"""Anthropic models through the ``anthropic`` SDK (messages API)."""

from __future__ import annotations

import os

from inboxmine.ai.errors import ModelSpecError
from inboxmine.ai.providers.base import RemoteProvider
from inboxmine.ai.providers.registry import AI_PROVIDERS, ProviderType
from inboxmine.ai.spec import ModelSpec, secret_value

MAX_OUTPUT_TOKENS = 2048


class AnthropicProvider(RemoteProvider):
    """Messages API at ``spec.base_url`` (default: api.anthropic.com)."""

    default_url = "https://api.anthropic.com"

    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
        import anthropic  # the SDK is imported only when a model of this kind is used

        self._sdk = anthropic
        self._client = anthropic.Anthropic(
            api_key=spec.api_key,
            base_url=spec.base_url,
            timeout=self.timeout_s,
            max_retries=0,  # retries are ours (RemoteProvider), so they are testable
        )

    def _send(self, system, messages):
        try:
            response = self._client.messages.create(
                model=self.spec.model,
                max_tokens=MAX_OUTPUT_TOKENS,
                system=system,
                messages=messages,
            )
        except (self._sdk.APIConnectionError, self._sdk.APIStatusError) as exc:
            raise self.sdk_failure(
                self._sdk, exc, key_variable="INBOXMINE_AI__ANTHROPIC_API_KEY"
            ) from None
        text = "".join(
            getattr(block, "text", "") for block in response.content if block.type == "text"
        )
        usage = response.usage
        return (
            text,
            usage.input_tokens if usage else None,
            usage.output_tokens if usage else None,
        )


def _build(spec: ModelSpec, settings) -> AnthropicProvider:
    ai = settings.ai
    return AnthropicProvider(
        spec, timeout_s=ai.timeout_s, max_retries=ai.max_retries, backoff_s=ai.retry_backoff_s
    )


def resolve(text: str, model: str, settings) -> ModelSpec:
    """``anthropic:<model>`` with the key from the settings or ``ANTHROPIC_API_KEY``."""
    ai = settings.ai
    key = secret_value(ai.anthropic_api_key) or os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise ModelSpecError(
            f"model {text!r} needs an Anthropic API key: set ANTHROPIC_API_KEY or "
            f"INBOXMINE_AI__ANTHROPIC_API_KEY (or ai.anthropic_api_key in the config)"
        )
    return ModelSpec(text, "anthropic", model, ai.anthropic_base_url, key)


AI_PROVIDERS.register(
    "anthropic",
    ProviderType(resolve, _build, example="anthropic:claude-3-5-haiku-latest"),
    order=40,
)
