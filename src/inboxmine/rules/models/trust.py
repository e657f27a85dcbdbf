"""Models of the trust files: sender_trust.yaml (stage 5 rollup and gating)
and gem_feedback.yaml (what a bad gem rating teaches)."""

from __future__ import annotations

from typing import Literal

from inboxmine.rules.models.base import Section, Share, Words


class VerdictShare(Section):
    min_share: Share
    min_messages: int


class Rollup(Section):
    phishing: VerdictShare
    spam: VerdictShare
    suspicious: VerdictShare
    automated: VerdictShare
    bulk: VerdictShare
    risk: Literal["mean", "max"]


class Evidence(Section):
    max_signals: int
    max_message_ids: int
    max_examples: int


class Gating(Section):
    blocked_verdicts: Words
    flagged_verdicts: Words
    person_only_gem_types: Words
    person_only_blocked_verdicts: Words
    #: Verdict -> gem types it never gives (open).
    blocked_gem_types: dict[str, Words]


class SenderTrustFile(Section):
    """rules/sender_trust.yaml."""

    rollup: Rollup
    evidence: Evidence
    gating: Gating


class FeedbackReason(Section):
    scope: Literal["sender", "thread"]
    meaning: str
    trust_verdict: str | None = None  # optional: only spam marks the sender


class FeedbackReasons(Section):
    spam: FeedbackReason
    not_a_business: FeedbackReason
    my_vendor: FeedbackReason
    already_handled: FeedbackReason
    other: FeedbackReason


class GemFeedbackFile(Section):
    """rules/gem_feedback.yaml."""

    reasons: FeedbackReasons
    default_scope: Literal["sender", "thread"]
