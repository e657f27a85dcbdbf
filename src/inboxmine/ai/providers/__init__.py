"""AI providers, one module each, registered in :data:`AI_PROVIDERS`: the
built-in heuristic one, OpenAI-compatible servers (openai, ollama), Anthropic."""

from __future__ import annotations

from inboxmine.ai.providers.base import AIRequest, AIResult, Provider
from inboxmine.ai.providers.registry import AI_PROVIDERS, ProviderType, make_provider

__all__ = ["AI_PROVIDERS", "AIRequest", "AIResult", "Provider", "ProviderType", "make_provider"]
