"""OpenAI-compatible servers through the ``openai`` SDK: OpenAI, Ollama (/v1), vLLM,
llama.cpp server, LM Studio. JSON mode is requested; the answer is validated here."""

from __future__ import annotations

import openai

from inboxmine.ai.providers.base import RemoteProvider

MAX_OUTPUT_TOKENS = 2048


class OpenAICompatProvider(RemoteProvider):
    """Chat completions against ``spec.base_url`` (default: api.openai.com)."""

    default_url = "https://api.openai.com"

    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
        self._client = openai.OpenAI(
            api_key=spec.api_key or "not-needed",
            base_url=spec.base_url,
            timeout=self.timeout_s,
            max_retries=0,  # retries are ours (RemoteProvider), so they are testable
        )

    def _send(self, system, messages):
        try:
            response = self._client.chat.completions.create(
                model=self.spec.model,
                messages=[{"role": "system", "content": system}, *messages],
                response_format={"type": "json_object"},
                temperature=0,
                max_tokens=MAX_OUTPUT_TOKENS,
            )
        except (openai.APIConnectionError, openai.APIStatusError) as exc:
            ollama = self.spec.provider == "ollama"
            raise self.sdk_failure(
                openai,
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
