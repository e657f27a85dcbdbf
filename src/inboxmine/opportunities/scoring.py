"""The opportunity score (0-100) of a gem, with its full breakdown.

score = min(inbound + base + gem, relationship cap, 100) - trust penalty, each
tier capped at its own maximum; the trust tier (only for a sender whose verdict
has a penalty in ``trust_penalties``, e.g. suspicious) takes its points away
after the cap, so a flagged gem always scores below the same gem unflagged. The breakdown (tiers, components, values, maxima, the cap
applied, the weights used) is stored with every gem, so the CLI and the UI
explain each number with the user's own weights - never recompute with
defaults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _component(name: str, value: float, maximum: float, detail: str) -> dict[str, Any]:
    return {"name": name, "value": round(value, 2), "max": maximum, "detail": detail}


def _tier(name: str, maximum: float, components: list[dict[str, Any]]) -> dict[str, Any]:
    raw = sum(c["value"] for c in components)
    return {
        "name": name,
        "max": maximum,
        "value": round(min(raw, maximum), 2),
        "raw": round(raw, 2),
        "components": components,
    }


def inbound_tier(profile: dict[str, Any], rules: dict) -> dict[str, Any]:
    w = rules["weights"]
    components = []
    ratio = profile.get("thread_initiation_ratio")
    if ratio is None:
        components.append(
            _component("inbound_initiation", 0, w["inbound_initiation"], "no threads")
        )
    else:
        components.append(
            _component(
                "inbound_initiation",
                (1 - ratio) * w["inbound_initiation"],
                w["inbound_initiation"],
                f"they started {1 - ratio:.0%} of threads",
            )
        )
    rate = profile.get("user_reply_rate")
    if rate is None:
        components.append(
            _component("inbound_engagement", 0, w["inbound_engagement"], "no threads")
        )
    else:
        components.append(
            _component(
                "inbound_engagement",
                rate * w["inbound_engagement"],
                w["inbound_engagement"],
                f"you replied in {rate:.0%} of threads",
            )
        )
    return _tier("inbound", rules["tier_max"]["inbound"], components)


def base_tier(
    profile: dict[str, Any], relationship: str, now: datetime, rules: dict
) -> dict[str, Any]:
    w = rules["weights"]
    size = profile.get("company_size")
    size_factor = rules["size_factors"].get(size, rules["size_factor_default"])
    industry = profile.get("industry")
    targets = {t.lower() for t in rules["target_industries"]}
    relevant = bool(industry) and industry.lower() in targets
    last = profile.get("last_contact")
    days = (now - last).days if last else None
    recency = rules["recency_days"]
    if days is not None and days <= recency["full"]:
        recency_factor = 1.0
    elif days is not None and days <= recency["half"]:
        recency_factor = 0.5
    else:
        recency_factor = 0.0
    contacts = profile.get("known_contacts") or []
    with_role = [c for c in contacts if c.get("role")]
    contact_factor = (
        1.0 if with_role else (rules["contacts_without_role_factor"] if contacts else 0.0)
    )
    money = profile.get("monetary_signals") or []
    money_ok = relationship in rules["monetary_relationships"] and bool(money)
    components = [
        _component(
            "reachability",
            size_factor * w["reachability"],
            w["reachability"],
            f"size {size or 'unknown'}",
        ),
        _component(
            "relevance",
            (1.0 if relevant else rules["relevance_miss_factor"]) * w["relevance"],
            w["relevance"],
            f"{industry or 'industry unknown'}{' (target)' if relevant else ''}",
        ),
        _component(
            "recency",
            recency_factor * w["recency"],
            w["recency"],
            f"last contact {days} days ago" if days is not None else "no contact",
        ),
        _component(
            "known_contacts",
            contact_factor * w["known_contacts"],
            w["known_contacts"],
            f"{len(with_role)} with a role, {len(contacts)} in all",
        ),
        _component(
            "monetary_signals",
            w["monetary_signals"] if money_ok else 0.0,
            w["monetary_signals"],
            f"{len(money)} amount(s)"
            + ("" if money_ok or not money else f", not counted for {relationship}"),
        ),
    ]
    return _tier("base", rules["tier_max"]["base"], components)


def gem_tier(
    gem_type: str, detector_score: int, sender_gem_types: set[str], rules: dict
) -> dict[str, Any]:
    w = rules["weights"]
    strength = w["gem_type_strength"]
    diversity = min(len(sender_gem_types) * w["gem_diversity_per_type"], w["gem_diversity_cap"])
    # Which gem types earn a bonus, and from which weight: rules/scoring.yaml.
    bonuses = rules["gem_type_bonus"]
    bonus_key = bonuses.get(gem_type)
    bonus_max = max((w[k] for k in bonuses.values()), default=0)
    components = [
        _component(
            "gem_strength",
            detector_score / 100 * strength,
            strength,
            f"detector score {detector_score}",
        ),
        _component(
            "gem_diversity",
            diversity,
            w["gem_diversity_cap"],
            f"{len(sender_gem_types)} gem type(s) for this sender",
        ),
        _component("gem_type_bonus", w[bonus_key] if bonus_key else 0.0, bonus_max, gem_type),
    ]
    return _tier("gem", rules["tier_max"]["gem"], components)


def trust_tier(verdict: str | None, rules: dict) -> dict[str, Any] | None:
    """The points a sender's trust verdict takes away, or None when it takes none."""
    penalty = float(rules["trust_penalties"].get(verdict or "", 0))
    if penalty <= 0:
        return None
    component = _component(
        "trust_penalty", -penalty, 0, f"sender verdict {verdict}: {penalty:g} points off"
    )
    return {
        "name": "trust",
        "max": 0,
        "value": round(-penalty, 2),
        "raw": round(-penalty, 2),
        "components": [component],
        "verdict": verdict,
    }


def score_gem(
    profile: dict[str, Any],
    relationship: str,
    gem_type: str,
    detector_score: int,
    sender_gem_types: set[str],
    now: datetime,
    rules: dict,
    trust_verdict: str | None = None,
) -> dict[str, Any]:
    """The score breakdown of one gem: ``{total, raw_total, tiers, cap, weights}``.

    ``trust_verdict`` is the sender's (``sender_trust``); a verdict with a
    penalty adds a ``trust`` tier of negative points."""
    tiers = [
        inbound_tier(profile, rules),
        base_tier(profile, relationship, now, rules),
        gem_tier(gem_type, detector_score, sender_gem_types, rules),
    ]
    raw = sum(t["value"] for t in tiers)
    caps = rules["relationship_caps"]
    cap = int(caps.get(relationship, caps["unknown"]))
    total = int(round(min(raw, cap, 100)))
    breakdown: dict[str, Any] = {
        "total": total,
        "raw_total": round(raw, 2),
        "tiers": tiers,
        "cap": {
            "relationship": relationship,
            "value": cap,
            "applied": raw > cap,
            "cut": round(max(0.0, raw - cap), 2),
        },
        "weights": dict(rules["weights"]),
    }
    trust = trust_tier(trust_verdict, rules)
    if trust is not None:
        # After the cap: shown as a tier, kept out of raw_total.
        tiers.append(trust)
        breakdown["trust"] = {"verdict": trust_verdict, "penalty": -trust["value"]}
        breakdown["total"] = max(0, int(round(total + trust["value"])))
    return breakdown
