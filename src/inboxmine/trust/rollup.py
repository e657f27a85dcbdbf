"""One sender's trust, rolled up from the verdicts of its messages (pure).

Stage 1 judges every message (``message_trust``); stage 5 gives each sender
identity one verdict from them, with the signals that decided it and the
messages that showed each signal. The thresholds live in
``rules/sender_trust.yaml`` (``rollup`` and ``evidence``). A user override
wins over the computed verdict, and says so among the signals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inboxmine.db.tables.trust import TRUST_VERDICTS

#: Verdicts that judge the risk of a message, the most severe first.
RISK_VERDICTS = ("phishing", "spam", "suspicious")
SEVERITY = {verdict: rank for rank, verdict in enumerate(TRUST_VERDICTS)}


@dataclass
class SenderTrust:
    """The trust of one sender identity, as stored in ``sender_trust``."""

    sender_domain: str
    verdict: str
    risk_score: float
    signals: list[dict[str, Any]] = field(default_factory=list)
    verdict_counts: dict[str, int] = field(default_factory=dict)
    message_count: int = 0
    automated_ratio: float | None = None
    #: auto (computed from the messages) | override (the user's correction)
    source: str = "auto"
    #: What the messages alone say, kept when an override decides.
    computed_verdict: str = "legitimate"

    def row(self) -> dict[str, Any]:
        return {
            "sender_domain": self.sender_domain,
            "verdict": self.verdict,
            "risk_score": self.risk_score,
            "signals": self.signals,
            "verdict_counts": self.verdict_counts,
            "message_count": self.message_count,
            "automated_ratio": self.automated_ratio,
            "source": self.source,
        }


def _is_automated(message: dict[str, Any]) -> bool:
    return bool(message.get("is_automated")) or message.get("verdict") == "automated"


def _reaches(count: int, total: int, rule: dict[str, Any]) -> bool:
    return (
        total > 0
        and count >= int(rule["min_messages"])
        and count / total >= float(rule["min_share"])
    )


def sender_verdict(messages: list[dict[str, Any]], rules: dict[str, Any]) -> str:
    """The most severe verdict whose share of ``messages`` reaches its threshold."""
    total = len(messages)
    verdicts = [m.get("verdict") or "legitimate" for m in messages]
    for verdict in RISK_VERDICTS:
        at_least = sum(1 for v in verdicts if SEVERITY.get(v, 0) >= SEVERITY[verdict])
        if _reaches(at_least, total, rules[verdict]):
            return verdict
    automated = sum(1 for m in messages if _is_automated(m))
    if _reaches(automated, total, rules["automated"]):
        return "automated"
    if _reaches(verdicts.count("bulk"), total, rules["bulk"]):
        return "bulk"
    return "legitimate"


def _weight(signal: dict[str, Any]) -> float:
    try:
        return float(signal.get("weight") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def merge_signals(
    messages: Iterable[dict[str, Any]], limits: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each signal once, with the messages that showed it and a few examples of its
    evidence; the strongest (highest weight, then most messages) first."""
    max_ids = int(limits["max_message_ids"])
    max_examples = int(limits["max_examples"])
    merged: dict[str, dict[str, Any]] = {}
    for message in messages:
        for signal in message.get("signals") or []:
            if not isinstance(signal, dict) or not signal.get("signal"):
                continue
            name = str(signal["signal"])
            weight = _weight(signal)
            entry = merged.setdefault(
                name,
                {
                    "signal": name,
                    "weight": weight,
                    "detail": str(signal.get("detail") or ""),
                    "message_count": 0,
                    "message_ids": [],
                    "evidence": [],
                },
            )
            if weight > entry["weight"]:
                entry["weight"], entry["detail"] = weight, str(signal.get("detail") or "")
            entry["message_count"] += 1
            if len(entry["message_ids"]) < max_ids:
                entry["message_ids"].append(message["message_id"])
            evidence = signal.get("evidence")
            if evidence not in (None, "", []) and len(entry["evidence"]) < max_examples:
                entry["evidence"].append(
                    {"message_id": message["message_id"], "evidence": evidence}
                )
    ordered = sorted(
        merged.values(), key=lambda s: (-s["weight"], -s["message_count"], s["signal"])
    )
    return ordered[: int(limits["max_signals"])]


def _risk(messages: list[dict[str, Any]], how: str) -> float:
    scores = [float(m.get("risk_score") or 0.0) for m in messages]
    if not scores:
        return 0.0
    value = max(scores) if how == "max" else sum(scores) / len(scores)
    return round(min(100.0, max(0.0, value)), 1)


def override_signal(override: dict[str, Any], computed: str) -> dict[str, Any]:
    """The user's correction, shown first among the signals."""
    reason = override.get("reason") or "no reason given"
    return {
        "signal": "user_override",
        "weight": 0.0,
        "detail": f"you set {override['verdict']} ({reason}); the messages alone say {computed}",
        "message_count": 0,
        "message_ids": [],
        "evidence": [],
    }


def roll_up(
    sender_domain: str,
    messages: list[dict[str, Any]],
    rules: dict[str, Any],
    override: dict[str, Any] | None = None,
) -> SenderTrust:
    """The trust of ``sender_domain`` from its messages' ``message_trust`` rows
    (``message_id``, ``verdict``, ``risk_score``, ``signals``, ``is_automated``).

    ``rules`` is ``rules/sender_trust.yaml``; ``override`` a ``trust_overrides``
    row, which decides the verdict when given.
    """
    rollup = rules["rollup"]
    counts: dict[str, int] = {}
    for message in messages:
        verdict = message.get("verdict") or "legitimate"
        counts[verdict] = counts.get(verdict, 0) + 1
    total = len(messages)
    computed = sender_verdict(messages, rollup)
    trust = SenderTrust(
        sender_domain=sender_domain,
        verdict=computed,
        risk_score=_risk(messages, str(rollup["risk"])),
        signals=merge_signals(messages, rules["evidence"]),
        verdict_counts=dict(sorted(counts.items(), key=lambda kv: SEVERITY.get(kv[0], 0))),
        message_count=total,
        automated_ratio=round(sum(1 for m in messages if _is_automated(m)) / total, 3)
        if total
        else None,
        computed_verdict=computed,
    )
    if override:
        trust.verdict = override["verdict"]
        trust.source = "override"
        trust.signals = [override_signal(override, computed), *trust.signals]
    return trust


__all__ = ["RISK_VERDICTS", "SenderTrust", "merge_signals", "roll_up", "sender_verdict"]
