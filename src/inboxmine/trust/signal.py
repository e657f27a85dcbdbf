"""A signal: one rule that fired on one message, with its weight and evidence."""

from __future__ import annotations

from dataclasses import dataclass

from inboxmine.trust.rules import TrustRules

#: Longest evidence kept (a header excerpt, a domain, a phrase).
MAX_EVIDENCE = 200


@dataclass(slots=True)
class Signal:
    signal: str
    weight: float
    detail: str
    evidence: str
    kind: str

    def as_dict(self) -> dict[str, object]:
        """The shape stored in ``message_trust.signals``."""
        return {
            "signal": self.signal,
            "weight": self.weight,
            "detail": self.detail,
            "evidence": self.evidence,
        }


def fire(
    rules: TrustRules,
    name: str,
    evidence: str,
    *,
    weight: float | None = None,
    kind: str | None = None,
    detail: str | None = None,
) -> Signal:
    """The signal ``name`` with its weight and wording from the rules."""
    rule = rules.signals[name]
    return Signal(
        name,
        rule.weight if weight is None else weight,
        detail or rule.detail,
        (evidence or "")[:MAX_EVIDENCE],
        kind or rule.kind,
    )
