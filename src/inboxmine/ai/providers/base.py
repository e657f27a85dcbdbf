"""The provider interface, answer parsing, and the retry/repair loop remote providers share."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from inboxmine.ai.errors import (
    AIError,
    AITimeout,
    InvalidAnswer,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from inboxmine.ai.schemas import schema_text
from inboxmine.ai.spec import ModelSpec

#: Answers longer than this are not parsed (a runaway model, or an echo).
MAX_ANSWER_CHARS = 200_000
#: Never wait longer than this for a Retry-After; a longer wait fails the call.
MAX_RETRY_AFTER_S = 120.0


@dataclass
class AIRequest:
    """One question to a model.

    ``context`` holds the structured variables the prompt was rendered from;
    the heuristic provider answers from them rather than from the prose.
    """

    system_prompt: str
    prompt: str
    answer_model: type[BaseModel]
    template: str = ""  # template name, e.g. "classify"
    template_version: str = ""  # "v1"
    context: dict[str, Any] = field(default_factory=dict)
    heuristic_draft: str | None = None


@dataclass
class AIResult:
    """A validated answer and how it was obtained."""

    answer: BaseModel
    raw_text: str
    model_used: str
    tokens_in: int | None = None
    tokens_out: int | None = None
    duration_ms: int = 0
    attempts: int = 1
    cached: bool = False
    audit_id: int | None = None


class Provider(Protocol):
    spec: ModelSpec

    def complete(self, request: AIRequest) -> AIResult:
        """Answer ``request`` with a validated answer, or raise an :class:`AIError`."""


def parse_answer(raw: str, answer_model: type[BaseModel]) -> BaseModel:
    """The answer in ``raw`` validated against ``answer_model``.

    Accepts a bare JSON object, one inside a code fence, or one surrounded by
    prose. Raises :class:`InvalidAnswer` saying what was wrong.
    """
    name = answer_model.__name__
    text = (raw or "").strip()
    if not text:
        raise InvalidAnswer(f"the answer was empty (expected a {name} JSON object)", raw)
    if len(text) > MAX_ANSWER_CHARS:
        raise InvalidAnswer(f"the answer is {len(text)} characters long, not a {name} object", raw)
    data = _json_object(text)
    if data is None:
        raise InvalidAnswer(f"the answer is not a JSON object (expected a {name} object)", raw)
    try:
        return answer_model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:8]
        )
        raise InvalidAnswer(
            f"the answer does not match the {name} schema: {problems}", raw
        ) from exc


def _json_object(text: str) -> dict | None:
    candidates = [text]
    fence = text.find("```")
    if fence >= 0:
        closing = text.find("```", fence + 3)
        if closing > fence:
            inner = text[fence + 3 : closing]
            candidates.append(inner[4:] if inner[:4].lower() == "json" else inner)
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def origin(url: str | None) -> str:
    """``scheme://host:port`` of a URL, for messages (no path, no credentials)."""
    if not url:
        return "the provider's default address"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme else url


class Retryable(AIError):
    """Raised by ``_send`` for a failure worth retrying (timeout, 429, 5xx)."""

    def __init__(self, final: AIError, retry_after: float | None = None):
        super().__init__(str(final))
        self.final = final
        self.retry_after = retry_after


REPAIR_INSTRUCTION = (
    "Your reply could not be used: {problem}. Reply again with only one JSON object that "
    "matches the schema in the instructions - no prose, no code fences."
)


