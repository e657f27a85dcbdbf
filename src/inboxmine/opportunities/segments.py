"""Economic segments and their sub-segments, from a profile and its facts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

SEGMENT_KEYS = (
    "spend_map",
    "partner_map",
    "prospect_map",
    "distribution_map",
    "procurement_map",
)


def economic_segments(
    profile: dict[str, Any], procurement_categories: list[str], rules: dict
) -> list[str]:
    """The economic segments a profile belongs to (profile-level, before threads)."""
    intent = profile.get("sender_intent")
    offers = set((profile.get("offer_type_distribution") or {}).keys())
    found = []
    for name in SEGMENT_KEYS:
        spec = rules["economic"][name]  # its conditions are optional (rules/models)
        hit = intent in (spec.get("intents") or []) or bool(offers & set(spec.get("offers") or []))
        if spec.get("renewal_dates") and any(
            r.get("is_upcoming") for r in profile.get("renewal_dates") or []
        ):
            hit = True
        if spec.get("partner_program") and profile.get("has_partner_program"):
            hit = True
        if spec.get("procurement_entities") and procurement_categories:
            hit = True
        if hit:
            found.append(name)
    return found


def _words_in(values: list[str], words: list[str]) -> bool:
    text = " ".join(v.lower() for v in values)
    return any(w.lower() in text.split() or w.lower() == text or w.lower() in values for w in words)


def sub_segments(
    segment: str,
    profile: dict[str, Any],
    procurement_categories: list[str],
    now: datetime,
    rules: dict,
) -> list[tuple[str, float, str]]:
    """``(sub_segment, confidence, reason)`` for one economic segment."""
    spec = rules["sub_segments"].get(segment) or {}  # partner_map has no settings
    if segment == "spend_map":
        last = profile.get("last_contact")
        if last and (now - last).days > spec["churned_after_days"]:
            return [("churned_vendor", 0.8, f"no mail for {(now - last).days} days")]
        if profile.get("next_renewal_date"):
            return [("upcoming_renewal", 0.9, f"renews {profile['next_renewal_date']}")]
        return [("active_subscription", 0.7, "transactional mail")]
    if segment == "partner_map":
        if profile.get("partner_program_urls"):
            return [("referral_program", 0.8, profile["partner_program_urls"][0])]
        return [("general", 0.5, "partnership offers")]
    if segment == "prospect_map":
        soph = profile.get("marketing_sophistication_avg") or 10
        if soph <= spec["hot_lead_max_sophistication"]:
            return [("hot_lead", 0.8, f"sophistication {soph}")]
        if soph <= spec["warm_prospect_max_sophistication"]:
            return [("warm_prospect", 0.6, f"sophistication {soph}")]
        return [("intelligence_value", 0.4, f"sophistication {soph}")]
    if segment == "distribution_map":
        offers = list((profile.get("offer_type_distribution") or {}).keys())
        values = offers + [profile.get("sender_intent") or ""]
        found = []
        for name, conf in (("newsletter", 0.8), ("event_organizer", 0.7), ("community", 0.6)):
            if set(values) & set(spec.get(name) or []):
                found.append((name, conf, ", ".join(sorted(set(values) & set(spec[name])))))
        return found or [("newsletter", 0.7, "default")]
    if segment == "procurement_map":
        cats = [c.lower() for c in procurement_categories]
        found = []
        for name, conf in (("formal_rfp", 0.9), ("security_compliance", 0.8), ("evaluation", 0.7)):
            if _words_in(cats, spec.get(name) or []):
                found.append((name, conf, ", ".join(sorted(set(cats)))[:200]))
        return found or [("evaluation", 0.6, "default")]
    return [("general", 0.5, "")]
