"""Gem detectors: one function per gem type, run for the relationships that allow it.

Each detector module registers its gem types in :data:`GEM_DETECTORS`
(``base.py``); the eligibility matrix and every threshold live in
``rules/gems.yaml``. :func:`detect_gems` runs the enabled ones for one sender
and keeps one thread gem per conversation.
"""

from __future__ import annotations

from typing import Any

from inboxmine.components import chosen_for
from inboxmine.opportunities.gems.base import (
    GEM_DETECTORS,
    DetectionContext,
    GemCandidate,
    GemDetector,
)
from inboxmine.trust.gate import allowed_gem_types

#: The key :func:`inboxmine.opportunities.rules.gem_rules` adds to the gem rules:
#: the gem types the settings leave enabled, in their order.
ENABLED = "enabled_gem_types"


def gem_types() -> list[str]:
    """Every registered gem type, in detection order (enabled or not)."""
    return GEM_DETECTORS.names()


def enabled_gem_types(settings: Any) -> list[str]:
    """The gem types ``components.gem_detectors`` in the settings leaves on, in order."""
    return [c.name for c in GEM_DETECTORS.enabled(chosen_for(settings, "gem_detectors"))]


def eligible_types(relationship: str, rules: dict) -> list[str]:
    """Gem types allowed for a relationship (an unknown relationship uses ``unknown``'s
    list) whose detector is enabled, in detection order."""
    matrix = rules["eligibility"]
    allowed = set(matrix.get(relationship, matrix["unknown"]))
    enabled = rules[ENABLED] if ENABLED in rules else gem_types()
    return [t for t in enabled if t in allowed]


def detect_gems(ctx: DetectionContext) -> list[GemCandidate]:
    """Every gem of one sender, thread gems deduplicated by ``thread_precedence``.

    The sender's trust verdict narrows the types (no gem from spam or phishing,
    no conversation gem from a robot); each gem carries the verdict."""
    found: list[GemCandidate] = []
    types = eligible_types(ctx.relationship, ctx.rules)
    for gem_type in allowed_gem_types(types, ctx.trust_verdict, ctx.trust_gating):
        found.extend(GEM_DETECTORS.get(gem_type)(ctx))
    for gem in found:
        gem.trust_verdict = ctx.trust_verdict
    precedence = list(ctx.rules["thread_precedence"])
    best: dict[int, GemCandidate] = {}
    rest = []
    for gem in found:
        if gem.thread_id is None or gem.gem_type not in precedence:
            rest.append(gem)
            continue
        current = best.get(gem.thread_id)
        if current is None or precedence.index(gem.gem_type) < precedence.index(current.gem_type):
            best[gem.thread_id] = gem
    return rest + list(best.values())


__all__ = [
    "ENABLED",
    "GEM_DETECTORS",
    "DetectionContext",
    "GemCandidate",
    "GemDetector",
    "detect_gems",
    "eligible_types",
    "enabled_gem_types",
    "gem_types",
]
