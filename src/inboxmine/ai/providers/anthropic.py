"""Anthropic models through the ``anthropic`` SDK (messages API)."""

from __future__ import annotations

import anthropic

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


class AnthropicProvider(RemoteProvider):
    """Messages API at ``spec.base_url`` (default: api.anthropic.com)."""

    def __init__(self, spec, **kwargs):
        super().__init__(spec, **kwargs)
        self._client = anthropic.Anthropic(
            api_key=spec.api_key,
            base_url=spec.base_url,
            timeout=self.timeout_s,
            max_retries=0,  # retries are ours (RemoteProvider), so they are testable
        )

    @property
    def where(self) -> str:
        return origin(self.spec.base_url or "https://api.anthropic.com")

    def _send(self, system, messages):
        try:
            response = self._client.messages.create(
                model=self.spec.model,
                max_tokens=MAX_OUTPUT_TOKENS,
                system=system,
                messages=messages,
            )
        except anthropic.APITimeoutError:
            raise Retryable(
                AITimeout(
                    f"the AI provider at {self.where} did not answer within {self.timeout_s:g} s: "
                    f"raise ai.timeout_s, or choose another model with --model"
                )
            ) from None
        except anthropic.APIConnectionError as exc:
            raise ProviderUnavailable(
                f"cannot reach the AI provider at {self.where} ({connection_reason(exc)}): "
                f"{unreachable_hint(self.spec)}"
            ) from None
        except anthropic.RateLimitError as exc:
            raise Retryable(
                RateLimited(
                    f"the AI provider at {self.where} is rate-limiting requests (429): wait, "
                    f"lower ai.max_calls_per_run, or choose another model with --model"
                ),
                retry_after_seconds(exc.response.headers),
            ) from None
        except anthropic.AuthenticationError as exc:
            raise ProviderUnavailable(
                f"the AI provider at {self.where} refused the API key ({exc.status_code}): set a "
                f"valid INBOXMINE_AI__ANTHROPIC_API_KEY, or choose another model with --model"
            ) from None
        except anthropic.PermissionDeniedError as exc:
            raise ProviderUnavailable(
                f"the AI provider at {self.where} denied access to model {self.spec.model!r} "
                f"({exc.status_code}): check the key's permissions, or choose another model"
            ) from None
        except anthropic.NotFoundError:
            raise ProviderUnavailable(
                f"model {self.spec.model!r} was not found at {self.where} (404): check the name, "
                f"or choose another model with --model"
            ) from None
        except anthropic.APIStatusError as exc:
            # 5xx and 529 "overloaded" are worth another try; other 4xx are about this request.
            if exc.status_code >= 500:
                raise Retryable(
                    ProviderError(
                        f"the AI provider at {self.where} failed with HTTP {exc.status_code}: "
                        f"try again later"
                    ),
                    retry_after_seconds(exc.response.headers),
                ) from None
            raise ProviderError(
                f"the AI provider at {self.where} rejected the request (HTTP {exc.status_code}): "
                f"{(exc.message or '')[:300]}"
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
