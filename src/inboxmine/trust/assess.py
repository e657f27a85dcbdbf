"""One message's trust verdict: every rule family run once, the verdict decided.

:func:`assess` is pure (the message as stage 1 loads it, the metadata row
stage 1 computed for it, the compiled rules) and returns the
``message_trust`` row without ``computed_at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inboxmine.trust.attachments import attachment_signals
from inboxmine.trust.authentication import authentication_signals, reply_to_signals
from inboxmine.trust.automated import automation
from inboxmine.trust.brands import brand_signals
from inboxmine.trust.facts import message_facts
from inboxmine.trust.links import link_signals
from inboxmine.trust.phrases import phrase_signals, subject_signals
from inboxmine.trust.rules import TrustRules
from inboxmine.trust.server import server_signals
from inboxmine.trust.verdict import decide, strongest_first


def assess(
    item: Mapping[str, Any],
    metadata: Mapping[str, Any],
    rules: TrustRules,
    freemail: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The ``message_trust`` row of one message (``computed_at`` left to the caller).

    The user's own sent mail is trusted as it is: nothing but the user wrote it.
    """
    if metadata.get("is_sent"):
        return {
            "message_id": item["id"],
            "verdict": "legitimate",
            "risk_score": 0.0,
            "signals": [],
            "is_automated": False,
        }
    facts = message_facts(item, metadata, rules.text_chars, rules.html_chars, freemail)
    phrases = phrase_signals(facts, rules)
    signals = [
        *server_signals(facts, rules),
        *authentication_signals(facts, rules),
        *reply_to_signals(facts, rules),
        *brand_signals(facts, rules),
        *link_signals(facts, rules),
        *attachment_signals(facts, rules, {s.signal.removesuffix("_phrases") for s in phrases}),
        *phrases,
        *subject_signals(facts, rules),
    ]
    robot = automation(facts, rules)
    verdict = decide(
        signals,
        rules,
        is_bulk=facts.is_list,
        automated=robot.is_automated,
        strongly_automated=robot.strong,
    )
    # A trust signal alone (nothing to offset) is noise in the list.
    shown = signals if any(s.weight > 0 for s in signals) else []
    return {
        "message_id": item["id"],
        "verdict": verdict.verdict,
        "risk_score": round(verdict.risk_score, 1),
        "signals": [s.as_dict() for s in strongest_first(shown)]
        + [
            {"signal": "automated", "weight": 0, "detail": "written by a robot", "evidence": r}
            for r in robot.reasons[:3]
        ],
        "is_automated": robot.is_automated,
    }
