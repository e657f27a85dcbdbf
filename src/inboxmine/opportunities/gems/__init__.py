"""Gem detectors: one function per gem type, run for the relationships that allow it.

``DETECTORS`` maps each gem type to its detector; the eligibility matrix and
every threshold live in ``rules/gems.yaml``. :func:`detect_gems` runs them
for one sender and keeps one thread gem per conversation.
"""

from __future__ import annotations

from collections.abc import Callable

from inboxmine.opportunities.gems.base import DetectionContext, GemCandidate
from inboxmine.opportunities.gems.marketing import (
    co_marketing,
    distribution_channel,
    industry_intel,
    weak_marketing_lead,
)
from inboxmine.opportunities.gems.procurement import procurement_signal
from inboxmine.opportunities.gems.threads import dormant_warm_thread, unanswered_ask
from inboxmine.opportunities.gems.vendors import partner_program, renewal_leverage, vendor_upsell
from inboxmine.trust.gate import allowed_gem_types

DETECTORS: dict[str, Callable[[DetectionContext], list[GemCandidate]]] = {
    "dormant_warm_thread": dormant_warm_thread,
    "unanswered_ask": unanswered_ask,
    "weak_marketing_lead": weak_marketing_lead,
    "partner_program": partner_program,
    "renewal_leverage": renewal_leverage,
    "vendor_upsell": vendor_upsell,
    "distribution_channel": distribution_channel,
    "co_marketing": co_marketing,
    "industry_intel": industry_intel,
    "procurement_signal": procurement_signal,
}
GEM_TYPES = tuple(DETECTORS)


def eligible_types(relationship: str, rules: dict) -> list[str]:
    """Gem types allowed for a relationship; an unknown relationship uses ``unknown``'s list."""
    matrix = rules["eligibility"]
    allowed = matrix.get(relationship, matrix["unknown"])
    return [t for t in allowed if t in DETECTORS]


def detect_gems(ctx: DetectionContext) -> list[GemCandidate]:
    """Every gem of one sender, thread gems deduplicated by ``thread_precedence``.

    The sender's trust verdict narrows the types (no gem from spam or phishing,
    no conversation gem from a robot); each gem carries the verdict."""
    found: list[GemCandidate] = []
    types = eligible_types(ctx.relationship, ctx.rules)
    for gem_type in allowed_gem_types(types, ctx.trust_verdict, ctx.trust_gating):
        found.extend(DETECTORS[gem_type](ctx))
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
    "DETECTORS",
    "GEM_TYPES",
    "DetectionContext",
    "GemCandidate",
    "detect_gems",
    "eligible_types",
]
