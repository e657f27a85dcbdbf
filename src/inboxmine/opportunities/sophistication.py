"""Marketing sophistication: a deterministic 1-10 score from what the mail shows,
blended with the AI's estimate, and its trend over time."""

from __future__ import annotations

from collections import Counter
from statistics import mean
from typing import Any

from inboxmine.opportunities.facts import MessageFacts


def campaign_names(messages: list[MessageFacts]) -> list[str]:
    """Distinct UTM campaign names (stage 2 stores strings or {utm_campaign: ...} dicts)."""
    names: list[str] = []
    for message in messages:
        for item in message.utm_campaigns or []:
            name = item.get("utm_campaign") if isinstance(item, dict) else item
            if name and str(name) not in names:
                names.append(str(name)[:200])
    return names


def most_common(values) -> Any:
    counted = Counter(v for v in values if v not in (None, ""))
    return counted.most_common(1)[0][0] if counted else None


def esp_points(esp: str | None, rules: dict) -> tuple[int, str]:
    """Points for the ESP tier; ESP keys are compared lower-case, as stage 1 stores them."""
    key = (esp or "").strip().lower()
    tiers = rules["esp_tiers"]
    for tier, spec in tiers.items():
        if not isinstance(spec, dict):  # default_points
            continue
        if key and key in {str(e).lower() for e in spec["esps"]}:
            return int(spec["points"]), tier
    return int(tiers["default_points"]), "other"


def deterministic_score(messages: list[MessageFacts], rules: dict) -> tuple[float, list[dict]]:
    """The 1-10 score and its breakdown ``[{component, points, max, detail}]``."""
    received = [m for m in messages if not m.is_sent]
    points = rules["points"]
    esp = most_common(m.esp for m in received)
    tier_points, tier = esp_points(esp, rules)
    tiers = rules["esp_tiers"]
    tier_max = max([int(s["points"]) for s in tiers.values() if isinstance(s, dict)] or [1])
    campaigns = campaign_names(received)
    complexity = max((m.template_complexity or 0) for m in received) if received else 0
    checks = [
        ("esp_tier", tier_points, tier_max, f"{esp or 'unknown'} ({tier})"),
        (
            "personalization",
            points["personalization"] if any(m.has_personalization for m in received) else 0,
            points["personalization"],
            "personalised messages" if any(m.has_personalization for m in received) else "none",
        ),
        (
            "utm_tracking",
            points["utm_tracking"] if campaigns or any(m.utm_campaigns for m in received) else 0,
            points["utm_tracking"],
            f"{len(campaigns)} campaign(s)",
        ),
        (
            "template_complexity",
            points["template_complexity"] if complexity >= rules["template_complexity_min"] else 0,
            points["template_complexity"],
            f"max {complexity:.0f}",
        ),
        (
            "segmentation",
            points["segmentation"] if len(campaigns) >= rules["segmentation_min_campaigns"] else 0,
            points["segmentation"],
            f"{len(campaigns)} distinct campaigns",
        ),
        (
            "authentication",
            points["authentication"] if any(_authenticated(m) for m in received) else 0,
            points["authentication"],
            "SPF+DMARC pass, DKIM" if any(_authenticated(m) for m in received) else "incomplete",
        ),
        (
            "list_unsubscribe",
            points["list_unsubscribe"] if any(m.unsubscribe_url for m in received) else 0,
            points["list_unsubscribe"],
            "List-Unsubscribe" if any(m.unsubscribe_url for m in received) else "none",
        ),
    ]
    breakdown = [
        {"component": name, "points": value, "max": top, "detail": detail}
        for name, value, top, detail in checks
    ]
    total = sum(c["points"] for c in breakdown)
    return float(max(1, min(rules["max"], total))), breakdown


def _authenticated(message: MessageFacts) -> bool:
    return (
        (message.spf_result or "").lower() == "pass"
        and (message.dmarc_result or "").lower() == "pass"
        and bool(message.dkim_domain)
    )


def ai_scores(messages: list[MessageFacts]) -> list[float]:
    """The AI's per-message scores in time order (messages are time-ordered)."""
    scores = []
    for message in messages:
        value = (message.classification or {}).get("marketing_sophistication")
        if isinstance(value, int | float) and value > 0:
            scores.append(float(value))
    return scores


def blend(deterministic: float, ai: float | None, rules: dict) -> float:
    """``0.6 x deterministic + 0.4 x AI`` (weights from rules); the deterministic alone without AI."""
    if not ai or ai <= 0:
        return round(deterministic, 1)
    weights = rules["blend"]
    d, a = float(weights["deterministic"]), float(weights["ai"])
    return round(min(10.0, (d * deterministic + a * ai) / (d + a)), 1)


def trend(scores: list[float], rules: dict) -> str | None:
    """improving / stable / declining from the first half of the scores to the second."""
    if len(scores) < rules["trend_min_scores"]:
        return None
    half = len(scores) // 2
    first, second = mean(scores[:half]), mean(scores[half:])
    if second - first > rules["trend_min_difference"]:
        return "improving"
    if first - second > rules["trend_min_difference"]:
        return "declining"
    return "stable"
