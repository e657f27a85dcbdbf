"""AI providers: the built-in heuristic one, OpenAI-compatible servers, Anthropic."""

from __future__ import annotations

from inboxmine.ai.providers.base import AIRequest, AIResult, Provider
from inboxmine.ai.spec import ModelSpec
from inboxmine.config import Settings

__all__ = ["AIRequest", "AIResult", "Provider", "make_provider"]


def make_provider(spec: ModelSpec, settings: Settings) -> Provider:
    """The provider object for a resolved model spec."""
    ai = settings.ai
    if spec.provider == "heuristic":
        from inboxmine.ai.providers.heuristic import HeuristicProvider

        return HeuristicProvider(spec, rules_dir=settings.rules_dir, settings=settings)
    if spec.protocol == "openai":
        from inboxmine.ai.providers.openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(
            spec, timeout_s=ai.timeout_s, max_retries=ai.max_retries, backoff_s=ai.retry_backoff_s
        )
    from inboxmine.ai.providers.anthropic import AnthropicProvider

    return AnthropicProvider(
        spec, timeout_s=ai.timeout_s, max_retries=ai.max_retries, backoff_s=ai.retry_backoff_s
    )
