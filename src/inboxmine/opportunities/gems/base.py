"""What a gem detector gets and returns, and the registry of detectors.

A detector is a function ``(DetectionContext) -> [GemCandidate]``; its module
registers it under its gem type at the bottom::

    GEM_DETECTORS.register("renewal_leverage", renewal_leverage, order=50)

The registered names are the gem types: every list of gem types (the CLI's
and the web's filters, the scores' checks) reads them from here.
``components.gem_detectors.<type> = false`` in the settings disables one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inboxmine.components import Registry
from inboxmine.opportunities.evidence import Signal
from inboxmine.opportunities.facts import SenderFacts


@dataclass
class GemCandidate:
    """One opportunity found by a detector, explained.

    ``thread_id`` is set for gems about one conversation; with ``sender_domain``
    and ``gem_type`` it is the gem's natural key (the same gem across runs).
    """

    gem_type: str
    sender_domain: str
    summary: str
    signals: list[Signal]
    detector_score: int
    confidence: float
    estimated_value: str
    urgency: str
    recommended_actions: list[str]
    thread_id: int | None = None
    urgency_reason: str = ""
    source_message_ids: list[int] = field(default_factory=list)
    #: Facts the engagement strategies use (thread subject, dormancy, dates, URLs...).
    facts: dict[str, Any] = field(default_factory=dict)
    #: Thread gems belong to a person: the counterpart who is owed the reply.
    contact_email: str | None = None
    contact_name: str | None = None
    #: The sender's trust verdict when the gem was found (None: no verdict yet).
    trust_verdict: str | None = None

    @property
    def thread_key(self) -> str:
        return str(self.thread_id) if self.thread_id is not None else ""

    def explanation(self) -> dict[str, Any]:
        return {
            "gem_type": self.gem_type,
            "summary": self.summary,
            "signals": [s.to_dict() for s in self.signals],
            "confidence": self.confidence,
            "estimated_value": self.estimated_value,
            "urgency": self.urgency,
            "urgency_reason": self.urgency_reason,
            "facts": self.facts,
        }


@dataclass
class DetectionContext:
    """Everything a detector may read besides the sender's facts."""

    sender: SenderFacts
    profile: dict[str, Any]
    relationship: str
    segments: list[str]
    now: datetime
    rules: dict[str, Any]
    your_audience: str = ""
    #: The sender's trust verdict (``sender_trust``; None: unknown, never blocked)
    #: and the ``gating`` rules of rules/sender_trust.yaml that say what it allows.
    trust_verdict: str | None = None
    trust_gating: dict[str, Any] = field(default_factory=dict)

    def cfg(self, gem_type: str) -> dict[str, Any]:
        return self.rules[gem_type]

    def phrases(self, name: str) -> Any:
        return self.rules["phrases"][name]

    @property
    def is_bulk_sender(self) -> bool:
        ratio = self.profile.get("bulk_ratio") or 0.0
        return ratio > float(self.rules["bulk_ratio"])

    def actions(self, gem_type: str) -> list[str]:
        return list(self.cfg(gem_type)["actions"])


GemDetector = Callable[[DetectionContext], list[GemCandidate]]

#: Gem type -> its detector, in the order they run.
GEM_DETECTORS: Registry[GemDetector] = Registry(
    "gem_detectors", defaults="inboxmine.opportunities.gems"
)
