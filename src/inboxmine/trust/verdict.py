"""From signals to a verdict: weights add up to a risk score, thresholds decide.

    score >= spam        -> phishing if the phishing-kind signals weigh at
                            least phishing_weight, else spam
    score >= suspicious  -> suspicious
    else                 -> automated (a robot said so), bulk (list mail),
                            automated (a robot's address only), legitimate

The thresholds and every weight live in ``rules/trust.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from inboxmine.trust.rules import TrustRules
from inboxmine.trust.signal import Signal

MAX_SCORE = 100.0


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: str
    risk_score: float


def risk_score(signals: list[Signal]) -> float:
    """The weights summed, held to 0..100; trust signals only offset risk."""
    return max(0.0, min(MAX_SCORE, sum(s.weight for s in signals)))


def decide(
    signals: list[Signal],
    rules: TrustRules,
    *,
    is_bulk: bool = False,
    automated: bool = False,
    strongly_automated: bool = False,
) -> Verdict:
    """The verdict of one message from the signals that fired on it."""
    score = risk_score(signals)
    if score >= rules.spam:
        phishing = sum(s.weight for s in signals if s.kind == "phishing")
        return Verdict("phishing" if phishing >= rules.phishing_weight else "spam", score)
    if score >= rules.suspicious:
        return Verdict("suspicious", score)
    if strongly_automated:
        return Verdict("automated", score)
    if is_bulk:
        return Verdict("bulk", score)
    if automated:
        return Verdict("automated", score)
    return Verdict("legitimate", score)


def strongest_first(signals: list[Signal]) -> list[Signal]:
    """Signals ordered by weight, risk before trust, for storage and display."""
    return sorted(signals, key=lambda s: (-s.weight, s.signal))
