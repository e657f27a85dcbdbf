"""Sender-level rollups of per-message classifications."""

from __future__ import annotations

from collections import Counter
from typing import Any

CHOICE_FIELDS = ("industry", "company_size_estimate", "sender_intent", "product_type")
LATEST_FIELDS = ("product_description", "pain_points", "target_audience")
ANY_FIELDS = ("partner_program_detected", "renewal_signal_detected")


def rollup(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One sender's dimensions from its message classifications.

    Choices: the most common value (ties: the most recently classified);
    sophistication and confidence: the rounded mean; flags: any message;
    texts: the most recently classified message's.
    """
    if not rows:
        return {}
    ordered = sorted(
        rows,
        key=lambda r: (
            r.get("classified_at") is not None,
            r.get("classified_at"),
            r.get("message_id") or 0,
        ),
        reverse=True,
    )
    out: dict[str, Any] = {}
    for field in CHOICE_FIELDS:
        values = [r.get(field) for r in ordered if r.get(field) is not None]
        if not values:
            out[field] = None
            continue
        counts = Counter(values)
        top = max(counts.values())
        out[field] = next(v for v in values if counts[v] == top)  # newest among the most common
    scores = [
        r["marketing_sophistication"]
        for r in ordered
        if r.get("marketing_sophistication") is not None
    ]
    out["marketing_sophistication"] = round(sum(scores) / len(scores)) if scores else None
    confidences = [r["ai_confidence"] for r in ordered if r.get("ai_confidence") is not None]
    out["ai_confidence"] = round(sum(confidences) / len(confidences), 2) if confidences else None
    for field in ANY_FIELDS:
        out[field] = any(bool(r.get(field)) for r in ordered)
    for field in LATEST_FIELDS:
        out[field] = ordered[0].get(field)
    out["message_count"] = len(rows)
    return out
