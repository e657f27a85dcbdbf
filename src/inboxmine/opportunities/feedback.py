"""What the user's bad ratings teach gem detection: pure rules, no database.

A gem rated ``bad`` leaves a suppression ``(sender_domain, gem_type,
thread_key)``; ``thread_key`` ``''`` covers every thread of that sender.
Which scope a reason gets, and whether it marks the sender's trust, lives in
``rules/gem_feedback.yaml``. Stage 5 drops the candidates a suppression
covers (:func:`without_suppressed`), so the sender or thread is not proposed
again for that type while its other gem types are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inboxmine.db.tables.trust import TRUST_VERDICTS
from inboxmine.rules.loader import RulesError, load_rules

RATINGS = ("good", "bad")
#: Why a gem is bad (``gem_ratings.reason``).
BAD_REASONS = ("spam", "not_a_business", "already_handled", "my_vendor", "other")
SCOPES = ("sender", "thread")
RULES_FILE = "gem_feedback.yaml"

#: (sender_domain, gem_type, thread_key); thread_key '' = every thread.
SuppressionKey = tuple[str, str, str]


class InvalidRating(ValueError):
    """A rating or reason that does not exist; the message lists the valid ones."""


def normalize_reason(reason: str | None) -> str | None:
    """``"Not a business"``, ``not-a-business`` -> ``not_a_business``; blank -> None."""
    if reason is None:
        return None
    cleaned = "_".join(reason.strip().lower().replace("-", " ").replace("_", " ").split())
    return cleaned or None


def check_rating(rating: str, reason: str | None) -> None:
    """Refuse what cannot be stored, saying what can."""
    if rating not in RATINGS:
        raise InvalidRating(f"unknown rating {rating!r}: choose good or bad")
    if reason is None:
        return
    if rating == "good":
        raise InvalidRating(
            f"a reason is for bad ratings only: rate it bad --reason {reason}, or good without one"
        )
    if reason not in BAD_REASONS:
        raise InvalidRating(f"unknown reason {reason!r}: choose one of {', '.join(BAD_REASONS)}")


def feedback_rules(rules_dir=None) -> dict[str, Any]:
    """rules/gem_feedback.yaml (with the user's copy merged), checked: its model
    checks the scopes, this the trust verdicts (the database's own list)."""
    rules = load_rules(RULES_FILE, rules_dir)
    for reason, entry in rules["reasons"].items():
        verdict = entry.get("trust_verdict")
        if verdict is not None and verdict not in TRUST_VERDICTS:
            raise RulesError(
                f"{RULES_FILE}: reason {reason} has trust_verdict {verdict!r}: "
                f"use one of {', '.join(TRUST_VERDICTS)}"
            )
    return rules


def scope_of(reason: str | None, rules: dict[str, Any]) -> str:
    entry = rules["reasons"].get(reason) or {}
    return entry.get("scope") or rules["default_scope"]


def trust_verdict_of(reason: str | None, rules: dict[str, Any]) -> str | None:
    """The trust verdict a bad rating with ``reason`` gives the sender (spam: ``spam``)."""
    return (rules["reasons"].get(reason) or {}).get("trust_verdict")


def suppression_for(rating: dict[str, Any], rules: dict[str, Any]) -> SuppressionKey | None:
    """What one stored rating suppresses: nothing for a good one."""
    if rating["rating"] != "bad":
        return None
    thread = rating.get("thread_key") or ""
    if scope_of(rating.get("reason"), rules) == "sender":
        thread = ""
    return (rating["sender_domain"], rating["gem_type"], thread)


def is_suppressed(
    sender_domain: str, gem_type: str, thread_key: str, suppressed: set[SuppressionKey]
) -> bool:
    """True when a suppression covers this gem (the whole sender, or this thread)."""
    return (sender_domain, gem_type, "") in suppressed or (
        bool(thread_key) and (sender_domain, gem_type, thread_key) in suppressed
    )


def without_suppressed(candidates: Iterable, suppressed: set[SuppressionKey]) -> list:
    """The gem candidates no suppression covers (stage 5 proposes only these)."""
    return [
        c
        for c in candidates
        if not is_suppressed(c.sender_domain, c.gem_type, c.thread_key, suppressed)
    ]


__all__ = [
    "BAD_REASONS",
    "RATINGS",
    "InvalidRating",
    "check_rating",
    "feedback_rules",
    "is_suppressed",
    "normalize_reason",
    "scope_of",
    "suppression_for",
    "trust_verdict_of",
    "without_suppressed",
]
