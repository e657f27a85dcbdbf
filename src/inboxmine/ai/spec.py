"""Model specs: ``provider:model`` strings, resolved against the settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from inboxmine.ai.errors import ModelSpecError
from inboxmine.config import Settings

PROVIDERS = ("heuristic", "openai", "ollama", "anthropic")
#: Hosts that never leave the machine: no redaction needed.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0")


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: which wire protocol, which model, where, with which key."""

    spec: str  # as written: "ollama:llama3.1" (stored as model_used)
    provider: str  # heuristic | openai | ollama | anthropic
    model: str
    base_url: str | None = None
    #: The key itself stays out of repr() so it never lands in a log line.
    api_key: str | None = None

    def __repr__(self) -> str:
        return f"ModelSpec({self.spec!r}, base_url={self.base_url!r})"

    @property
    def protocol(self) -> str:
        """The wire format: ollama speaks the OpenAI chat-completions API."""
        return "openai" if self.provider == "ollama" else self.provider

    @property
    def is_cloud(self) -> bool:
        """True when prompts leave this machine (redaction applies)."""
        if self.provider == "heuristic":
            return False
        if self.provider == "anthropic" and not self.base_url:
            return True
        host = urlsplit(self.base_url).hostname if self.base_url else None
        return host not in LOCAL_HOSTS


def parse_model_spec(spec: str, settings: Settings) -> ModelSpec:
    """Resolve ``spec`` (``heuristic``, ``openai:gpt-4o-mini``, ``ollama:llama3.1``,
    ``anthropic:claude-3-5-haiku-latest``) with URLs and keys from ``settings``.

    Raises :class:`ModelSpecError` with the fix when the spec is unusable.
    """
    text = (spec or "").strip()
    if text in ("", "heuristic") or text.startswith("heuristic:"):
        return ModelSpec(spec="heuristic", provider="heuristic", model="heuristic")
    provider, sep, model = text.partition(":")
    provider = provider.strip().lower()
    model = model.strip()
    if not sep or not model:
        raise ModelSpecError(
            f"model {text!r} names no provider: write provider:model, e.g. ollama:{text}, "
            f"openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest, or heuristic"
        )
    if provider not in PROVIDERS:
        raise ModelSpecError(
            f"unknown AI provider {provider!r} in model {text!r}: choose one of "
            f"{', '.join(PROVIDERS)} (any OpenAI-compatible server is openai: with "
            f"ai.openai_base_url)"
        )
    ai = settings.ai
    if provider == "ollama":
        key = secret_value(ai.openai_api_key)
        return ModelSpec(text, provider, model, ai.ollama_base_url, key or "ollama")
    if provider == "openai":
        # The SDKs' own variables count too: most people already have them set.
        key = secret_value(ai.openai_api_key) or os.environ.get("OPENAI_API_KEY")
        if not key and not ai.openai_base_url:
            raise ModelSpecError(
                f"model {text!r} needs an OpenAI API key: set OPENAI_API_KEY or INBOXMINE_AI__OPENAI_API_KEY "
                f"(or ai.openai_api_key in the config), or point ai.openai_base_url at a "
                f"local OpenAI-compatible server"
            )
        return ModelSpec(text, provider, model, ai.openai_base_url, key or "not-needed")
    key = secret_value(ai.anthropic_api_key) or os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise ModelSpecError(
            f"model {text!r} needs an Anthropic API key: set ANTHROPIC_API_KEY or INBOXMINE_AI__ANTHROPIC_API_KEY "
            f"(or ai.anthropic_api_key in the config)"
        )
    return ModelSpec(text, provider, model, ai.anthropic_base_url, key)


def secret_value(value) -> str | None:
    """The plain text of a secret setting (``SecretStr`` or, from code, ``str``)."""
    if value is None:
        return None
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return text or None
