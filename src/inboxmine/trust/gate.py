"""What a sender's trust verdict allows in gem detection (pure).

Spam and phishing senders give no gem at all; suspicious senders keep their
gems, marked with the verdict and scored lower; automated senders (no-reply,
notifications, receipts) never give a gem about a one-to-one conversation;
and ``blocked_gem_types`` names gem types a verdict never gives (a
"purchase order" from a suspicious sender is the classic invoice lure).
A sender without a verdict (stage 1 wrote no ``message_trust`` rows) is
treated as unknown and never blocked. The lists live in the ``gating``
section of ``rules/sender_trust.yaml``; the score penalty in
``rules/scoring.yaml`` (``opportunity.trust_penalties``).
"""

from __future__ import annotations

from typing import Any


def _listed(rules: dict[str, Any], key: str) -> set[str]:
    return {str(v) for v in rules.get(key) or []}


def blocks_sender(verdict: str | None, gating: dict[str, Any]) -> bool:
    """True when no gem may come from a sender with this verdict."""
    return verdict is not None and verdict in _listed(gating, "blocked_verdicts")


def allows_gem_type(verdict: str | None, gem_type: str, gating: dict[str, Any]) -> bool:
    """Whether a sender with ``verdict`` may give a gem of ``gem_type``."""
    if verdict is None:
        return True
    if blocks_sender(verdict, gating):
        return False
    if gem_type in {str(t) for t in (gating.get("blocked_gem_types") or {}).get(verdict) or []}:
        return False
    person_only = _listed(gating, "person_only_gem_types")
    return not (
        gem_type in person_only and verdict in _listed(gating, "person_only_blocked_verdicts")
    )


def allowed_gem_types(
    gem_types: list[str], verdict: str | None, gating: dict[str, Any]
) -> list[str]:
    """``gem_types`` less the ones a sender with ``verdict`` may not give."""
    return [t for t in gem_types if allows_gem_type(verdict, t, gating)]


def is_flagged(verdict: str | None, gating: dict[str, Any]) -> bool:
    """True when a gem of this sender must show its verdict (suspicious)."""
    return verdict is not None and verdict in _listed(gating, "flagged_verdicts")


def trust_penalty(verdict: str | None, opportunity_rules: dict[str, Any]) -> float:
    """Points taken from a gem's score for its sender's verdict (0 when none)."""
    if verdict is None:
        return 0.0
    penalties = opportunity_rules.get("trust_penalties") or {}
    return float(penalties.get(verdict, 0) or 0)


__all__ = [
    "allowed_gem_types",
    "allows_gem_type",
    "blocks_sender",
    "is_flagged",
    "trust_penalty",
]
