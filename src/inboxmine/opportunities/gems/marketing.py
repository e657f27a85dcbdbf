"""Marketing gems: weak marketers (prospects), distribution channels, co-marketing, intel."""

from __future__ import annotations

import re

from inboxmine.opportunities.evidence import Signal, find_all_in_message, message_evidence, phrases
from inboxmine.opportunities.gems.base import GEM_DETECTORS, DetectionContext, GemCandidate

_WORD = re.compile(r"[a-z0-9][a-z0-9+\-]{1,30}")
_SENTENCE = re.compile(r"[.!?\n]")
MAX_SCAN = 3000


def _is_marketing(ctx: DetectionContext, cfg: dict) -> bool:
    """Marketing mail: a marketing intent, or a role address the user never answers."""
    if ctx.profile.get("sender_intent") in cfg["marketing_intents"]:
        return True
    if ctx.profile.get("user_reply_rate"):
        return False
    locals_ = {str(x).lower() for x in cfg["marketing_from_locals"]}
    address = (ctx.profile.get("primary_email") or "").split("@")[0]
    return address in locals_


def weak_marketing_lead(ctx: DetectionContext) -> list[GemCandidate]:
    """A business whose own email marketing is weak: a prospect for marketing help.

    Bulk senders are not skipped (marketing mail is exactly the input here);
    cold one-to-one sales mail is, through ``marketing_intents``.
    """
    cfg = ctx.cfg("weak_marketing_lead")
    p = ctx.profile
    soph = p.get("marketing_sophistication_avg")
    size = p.get("company_size")
    if (
        p.get("total_messages", 0) < cfg["min_messages"]
        or not p.get("industry")
        or soph is None
        or soph > cfg["max_sophistication"]
        or size in cfg["exclude_sizes"]
        or p.get("sender_intent") in cfg["exclude_intents"]
        or not _is_marketing(ctx, cfg)
    ):
        return []
    score = cfg["base_score"]
    for limit, points in sorted((float(k), v) for k, v in cfg["sophistication_points"].items()):
        if soph <= limit:
            score += points
            break
    score += cfg["size_points"].get(size, 0)
    gaps = [c for c in p.get("sophistication_breakdown") or [] if c["points"] == 0]
    example = ctx.sender.received[-1]
    signals = [
        Signal("low_sophistication", f"{soph}/10", [message_evidence(example)]),
        *[
            Signal(f"missing_{g['component']}", g["detail"], [message_evidence(example)])
            for g in gaps[:4]
        ],
    ]
    return [
        GemCandidate(
            gem_type="weak_marketing_lead",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{p.get('company_name')} ({p.get('industry')}, {size or 'size unknown'}) "
            f"sends weak marketing email: sophistication {soph}/10, missing "
            + (", ".join(g["component"] for g in gaps[:3]) or "little"),
            signals=signals,
            detector_score=min(100, int(score)),
            confidence=float(cfg["confidence"]),
            estimated_value="medium-high" if size == "medium" else "medium",
            urgency="low",
            urgency_reason="no deadline",
            recommended_actions=ctx.actions("weak_marketing_lead"),
            source_message_ids=[m.id for m in ctx.sender.received[-5:]],
            facts={"gaps": [g["component"] for g in gaps], "esp_used": p.get("esp_used")},
        )
    ]


def distribution_channel(ctx: DetectionContext) -> list[GemCandidate]:
    """A newsletter, podcast or event that invites guests, speakers or sponsors."""
    cfg = ctx.cfg("distribution_channel")
    weights = ctx.phrases("content_opportunity")
    pattern = phrases(weights)
    found: dict[str, object] = {}
    for message in ctx.sender.received:
        for phrase, evidence in find_all_in_message(pattern, message).items():
            found.setdefault(phrase, evidence)
    lowered = {k.lower(): v for k, v in weights.items()}
    points = sum(lowered.get(p, 1) for p in found)
    if points < cfg["min_points"]:
        return []
    total = ctx.profile.get("total_messages", 0)
    score = cfg["base_score"]
    score += cfg["many_messages_points"] if total > cfg["many_messages"] else 0
    score += min(cfg["phrase_points_cap"], cfg["per_phrase_points"] * len(found))
    name = ctx.profile.get("company_name") or ctx.sender.sender_domain
    signals = [Signal("content_opportunity", f"'{p}'", [e]) for p, e in list(found.items())[:6]]
    return [
        GemCandidate(
            gem_type="distribution_channel",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{name} is looking for {', '.join(list(found)[:3])}",
            signals=signals,
            detector_score=min(100, int(score)),
            confidence=float(cfg["confidence"]),
            estimated_value="medium" if total > cfg["many_messages"] else "low",
            urgency="low",
            urgency_reason="open call",
            recommended_actions=ctx.actions("distribution_channel"),
            source_message_ids=sorted({e.message_id for e in found.values()}),
            facts={
                "target_audience": ctx.profile.get("target_audience"),
                "opportunities": list(found),
            },
        )
    ]


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _audience_words(text: str, stop: set[str]) -> set[str]:
    words = set(_WORD.findall((text or "").lower()[:4000]))
    return {_singular(w) for w in words} - stop


