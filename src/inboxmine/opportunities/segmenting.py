"""Stage 6 for one sender: its segments and its open gems' scores.

Pure: :func:`segment_sender` takes the sender's profile, its open gems, its
relationship and trust verdict, and the run's rules, and returns the
segment rows to store, the gems its verdict no longer allows (to expire) and
the new score of every other open gem. The stage (``stages/segment.py``)
reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inboxmine.opportunities import custom_segments, scoring, segments
from inboxmine.runner.tracking import StageError
from inboxmine.trust import gate

#: A sender_segments row's optional columns (custom rows add a priority).
SEGMENT_ROW = {
    "sub_segment": None,
    "confidence": None,
    "is_custom": False,
    "priority": None,
    "reason": None,
}


@dataclass(frozen=True)
class SegmentRun:
    now: datetime
    rules: dict[str, Any]
    #: Sender -> its relationship type.
    relationships: dict[str, str]


@dataclass
class SegmentedSender:
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: Open gems the trust verdict no longer allows.
    expired: list[dict[str, Any]] = field(default_factory=list)
    #: (gem id, score breakdown, trust verdict) of the gems kept.
    scores: list[tuple[int, dict[str, Any], str | None]] = field(default_factory=list)

    @property
    def economic(self) -> list[str]:
        return sorted({r["segment"] for r in self.rows if not r["is_custom"]})


def segment_rows(profile, open_gems, rules, now) -> list[dict]:
    """Economic segments with sub-segments, plus dormant_threads and custom segments."""
    categories = sorted(
        {
            c
            for g in open_gems
            if g["gem_type"] == "procurement_signal"
            for c in ((g.get("explanation") or {}).get("facts") or {}).get("categories", [])
        }
    )
    economic = segments.economic_segments(profile, categories, rules)
    rows = []
    for name in economic:
        for sub, confidence, reason in segments.sub_segments(name, profile, categories, now, rules):
            rows.append(
                {"segment": name, "sub_segment": sub, "confidence": confidence, "reason": reason}
            )
    dormant = rules["sub_segments"]["dormant_threads"]
    for gem_type, sub in dormant["from_gems"].items():
        if any(g["gem_type"] == gem_type for g in open_gems):
            rows.append(
                {
                    "segment": "dormant_threads",
                    "sub_segment": sub,
                    "confidence": dormant["confidence"],
                    "reason": f"open {gem_type} gem",
                }
            )
    if any(r["segment"] == "dormant_threads" for r in rows):
        economic = economic + ["dormant_threads"]
    try:
        custom = custom_segments.evaluate(
            rules["custom_segments"],
            profile,
            economic,
            {g["gem_type"] for g in open_gems},
            now,
        )
    except custom_segments.SegmentRuleError as exc:
        raise StageError(str(exc)) from exc
    for row in custom:
        row["is_custom"] = True
        row["priority"] = row["sub_segment"] or None
    rows.extend(custom)
    return rows


def segment_sender(
    profile: dict, open_gems: list[dict], verdict: str | None, run: SegmentRun
) -> SegmentedSender:
    domain = profile["sender_domain"]
    # The trust verdict may have changed since stage 5 (an override): gate again.
    gating = run.rules["sender_trust"]["gating"]
    result = SegmentedSender()
    result.expired = [
        g for g in open_gems if not gate.allows_gem_type(verdict, g["gem_type"], gating)
    ]
    kept = [g for g in open_gems if g not in result.expired]
    for row in segment_rows(profile, kept, run.rules["segments"], run.now):
        # Every row names every column: one executemany needs the same keys.
        result.rows.append({**SEGMENT_ROW, "sender_domain": domain, "assigned_at": run.now, **row})
    relationship = run.relationships.get(domain, "unknown")
    types = {g["gem_type"] for g in kept}
    for gem in kept:
        breakdown = scoring.score_gem(
            profile,
            relationship,
            gem["gem_type"],
            gem["detector_score"],
            types,
            run.now,
            run.rules["scoring"]["opportunity"],
            verdict,
        )
        result.scores.append((gem["id"], breakdown, verdict))
    return result
