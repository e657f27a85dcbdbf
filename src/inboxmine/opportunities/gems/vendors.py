"""Vendor gems: partner programs, renewals to negotiate, upsell pressure."""

from __future__ import annotations

from inboxmine.opportunities.evidence import (
    Evidence,
    Signal,
    find_all_in_message,
    find_in_message,
    message_evidence,
    phrases,
)
from inboxmine.opportunities.gems.base import GEM_DETECTORS, DetectionContext, GemCandidate
from inboxmine.opportunities.profiles import partner_evidence


def partner_program(ctx: DetectionContext) -> list[GemCandidate]:
    """The sender runs a partner, affiliate or referral program."""
    cfg = ctx.cfg("partner_program")
    urls, message_ids = partner_evidence(ctx.sender, ctx.rules.get("link_hosts", frozenset()))
    by_id = {m.id: m for m in ctx.sender.received}
    signals = []
    if urls:
        first = by_id[message_ids[0]]
        signals.append(Signal("partner_program_url", urls[0], [message_evidence(first)]))
    for message in ctx.sender.received:
        if "partnership" in (message.offer_types or []):
            quote = (message.offer_evidence or {}).get("partnership")
            signals.append(
                Signal("partnership_offer", "partnership offer", [message_evidence(message, quote)])
            )
            break
    # The AI's flag alone is too weak (a firm called "... Partners" is not a
    # program): it only corroborates a link or an offer.
    if len(signals) < cfg["min_evidence"]:
        return []
    for message in ctx.sender.received:
        if (message.classification or {}).get("partner_program_detected"):
            signals.append(
                Signal(
                    "ai_partner_program",
                    "classified as a partner program",
                    [message_evidence(message)],
                )
            )
            break
    commission = None
    pattern = phrases(ctx.phrases("commission"))
    for message in ctx.sender.received:
        commission = find_in_message(pattern, message)
        if commission:
            signals.append(Signal("commission", commission[0], [commission[1]]))
            break
    score = cfg["base_score"] + (cfg["url_points"] if urls else 0)
    score += cfg["commission_points"] if commission else 0
    name = ctx.profile.get("company_name") or ctx.sender.sender_domain
    return [
        GemCandidate(
            gem_type="partner_program",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{name} runs a partner program" + (f" ({urls[0]})" if urls else ""),
            signals=signals,
            detector_score=min(100, int(score)),
            confidence=float(cfg["confidence"]),
            estimated_value="medium",
            urgency="low",
            urgency_reason="no deadline",
            recommended_actions=ctx.actions("partner_program"),
            source_message_ids=message_ids[:20] or [s.evidence[0].message_id for s in signals],
            facts={"partner_urls": urls},
        )
    ]


def renewal_leverage(ctx: DetectionContext) -> list[GemCandidate]:
    """A subscription renews soon: time to negotiate. Past dates never count."""
    cfg = ctx.cfg("renewal_leverage")
    upcoming = [
        r
        for r in ctx.profile.get("renewal_dates") or []
        if r.get("is_upcoming") and 0 <= r.get("days_until", -1) <= cfg["max_days_ahead"]
    ]
    if not upcoming:
        return []
    nearest = upcoming[0]
    days = nearest["days_until"]
    limits = cfg["urgency_days"]
    urgency = "high" if days <= limits["high"] else "medium" if days <= limits["medium"] else "low"
    money = ctx.profile.get("monetary_signals") or []
    signals = [
        Signal(
            "renewal_date",
            f"{nearest['kind']} on {nearest['date']} (in {days} days)",
            [Evidence(nearest["message_id"], nearest.get("quote") or "", "body")],
        )
    ]
    if money:
        signals.append(
            Signal(
                "amount",
                money[0]["value"],
                [
                    Evidence(
                        money[0]["message_id"], money[0]["context"] or money[0]["value"], "body"
                    )
                ],
            )
        )
    score = cfg["base_score"] + cfg["date_points"]
    score += cfg["amount_points"] if money else 0
    name = ctx.profile.get("company_name") or ctx.sender.sender_domain
    return [
        GemCandidate(
            gem_type="renewal_leverage",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{name} renews on {nearest['date']} (in {days} days)"
            + (f" at {money[0]['value']}" if money else ""),
            signals=signals,
            detector_score=min(100, int(score)),
            confidence=float(cfg["confidence"]),
            estimated_value="high" if money else "medium",
            urgency=urgency,
            urgency_reason=f"renewal in {days} days",
            recommended_actions=ctx.actions("renewal_leverage"),
            source_message_ids=[nearest["message_id"]],
            facts={
                "renewal_dates": [r["date"] for r in upcoming],
                "days_until_renewal": days,
                "monetary_signals": [m["value"] for m in money[:5]],
            },
        )
    ]


def vendor_upsell(ctx: DetectionContext) -> list[GemCandidate]:
    """A vendor keeps pushing an upgrade, more seats or an add-on: leverage to negotiate."""
    cfg = ctx.cfg("vendor_upsell")
    pattern = phrases(ctx.phrases("upsell"))
    hits = []
    for message in ctx.sender.received:
        found = find_all_in_message(pattern, message)
        if found:
            phrase, evidence = next(iter(found.items()))
            hits.append((message, phrase, evidence))
    if len(hits) < cfg["min_messages"]:
        return []
    signals = [Signal("upsell", f"'{phrase}'", [evidence]) for _, phrase, evidence in hits[:6]]
    score = cfg["base_score"] + cfg["per_message_points"] * len(hits)
    name = ctx.profile.get("company_name") or ctx.sender.sender_domain
    latest = hits[-1][0]
    return [
        GemCandidate(
            gem_type="vendor_upsell",
            sender_domain=ctx.sender.sender_domain,
            summary=f"{name} is pushing an upgrade ({len(hits)} messages, latest: '{latest.subject}')",
            signals=signals,
            detector_score=min(100, int(score)),
            confidence=float(cfg["confidence"]),
            estimated_value="medium",
            urgency="medium" if (ctx.now - latest.sent_at).days <= 30 else "low",
            urgency_reason=f"latest upsell {(ctx.now - latest.sent_at).days} days ago",
            recommended_actions=ctx.actions("vendor_upsell"),
            source_message_ids=[m.id for m, _, _ in hits],
            facts={"upsell_subjects": [m.subject for m, _, _ in hits[:5]]},
        )
    ]


GEM_DETECTORS.register("partner_program", partner_program, order=40)
GEM_DETECTORS.register("renewal_leverage", renewal_leverage, order=50)
GEM_DETECTORS.register("vendor_upsell", vendor_upsell, order=60)