def co_marketing(ctx: DetectionContext) -> list[GemCandidate]:
    """The sender addresses the same audience as you: a joint webinar, guide or swap."""
    cfg = ctx.cfg("co_marketing")
    if not ctx.your_audience.strip():
        return []
    if ctx.profile.get("company_size") in cfg["exclude_sizes"]:
        return []
    if ctx.profile.get("sender_intent") in cfg["exclude_intents"]:
        return []
    stop = {_singular(str(w).lower()) for w in cfg["stop_words"]}
    mine = _audience_words(ctx.your_audience, stop)
    # Audiences are compared sentence by sentence: words scattered over a
    # whole newsletter ("B2B" here, "founder" there) are not an audience.
    sentences = [ctx.profile.get("target_audience") or ""]
    for message in ctx.sender.received:
        sentences += [message.headline or "", message.subject or ""]
        sentences += _SENTENCE.split((message.text or "")[:MAX_SCAN])
    overlap: list[str] = []
    for sentence in sentences:
        shared = sorted(mine & _audience_words(sentence, stop))
        if len(shared) > len(overlap):
            overlap = shared
    if len(overlap) < cfg["min_overlap"]:
        return []
    pattern = phrases(overlap)
    evidence = []
    for message in ctx.sender.received:
        hits = find_all_in_message(pattern, message)
        if hits:
            evidence.append(next(iter(hits.values())))
        if len(evidence) >= 3:
            break
    score = cfg["base_score"] + min(
        cfg["max_overlap_points"], cfg["per_word_points"] * len(overlap)
    )
    name = ctx.profile.get("company_name") or ctx.sender.sender_domain
    return [
        GemCandidate(
            gem_type="co_marketing",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{name} targets the same audience as you ({', '.join(overlap[:5])})",
            signals=[Signal("audience_overlap", ", ".join(overlap), evidence)],
            detector_score=min(100, int(score)),
            confidence=float(cfg["confidence"]),
            estimated_value="medium",
            urgency="low",
            urgency_reason="no deadline",
            recommended_actions=ctx.actions("co_marketing"),
            source_message_ids=sorted({e.message_id for e in evidence}),
            facts={
                "shared_audience": overlap,
                "target_audience": ctx.profile.get("target_audience"),
            },
        )
    ]


def industry_intel(ctx: DetectionContext) -> list[GemCandidate]:
    """A person who keeps writing about their industry: a source of market insight."""
    cfg = ctx.cfg("industry_intel")
    p = ctx.profile
    if (
        p.get("total_messages", 0) < cfg["min_messages"]
        or not p.get("industry")
        or ctx.is_bulk_sender
        or p.get("sender_intent") in cfg["exclude_intents"]
    ):
        return []
    recent = ctx.sender.received[-3:]
    return [
        GemCandidate(
            gem_type="industry_intel",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{p.get('company_name')} writes to you regularly about {p.get('industry')} "
            f"({p.get('total_messages')} one-to-one messages)",
            signals=[
                Signal(
                    "regular_updates",
                    f"{p.get('total_messages')} messages",
                    [message_evidence(m) for m in recent],
                )
            ],
            detector_score=int(cfg["score"]),
            confidence=float(cfg["confidence"]),
            estimated_value="low",
            urgency="low",
            urgency_reason="no deadline",
            recommended_actions=ctx.actions("industry_intel"),
            source_message_ids=[m.id for m in recent],
            facts={"industry": p.get("industry"), "topics": [m.subject for m in recent]},
        )
    ]


GEM_DETECTORS.register("weak_marketing_lead", weak_marketing_lead, order=30)
GEM_DETECTORS.register("distribution_channel", distribution_channel, order=70)
GEM_DETECTORS.register("co_marketing", co_marketing, order=80)
GEM_DETECTORS.register("industry_intel", industry_intel, order=90)
