"""The AI providers a model spec may name, one registered component each.

A provider module registers itself at its bottom::

    AI_PROVIDERS.register("ollama", ProviderType(resolve=..., build=...), order=20)

``resolve`` turns the spec the user wrote (``ollama:llama3.1``) into a
:class:`~inboxmine.ai.spec.ModelSpec` with the URL and key from the settings
(raising :class:`~inboxmine.ai.errors.ModelSpecError` with the fix), and
``build`` makes the provider object for it. ``components.ai_providers`` in the
settings disables one (``openai = false``: a model naming it is refused).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inboxmine.components import Registry

if TYPE_CHECKING:
    from inboxmine.ai.providers.base import Provider
    from inboxmine.ai.spec import ModelSpec
    from inboxmine.config import Settings


@dataclass(frozen=True)
class ProviderType:
    """One kind of AI provider, named by the part of a model spec before ``:``."""

    #: ``(spec as written, model, settings) -> ModelSpec``; raises ModelSpecError.
    resolve: Callable[[str, str, Settings], ModelSpec]
    #: ``(resolved spec, settings) -> Provider``.
    build: Callable[[ModelSpec, Settings], Provider]
    #: A spec to show in messages, e.g. ``ollama:llama3.1``.
    example: str
    #: False for a provider that is a model on its own (``heuristic``).
    needs_model: bool = True


AI_PROVIDERS: Registry[ProviderType] = Registry("ai_providers", defaults="inboxmine.ai.providers")


def make_provider(spec: ModelSpec, settings: Settings) -> Provider:
    """The provider object for a resolved model spec."""
    return AI_PROVIDERS.get(spec.provider).build(spec, settings)
