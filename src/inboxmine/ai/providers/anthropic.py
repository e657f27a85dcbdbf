"""Anthropic models through the ``anthropic`` SDK (messages API)."""

from __future__ import annotations

import anthropic

from inboxmine.ai.providers.base import RemoteProvider

MAX_OUTPUT_TOKENS = 2048


class AnthropicProvider(RemoteProvider):
    """Messages API at ``spec.base_url`` (default: api.anthropic.com)."""

    default_url = "https://api.anthropic.com"

    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
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
        except (anthropic.APIConnectionError, anthropic.APIStatusError) as exc:
            raise self.sdk_failure(
                anthropic, exc, key_variable="INBOXMINE_AI__ANTHROPIC_API_KEY"
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
