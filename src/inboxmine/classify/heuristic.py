"""The built-in offline classifier: sender signals -> a classification.

Deterministic and explainable: the signals become features between 0 and 1,
and every dimension value is scored as a weighted sum of features, with the
weights in ``rules/classify_heuristic.yaml``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from inboxmine.rules.loader import load_rules

RULES_FILE = "classify_heuristic.yaml"
#: Text the keyword matcher looks at per message (bounded work per sender).
MAX_TEXT_CHARS = 4000


def load_heuristic_rules(rules_dir: str | Path | None = None) -> dict[str, Any]:
    """The classifier rules (packaged + the user's file)."""
    return load_rules(RULES_FILE, rules_dir)


@lru_cache(maxsize=4096)  # every industry keyword has its own pattern
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern | None:
    # An alternation of escaped literals with boundaries: linear, no backtracking blow-up.
    words = [k.lower() for k in keywords if k]
    if not words:
        return None
    parts = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")


def _message_text(message: dict[str, Any]) -> str:
    parts = [
        message.get("subject") or "",
        message.get("headline") or "",
        message.get("body_excerpt") or "",
    ]
    return " \n ".join(parts).lower()[:MAX_TEXT_CHARS]


def _sender_text(signals: dict[str, Any]) -> str:
    domain = str(signals.get("sender_domain") or "")
    # "mapleleafrealty.ca" -> "mapleleafrealty ca"; names split on punctuation.
    pieces = [re.sub(r"[._@\-]", " ", domain)]
    pieces += [str(n) for n in signals.get("display_names") or []]
    pieces += [str(c) for c in signals.get("cta_texts") or []]
    return " \n ".join(pieces).lower()[:MAX_TEXT_CHARS]


def esp_category(esp: str | None, rules: dict[str, Any]) -> str | None:
    """The category (mailbox, newsletter_platform, ...) of an ESP key."""
    if not esp:
        return None
    for category, members in (rules.get("esp_categories") or {}).items():
        if esp in (members or []):
            return category
    return None


def features(signals: dict[str, Any], rules: dict[str, Any]) -> dict[str, float]:
    """The sender's features, each between 0 and 1 (absent = 0)."""
    messages = signals.get("messages") or []
    n = max(1, len(messages))
    out: dict[str, float] = {}
    esp = signals.get("esp")
    category = esp_category(esp, rules)
    if esp:
        out[f"esp:{esp}"] = 1.0
    if category:
        out[f"esp_category:{category}"] = 1.0
    bulk = float(signals.get("bulk_share") or 0)
    out["bulk"] = bulk
    # Personal mail: not bulk, and sent from a mailbox (or no ESP fingerprint at all).
    mailbox = category == "mailbox" or esp is None
    out["personal"] = (1.0 - bulk) if mailbox else 0.0
    out["freemail"] = 1.0 if signals.get("is_freemail") else 0.0
    replied = float(signals.get("user_replied_share") or 0)
    out["user_replied"] = replied
    out["not_replied"] = 1.0 - replied
    out["is_reply"] = float(signals.get("reply_share") or 0)
    out["personalization"] = float(signals.get("personalization_share") or 0)
    out["utm"] = float(signals.get("utm_share") or 0)
    out["tracking"] = float(signals.get("tracking_pixel_share") or 0)
    out["subdomain"] = float(signals.get("sends_from_subdomain") or 0)
    out["physical_address"] = float(signals.get("physical_address_share") or 0)
    offers = signals.get("offer_types") or {}
    for key, count in offers.items():
        out[f"offer:{key}"] = min(1.0, count / n)
    with_offers = sum(1 for m in messages if m.get("offer_types"))
    out["no_offers"] = 1.0 - with_offers / n
    for key, count in (signals.get("link_intents") or {}).items():
        out[f"link:{key}"] = min(1.0, count / n)
    # Intent keywords look at the messages only: a company name ("... Partners")
    # says nothing about what a message is for.
    texts = [_message_text(m) for m in messages]
    for group, words in (rules.get("keywords") or {}).items():
        pattern = _keyword_pattern(tuple(words or ()))
        if pattern is None:
            continue
        hits = sum(1 for t in texts if pattern.search(t))
        if hits:
            out[f"kw:{group}"] = min(1.0, hits / n)
    # Entity features are shares of messages too, so one stray match weighs little.
    for name, count in (signals.get("entity_messages") or {}).items():
        if count:
            out[f"entity:{name}"] = min(1.0, count / n)
    entities = signals.get("entities") or {}
    if any(d.get("kind") in ("renewal", "expiration") for d in entities.get("dates") or []):
        out["entity:renewal"] = max(out.get("entity:renewal", 0.0), 1.0 / n)
    if any(p.get("relationship") == "decision_maker" for p in entities.get("people") or []):
        out["entity:decision_maker"] = 1.0
    domain = str(signals.get("sender_domain") or "")
    if "." in domain and "@" not in domain:
        out[f"tld:{domain.rsplit('.', 1)[1]}"] = 1.0
    return out


def score(weights: dict[str, float], feats: dict[str, float]) -> float:
    """Weighted sum of features (``base`` is a constant term)."""
    total = 0.0
    for name, weight in (weights or {}).items():
        total += float(weight) * (1.0 if name == "base" else feats.get(name, 0.0))
    return total


def best(scores: dict[str, float]) -> tuple[str, float, float]:
    """(winner, its score, margin over the runner-up); the first listed wins ties."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])  # stable: YAML order on ties
    top, top_score = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    return top, top_score, top_score - runner


def industry_scores(
    signals: dict[str, Any], feats: dict[str, float], rules: dict[str, Any]
) -> dict[str, float]:
    """Each industry's score from keyword hits (capped per keyword) and features."""
    text = " \n ".join(
        [_sender_text(signals)] + [_message_text(m) for m in signals.get("messages") or []]
    )
    cap = int(rules.get("industry_keyword_cap", 3))
    scores: dict[str, float] = {}
    for industry, spec in (rules.get("industries") or {}).items():
        spec = spec or {}
        total = 0.0
        for word in spec.get("keywords") or []:
            pattern = _keyword_pattern((word,))
            if pattern is not None:
                total += min(cap, len(pattern.findall(text)))
        total += score(spec.get("features") or {}, feats)
        scores[industry] = total
    return scores


def classify_sender(
    signals: dict[str, Any], rules: dict[str, Any], corrections: list[dict] | None = None
) -> dict[str, Any]:
    """A full classification (the ``Classification`` fields) for one sender's signals.

    ``corrections`` (the user's overrides, newest first) that name this sender
    are applied, so a retrained heuristic agrees with the user.
    """
    feats = features(signals, rules)
    intent, intent_score, margin = best(
        {name: score(weights, feats) for name, weights in (rules.get("intents") or {}).items()}
    )
    ind_scores = industry_scores(signals, feats, rules)
    industry, industry_score, _ = best(ind_scores)
    if industry_score < float(rules.get("industry_min_score", 2)):
        industry = "Other"
    size, _, _ = best(
        {name: score(weights, feats) for name, weights in (rules.get("sizes") or {}).items()}
    )
    result = {
        "industry": industry,
        "company_size_estimate": size,
        "marketing_sophistication": sophistication(signals, feats, rules),
        "sender_intent": intent,
        "product_type": product_type(feats, intent, industry, rules),
        "product_description": describe(signals, intent, industry, size, rules),
        "pain_points": pain_points(signals, rules),
        "target_audience": (rules.get("target_audiences") or {}).get(industry, ""),
        "partner_program_detected": feats.get("link:partner_program", 0) > 0
        or feats.get("kw:partner", 0) >= 0.5,
        "renewal_signal_detected": feats.get("entity:renewal", 0) > 0,
        "confidence": confidence(intent_score, margin),
    }
    for correction in corrections or []:
        if correction.get("sender_domain") == signals.get("sender_domain"):
            field = correction.get("field_name")
            if field in result and field not in _applied(corrections, correction):
                result[field] = correction.get("corrected_value")
    return result


def _applied(corrections: list[dict], current: dict) -> set[str]:
    # Newest first: a field already corrected by a newer entry keeps that value.
    seen: set[str] = set()
    for c in corrections:
        if c is current:
            break
        if c.get("sender_domain") == current.get("sender_domain"):
            seen.add(c.get("field_name"))
    return seen


def confidence(top_score: float, margin: float) -> float:
    """0.3-0.95: higher when the winning intent scored well and clearly."""
    if top_score <= 0:
        return 0.3
    clarity = min(1.0, margin / max(top_score, 1e-9))
    strength = min(1.0, top_score / 4.0)
    return round(0.3 + 0.65 * (0.5 * clarity + 0.5 * strength), 2)


def sophistication(signals: dict[str, Any], feats: dict[str, float], rules: dict[str, Any]) -> int:
    """Marketing sophistication 1-10 from the sender's tooling and craft."""
    spec = rules.get("sophistication") or {}
    value = float(spec.get("base", 2)) + score(spec.get("features") or {}, feats)
    complexity = signals.get("template_complexity_avg")
    if isinstance(complexity, int | float):
        value += float(spec.get("complexity_points", 2)) * max(0.0, min(1.0, complexity / 100))
    return int(max(1, min(10, round(value))))


def product_type(
    feats: dict[str, float], intent: str, industry: str, rules: dict[str, Any]
) -> str | None:
    """The first product-type rule whose condition holds, else None."""
    for rule in rules.get("product_types") or []:
        when = str(rule.get("when", ""))
        kind, _, value = when.partition(":")
        if (
            (kind == "intent" and value == intent)
            or (kind == "industry" and value == industry)
            or (kind not in ("intent", "industry") and feats.get(when, 0) > 0.2)
        ):
            return rule.get("value")
    return None


def pain_points(signals: dict[str, Any], rules: dict[str, Any], limit: int = 5) -> list[str]:
    """Pain points the sender's copy addresses, most mentioned first."""
    text = " \n ".join(_message_text(m) for m in signals.get("messages") or [])
    counts: Counter[str] = Counter()
    for keyword, pain in (rules.get("pain_points") or {}).items():
        pattern = _keyword_pattern((str(keyword),))
        if pattern is not None:
            hits = len(pattern.findall(text))
            if hits:
                counts[str(pain)] += hits
    return [pain for pain, _ in counts.most_common(limit)]


def describe(
    signals: dict[str, Any], intent: str, industry: str, size: str, rules: dict[str, Any]
) -> str:
    """One sentence: who the sender is and what it sends, from the signals."""
    names = signals.get("display_names") or []
    who = names[0] if names else signals.get("sender_domain") or "This sender"
    phrase = (rules.get("intent_phrases") or {}).get(intent, intent.replace("_", " "))
    industry_text = "" if industry == "Other" else f"{industry} "
    sentence = f"{who} ({size} {industry_text}sender) {phrase}"
    offers = list((signals.get("offer_types") or {}).keys())[:3]
    if offers:
        sentence += " featuring " + ", ".join(o.replace("_", " ") for o in offers)
    return (sentence + ".")[:300]