class RemoteProvider:
    """Shared behaviour of network providers: retries with backoff, one repair.

    Subclasses implement ``_send(system, messages) -> (text, tokens_in,
    tokens_out)``, raising :class:`Retryable` for transient failures and an
    :class:`AIError` for the rest. The SDKs' own retries are off, so what
    happens here is what happens.
    """

    def __init__(
        self,
        spec: ModelSpec,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.spec = spec
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.backoff_s = max(0.0, backoff_s)
        self.sleep = sleep

    #: Where the provider answers when ``spec.base_url`` is not set (for messages).
    default_url = ""

    def unreachable_advice(self) -> str:
        """What to do when the provider cannot be reached (a provider may say more)."""
        return "check your network connection"

    @property
    def where(self) -> str:
        """The provider's address for messages: ``scheme://host:port``."""
        return origin(self.spec.base_url or self.default_url)

    def _send(
        self, system: str, messages: list[dict[str, str]]
    ) -> tuple[str, int | None, int | None]:
        raise NotImplementedError

    def sdk_failure(
        self,
        sdk: Any,
        exc: Exception,
        *,
        key_variable: str,
        timeout_advice: str = "raise ai.timeout_s",
        not_found_advice: str = "check the name",
    ) -> AIError:
        """The error to raise for an exception of an OpenAI-style SDK (``openai``,
        ``anthropic``: the same exception classes), :class:`Retryable` when worth
        another try (timeout, 429, 5xx - Anthropic's 529 "overloaded" included).

        ``sdk`` is the SDK module; ``exc`` one of its ``APIConnectionError`` or
        ``APIStatusError``; the advice strings fill the provider's own hints.
        """
        where = self.where
        if isinstance(exc, sdk.APITimeoutError):
            return Retryable(
                AITimeout(
                    f"the AI provider at {where} did not answer within {self.timeout_s:g} s: "
                    f"{timeout_advice}, or choose another model with --model"
                )
            )
        if isinstance(exc, sdk.APIConnectionError):
            return ProviderUnavailable(
                f"cannot reach the AI provider at {where} ({connection_reason(exc)}): "
                f"{self.unreachable_advice()}, or choose another model with --model"
            )
        status = exc.status_code
        retry_after = retry_after_seconds(exc.response.headers)
        if isinstance(exc, sdk.RateLimitError):
            return Retryable(
                RateLimited(
                    f"the AI provider at {where} is rate-limiting requests (429): wait, "
                    f"lower ai.max_calls_per_run, or choose another model with --model"
                ),
                retry_after,
            )
        if isinstance(exc, sdk.AuthenticationError):
            return ProviderUnavailable(
                f"the AI provider at {where} refused the API key ({status}): set a "
                f"valid {key_variable}, or choose another model with --model"
            )
        if isinstance(exc, sdk.PermissionDeniedError):
            return ProviderUnavailable(
                f"the AI provider at {where} denied access to model {self.spec.model!r} "
                f"({status}): check the key's permissions, or choose another model"
            )
        if isinstance(exc, sdk.NotFoundError):
            return ProviderUnavailable(
                f"model {self.spec.model!r} was not found at {where} (404): {not_found_advice}, "
                f"or choose another model with --model"
            )
        if status >= 500:
            return Retryable(
                ProviderError(
                    f"the AI provider at {where} failed with HTTP {status}: try again later"
                ),
                retry_after,
            )
        # Other 4xx are about this request: retrying would not help.
        return ProviderError(
            f"the AI provider at {where} rejected the request (HTTP {status}): "
            f"{_short(exc.message)}"
        )

    def complete(self, request: AIRequest) -> AIResult:
        started = time.monotonic()
        system = request.system_prompt
        schema = schema_text(request.answer_model)
        if schema not in system:
            # A template without the schema still tells the model what to return.
            system = f"{system}\n\nReply with one JSON object matching this schema:\n{schema}"
        messages = [{"role": "user", "content": request.prompt}]
        tokens_in = tokens_out = 0
        attempts = 0

        def send() -> str:
            nonlocal tokens_in, tokens_out, attempts
            text, used_in, used_out, tries = self._send_with_retries(system, messages)
            attempts += tries
            tokens_in += used_in or 0
            tokens_out += used_out or 0
            return text

        raw = send()
        try:
            answer = parse_answer(raw, request.answer_model)
        except InvalidAnswer as first:
            # One repair attempt: show the model its reply and what was wrong.
            messages = messages + [
                {"role": "assistant", "content": raw[:20_000]},
                {"role": "user", "content": REPAIR_INSTRUCTION.format(problem=str(first))},
            ]
            raw = send()
            try:
                answer = parse_answer(raw, request.answer_model)
            except InvalidAnswer as second:
                raise InvalidAnswer(
                    f"{self.spec.spec} gave no valid answer after one repair attempt: {second}",
                    response_raw=raw,
                    attempts=attempts,
                ) from None
        return AIResult(
            answer=answer,
            raw_text=raw,
            model_used=self.spec.spec,
            tokens_in=tokens_in or None,
            tokens_out=tokens_out or None,
            duration_ms=int((time.monotonic() - started) * 1000),
            attempts=attempts,
        )

    def _send_with_retries(
        self, system: str, messages: list[dict[str, str]]
    ) -> tuple[str, int | None, int | None, int]:
        last: Retryable | None = None
        for attempt in range(self.max_retries + 1):
            try:
                text, used_in, used_out = self._send(system, messages)
                return text, used_in, used_out, attempt + 1
            except Retryable as exc:
                last = exc
                if attempt == self.max_retries:
                    break
                wait = exc.retry_after
                if wait is None:
                    wait = self.backoff_s * (2**attempt)
                if wait > MAX_RETRY_AFTER_S:
                    raise _with_attempts(
                        type(exc.final)(
                            f"{exc.final} - the provider asks to wait {wait:.0f} s; try again later"
                        ),
                        attempt + 1,
                    ) from None
                self.sleep(wait)
        assert last is not None
        final = last.final
        tries = self.max_retries + 1
        raise _with_attempts(
            type(final)(f"{final} (after {tries} attempt{'s' if tries > 1 else ''})"), tries
        ) from None


def _short(text: str | None, limit: int = 300) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "..."


def _with_attempts(exc: AIError, attempts: int) -> AIError:
    exc.attempts = attempts
    return exc


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds from ``Retry-After`` / ``retry-after-ms`` headers, if present and sane."""
    if headers is None:
        return None
    try:
        value_ms = headers.get("retry-after-ms")
        if value_ms is not None:
            return max(0.0, float(value_ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        return max(0.0, float(value))
    except (TypeError, ValueError):
        # An HTTP date: rare enough from AI providers to fall back to backoff.
        return None


__all__ = [
    "AIRequest",
    "AIResult",
    "AITimeout",
    "Provider",
    "ProviderError",
    "RateLimited",
    "RemoteProvider",
    "Retryable",
    "parse_answer",
]


def connection_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words ("connection refused", "host not found")."""
    seen: set[int] = set()
    current: BaseException | None = exc
    texts: list[str] = []
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        texts.append(str(current).lower())
        current = current.__cause__ or current.__context__
    joined = " ".join(texts)
    if "refused" in joined:
        return "connection refused"
    if (
        "name or service not known" in joined
        or "nodename nor servname" in joined
        or ("name resolution" in joined)
    ):
        return "host not found"
    if "ssl" in joined or "certificate" in joined:
        return "TLS error"
    if "reset" in joined:
        return "connection reset"
    return "connection failed"
