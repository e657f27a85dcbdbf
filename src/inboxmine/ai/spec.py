"""Model specs: ``provider:model`` strings, resolved against the settings."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from urllib.parse import urlsplit

from inboxmine.ai.errors import ModelSpecError
from inboxmine.config import Settings

#: Hosts that never leave the machine: no redaction needed.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0")
#: What an empty model spec means.
DEFAULT_SPEC = "heuristic"


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model: which wire protocol, which model, where, with which key."""

    spec: str  # as written: "ollama:llama3.1" (stored as model_used)
    provider: str  # a registered provider: heuristic | openai | ollama | anthropic | ...
    model: str
    base_url: str | None = None
    #: The key itself stays out of repr() so it never lands in a log line.
    api_key: str | None = None
    #: Answered in this process (the heuristic): never cached, redacted or counted.
    in_process: bool = False

    def __repr__(self) -> str:
        return f"ModelSpec({self.spec!r}, base_url={self.base_url!r})"

    @property
    def is_cloud(self) -> bool:
        """True when prompts leave this machine (redaction applies)."""
        if self.in_process:
            return False
        host = urlsplit(self.base_url).hostname if self.base_url else None
        return host not in LOCAL_HOSTS


def parse_model_spec(spec: str, settings: Settings) -> ModelSpec:
    """Resolve ``spec`` (``heuristic``, ``openai:gpt-4o-mini``, ``ollama:llama3.1``,
    ``anthropic:claude-3-5-haiku-latest``) with URLs and keys from ``settings``.

    The provider is looked up in :data:`~inboxmine.ai.providers.AI_PROVIDERS`
    (its module resolves the URL and the key); an empty spec is the heuristic.
    Raises :class:`ModelSpecError` with the fix when the spec is unusable.
    """
    from inboxmine.ai.providers.registry import AI_PROVIDERS
    from inboxmine.components import chosen_for

    text = (spec or "").strip() or DEFAULT_SPEC
    name, sep, model = text.partition(":")
    name, model = name.strip().lower(), model.strip()
    examples = ", ".join(AI_PROVIDERS.get(n).example for n in AI_PROVIDERS.names())
    if name not in AI_PROVIDERS:
        if not sep:
            raise ModelSpecError(
                f"model {text!r} names no provider: write provider:model, e.g. ollama:{text}, "
                f"or one of {examples}"
            )
        near = difflib.get_close_matches(name, AI_PROVIDERS.names(), n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise ModelSpecError(
            f"unknown AI provider {name!r} in model {text!r}: {hint}choose one of "
            f"{', '.join(AI_PROVIDERS.names())} (any OpenAI-compatible server is openai: "
            f"with ai.openai_base_url)"
        )
    enabled = {c.name for c in AI_PROVIDERS.enabled(chosen_for(settings, "ai_providers"))}
    if name not in enabled:
        raise ModelSpecError(
            f"AI provider {name!r} (model {text!r}) is disabled in the settings' "
            f"components.ai_providers"
        )
    kind = AI_PROVIDERS.get(name)
    if kind.needs_model and not model:
        raise ModelSpecError(
            f"model {text!r} names no model: write {name}:<model>, e.g. {kind.example}"
        )
    return kind.resolve(text, model, settings)


def secret_value(value) -> str | None:
    """The plain text of a secret setting (``SecretStr`` or, from code, ``str``)."""
    if value is None:
        return None
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return text or None
