"""OpenAI-compatible servers through the ``openai`` SDK: OpenAI, Ollama (/v1), vLLM,
llama.cpp server, LM Studio. JSON mode is requested; the answer is validated here."""

from __future__ import annotations

import openai

from inboxmine.ai.errors import AITimeout, ProviderError, ProviderUnavailable, RateLimited
from inboxmine.ai.providers.base import (
    RemoteProvider,
    Retryable,
    connection_reason,
    origin,
    retry_after_seconds,
    unreachable_hint,
)

MAX_OUTPUT_TOKENS = 2048


class OpenAICompatProvider(RemoteProvider):
    """Chat completions against ``spec.base_url`` (default: api.openai.com)."""

    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
        self._client = openai.OpenAI(
            api_key=spec.api_key or "not-needed",
            base_url=spec.base_url,
            timeout=self.timeout_s,
            max_retries=0,  # retries are ours (RemoteProvider), so they are testable
        )

    @property
    def where(self) -> str:
        return origin(self.spec.base_url or "https://api.openai.com")

    def _send(self, system, messages):
        try:
            response = self._client.chat.completions.create(
                model=self.spec.model,
                messages=[{"role": "system", "content": system}, *messages],
                response_format={"type": "json_object"},
                temperature=0,
                max_tokens=MAX_OUTPUT_TOKENS,
            )
        except openai.APITimeoutError:
            raise Retryable(
                AITimeout(
                    f"the AI provider at {self.where} did not answer within {self.timeout_s:g} s: "
                    f"raise ai.timeout_s, use a smaller model, or choose another with --model"
                )
            ) from None
        except openai.APIConnectionError as exc:
            raise ProviderUnavailable(
                f"cannot reach the AI provider at {self.where} ({connection_reason(exc)}): "
                f"{unreachable_hint(self.spec)}"
            ) from None
        except openai.RateLimitError as exc:
            raise Retryable(
                RateLimited(
                    f"the AI provider at {self.where} is rate-limiting requests (429): wait, "
                    f"lower ai.max_calls_per_run, or choose another model with --model"
                ),
                retry_after_seconds(exc.response.headers),
            ) from None
        except openai.AuthenticationError as exc:
            raise ProviderUnavailable(
                f"the AI provider at {self.where} refused the API key ({exc.status_code}): set a "
                f"valid INBOXMINE_AI__OPENAI_API_KEY, or choose another model with --model"
            ) from None
        except openai.PermissionDeniedError as exc:
            raise ProviderUnavailable(
                f"the AI provider at {self.where} denied access to model {self.spec.model!r} "
                f"({exc.status_code}): check the key's permissions, or choose another model"
            ) from None
        except openai.NotFoundError:
            pull = (
                f"`ollama pull {self.spec.model}`"
                if self.spec.provider == "ollama"
                else "check the name"
            )
            raise ProviderUnavailable(
                f"model {self.spec.model!r} was not found at {self.where} (404): {pull}, "
                f"or choose another model with --model"
            ) from None
        except openai.InternalServerError as exc:
            raise Retryable(
                ProviderError(
                    f"the AI provider at {self.where} failed with HTTP {exc.status_code}: "
                    f"try again later"
                ),
                retry_after_seconds(exc.response.headers),
            ) from None
        except openai.APIStatusError as exc:
            raise ProviderError(
                f"the AI provider at {self.where} rejected the request (HTTP {exc.status_code}): "
                f"{_short(exc.message)}"
            ) from None
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice and choice.message else None) or ""
        usage = response.usage
        return (
            text,
            usage.prompt_tokens if usage else None,
            usage.completion_tokens if usage else None,
        )


def _short(text: str | None, limit: int = 300) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "..."
