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
        message.get("preheader") or "",
        message.get("body_excerpt") or "",
    ]
    return " \n ".join(parts).lower()[:MAX_TEXT_CHARS]


def _identity_text(signals: dict[str, Any]) -> str:
    """Who the sender says it is: display names, footer company lines, organisations named."""
    pieces = [str(n) for n in signals.get("display_names") or []]
    pieces += [str(n) for n in signals.get("company_names") or []]
    pieces += [str(o) for o in (signals.get("entities") or {}).get("organizations") or []]
    return " \n ".join(pieces).lower()[:MAX_TEXT_CHARS]


def _domain_labels(signals: dict[str, Any]) -> list[str]:
    """The sender domain's name without its suffix ("mapleleafrealty.ca" -> ["mapleleafrealty"]).

    Free-mail identities are a person's address: their domain names no company.
    """
    domain = str(signals.get("sender_domain") or "").lower()[:320]
    if "@" in domain or "." not in domain:
        return []
    labels = domain.split(".")[:-1]
    # "co.uk", "com.au": the second-level public suffix is not a name either.
    if len(labels) > 1 and labels[-1] in ("co", "com", "org", "net", "ac", "gov"):
        labels = labels[:-1]
    return [label for label in labels if label]


def esp_category(esp: str | None, rules: dict[str, Any]) -> str | None:
    """The category (mailbox, newsletter_platform, ...) of an ESP key."""
    if not esp:
        return None
    for category, members in rules["esp_categories"].items():
        if esp in members:
            return category
    return None


def esp_tier(esp: str | None, rules: dict[str, Any]) -> str | None:
    """The market tier (enterprise, mid_market, smb) an ESP is sold to, if known."""
    if not esp:
        return None
    for tier, members in rules["esp_tiers"].items():
        if esp in members:
            return tier
    return None


def _first_group(text: str, groups: dict[str, list[str]] | None) -> str | None:
    """The first group (in YAML order) with a keyword in ``text``."""
    for name, words in (groups or {}).items():
        pattern = _keyword_pattern(tuple(words or ()))
        if pattern is not None and pattern.search(text):
            return name
    return None


#: "join 12,000+ teams", "trusted by 3 million users": a claimed audience size.
_AUDIENCE = re.compile(
    r"(\d{1,3}(?:,\d{3}){1,3}|\d{1,9})(?:\.\d)?[ ]?(k|m|million|thousand)?\+?[ ]"
    r"(?:teams|customers|companies|businesses|users|readers|subscribers|members|brands)"
)
_MULTIPLIERS = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}


def claimed_audience(text: str) -> int:
    """The largest audience the text claims ("join 12,000+ teams" -> 12000), 0 if none."""
    best_count = 0
    for number, unit in _AUDIENCE.findall(text[:MAX_TEXT_CHARS]):
        value = int(number.replace(",", "")) * _MULTIPLIERS.get(unit, 1)
        best_count = max(best_count, value)
    return best_count


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
    for group, words in rules["keywords"].items():
        pattern = _keyword_pattern(tuple(words))
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
    out.update(size_features(signals, rules, texts))
    return out


def size_features(
    signals: dict[str, Any], rules: dict[str, Any], texts: list[str]
) -> dict[str, float]:
    """What hints at the size of the organisation behind the sender (see ``sizes``)."""
    spec = rules["size_signals"]
    out: dict[str, float] = {}
    esp = signals.get("esp")
    tier = esp_tier(esp, rules)
    if tier:
        out[f"esp_tier:{tier}"] = 1.0
    labels = _domain_labels(signals)
    subdomain = float(signals.get("sends_from_subdomain") or 0)
    # Sending as "name.substack.com": a creator on a shared platform, not a company domain.
    if esp and labels and str(esp).replace("_", "") == labels[-1]:
        out["platform_hosted"] = 1.0
    elif subdomain:
        # A subdomain of its own set aside for mail (news.x.com): reputation management.
        out["brand_subdomain"] = subdomain
    complexity = signals.get("template_complexity_avg")
    if (
        esp in spec["own_infrastructure_esps"]
        and isinstance(complexity, int | float)
        and complexity >= float(spec["own_infrastructure_min_complexity"])
    ):
        # Designed, templated mail from its own servers: an engineering team runs it.
        out["own_infrastructure"] = 1.0
    per_month = signals.get("messages_per_month")
    if isinstance(per_month, int | float) and per_month > 0:
        out["volume"] = min(1.0, float(per_month) / float(spec["volume_full_at"]))
    addresses = int(signals.get("sending_addresses") or 0)
    if addresses > 1:
        out["many_addresses"] = min(
            1.0, (addresses - 1) / max(1.0, float(spec["addresses_full_at"]) - 1)
        )
    for person in (signals.get("entities") or {}).get("people") or []:
        group = _first_group(str(person.get("role") or "").lower(), spec["roles"])
        if group:
            out[f"role:{group}"] = 1.0
    names = [str(n) for n in signals.get("company_names") or []]
    names += [str(o) for o in (signals.get("entities") or {}).get("organizations") or []]
    for name in names:
        group = _first_group(name.lower(), spec["legal_forms"])
        if group:
            out[f"legal:{group}"] = 1.0
    n = max(1, len(texts))
    for group, words in spec["claims"].items():
        pattern = _keyword_pattern(tuple(words))
        hits = sum(1 for t in texts if pattern is not None and pattern.search(t))
        if hits:
            out[f"claim:{group}"] = min(1.0, hits / n)
    audience = max((claimed_audience(t) for t in texts), default=0)
    for group, minimum in spec["audience_at_least"].items():
        if audience >= int(minimum):
            out[f"audience:{group}"] = 1.0
            break  # the largest bucket reached (listed largest first)
    countries = {
        country
        for address in signals.get("addresses") or []
        if (country := address_country(str(address), spec.get("countries")))
    }
    for country in countries:
        out[f"country:{country}"] = 1.0
    if len(countries) > 1:
        out["multinational"] = 1.0
    return out


def address_country(address: str, markers: dict[str, list[str]] | None) -> str | None:
    """The country of a postal address from its markers (country names, postcode styles)."""
    text = address.lower()[-200:]  # the country is at the end of an address
    for country, words in (markers or {}).items():
        pattern = _keyword_pattern(tuple(words or ()))
        if pattern is not None and pattern.search(text):
            return country
    return None


def score(weights: dict[str, float], feats: dict[str, float]) -> float:
    """Weighted sum of features (``base`` is a constant term)."""
    return sum(c for _, c in contributions(weights, feats))


def contributions(weights: dict[str, float], feats: dict[str, float]) -> list[tuple[str, float]]:
    """(feature, weight x value) for every weighted feature that is present."""
    out = []
    for name, weight in (weights or {}).items():
        value = 1.0 if name == "base" else feats.get(name, 0.0)
        if value:
            out.append((name, float(weight) * value))
    return out


def best(scores: dict[str, float]) -> tuple[str, float, float]:
    """(winner, its score, margin over the runner-up); the first listed wins ties."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])  # stable: YAML order on ties
    top, top_score = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    return top, top_score, top_score - runner


@lru_cache(maxsize=32)
def _industry_index(
    entries: tuple[tuple[str, str, float, bool], ...],
) -> tuple[re.Pattern | None, dict[str, list[tuple[str, float, bool]]]]:
    # One alternation over every industry keyword: one linear pass per text.
    index: dict[str, list[tuple[str, float, bool]]] = {}
    for word, industry, weight, weak in entries:
        index.setdefault(word, []).append((industry, weight, weak))
    return _keyword_pattern(tuple(index)), index


@lru_cache(maxsize=32)
def _glued_words(words: tuple[str, ...]) -> list[tuple[str, str]]:
    # "food bank" -> "foodbank" as it would appear in a domain name; longest first.
    glued = [(w.replace(" ", "").replace("-", ""), w) for w in words]
    return sorted(glued, key=lambda pair: -len(pair[0]))


#: The matcher of each rules object in use, by identity (the entry keeps the
#: object alive, so its id is not reused): building it, or even hashing its
#: keyword list for a cache, costs more than classifying a sender.
_MATCHERS: dict[int, tuple[dict[str, Any], Any]] = {}


def _industry_matcher(rules: dict[str, Any]):
    cached = _MATCHERS.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    matcher = _industry_index(_industry_entries(rules))
    if len(_MATCHERS) >= 8:
        _MATCHERS.clear()
    _MATCHERS[id(rules)] = (rules, matcher)
    return matcher


def _industry_entries(rules: dict[str, Any]) -> tuple[tuple[str, str, float, bool], ...]:
    weak_weight = float(rules["weak_keyword_weight"])
    entries = []
    for industry, spec in rules["industries"].items():
        # weak_keywords and features are optional in an industry (rules/models/classify.py).
        for key, default, weak in (("keywords", 1.0, False), ("weak_keywords", weak_weight, True)):
            words = spec.get(key) or []
            pairs = words.items() if isinstance(words, dict) else ((w, default) for w in words)
            for word, weight in pairs:
                if word:
                    entries.append((str(word).lower(), str(industry), float(weight), weak))
    return tuple(entries)


def industry_evidence(
    signals: dict[str, Any], feats: dict[str, float], rules: dict[str, Any]
) -> tuple[dict[str, float], dict[str, list[tuple[str, float]]]]:
    """Each industry's score and the (signal, points) that made it.

    A keyword counts by where it is found (``industry_sources``): in the
    sender's name or company line, inside its domain name, in the share of
    sampled messages that mention it (what a sender keeps talking about is
    what it sells; a topic mentioned once is not), and in its own link paths.
    """
    sources = rules["industry_sources"]
    pattern, index = _industry_matcher(rules)
    found: dict[str, list[tuple[str, float]]] = {}

    def add(word: str, label: str, amount: float, naming: bool = False) -> None:
        for industry, weight, weak in index.get(word, ()):
            # A weak word ("shop", "news") is weak in copy, where every sender of
            # that kind uses it, but not in the sender's own name ("Bookwise Shop").
            points = max(weight, 1.0) if weak and naming else weight
            found.setdefault(industry, []).append((label, points * amount))

    if pattern is not None:
        named = set(pattern.findall(_identity_text(signals)))
        for word in named:
            add(word, f"name={word}", float(sources["identity"]), naming=True)
        # Inside the domain name ("bloomfitness"): words glued together, longest first,
        # and a word inside a longer match ("care" in "skincare") does not count again.
        min_chars = int(rules["industry_domain_min_chars"])
        in_domain: list[str] = []
        taken: list[str] = []
        for label in _domain_labels(signals):
            for glued, word in _glued_words(tuple(index)):
                if (
                    len(glued) >= min_chars
                    and glued in label
                    and not any(glued in longer for longer in taken)
                ):
                    in_domain.append(word)
                    taken.append(glued)
        for word in in_domain:
            if word not in named:  # the name and the domain usually say the same thing
                add(word, f"domain={word}", float(sources["domain"]), naming=True)
        messages = signals.get("messages") or []
        counts: Counter[str] = Counter()
        for message in messages:
            counts.update(set(pattern.findall(_message_text(message))))
        for cta in signals.get("cta_texts") or []:
            counts.update(set(pattern.findall(str(cta).lower()[:200])) - set(counts))
        for word, hits in counts.items():
            share = min(1.0, hits / max(1, len(messages)))
            add(word, f"text={word}", float(sources["text"]) * share)
        paths = " ".join(str(w) for w in signals.get("link_words") or []).replace("-", " ")
        for word in set(pattern.findall(paths.lower()[:MAX_TEXT_CHARS])):
            add(word, f"links={word}", float(sources["links"]))
    scores: dict[str, float] = {}
    for industry, spec in rules["industries"].items():
        parts = found.get(str(industry), [])
        parts += [(_label(f), c) for f, c in contributions(spec.get("features") or {}, feats)]
        found[str(industry)] = parts
        scores[str(industry)] = sum(c for _, c in parts)
    return scores, found


def industry_scores(
    signals: dict[str, Any], feats: dict[str, float], rules: dict[str, Any]
) -> dict[str, float]:
    """Each industry's score (see :func:`industry_evidence`)."""
    return industry_evidence(signals, feats, rules)[0]


def _label(feature: str) -> str:
    # "offer:discount" -> "offer=discount": the UI shows "guessed from: offer=discount".
    return feature.replace(":", "=", 1)


def _top_signals(parts: list[tuple[str, float]], limit: int = 4) -> list[str]:
    ranked = sorted((p for p in parts if p[1] > 0 and p[0] != "base"), key=lambda p: -p[1])
    out: list[str] = []
    for label, _ in ranked:
        if label not in out:
            out.append(label)
        if len(out) >= limit:
            break
    return out


def confidence(top_score: float, margin: float, full_at: float = 4.0) -> float:
    """0.15-0.95: high only when the winner has strong evidence and a clear lead.

    ``full_at`` is the score at which the evidence counts as strong; a winner
    by default (few or no signals) stays near the floor.
    """
    if top_score <= 0:
        return 0.15
    clarity = min(1.0, max(0.0, margin) / top_score)
    strength = min(1.0, top_score / max(full_at, 1e-9))
    return round(0.15 + 0.8 * strength * (0.35 + 0.65 * clarity), 2)


def classify_sender(
    signals: dict[str, Any], rules: dict[str, Any], corrections: list[dict] | None = None
) -> dict[str, Any]:
    """A full classification (the ``Classification`` fields) for one sender's signals.

    ``evidence`` says, per decided dimension, its own confidence and the
    signals that weighed most. ``corrections`` (the user's overrides, newest
    first) that name this sender are applied, so a retrained heuristic agrees
    with the user.
    """
    feats = features(signals, rules)
    full_at = rules["confidence_full_at"]

    intent_parts = {
        name: contributions(weights, feats) for name, weights in rules["intents"].items()
    }
    intent, intent_score, intent_margin = best(
        {k: sum(c for _, c in v) for k, v in intent_parts.items()}
    )
    intent_conf = confidence(intent_score, intent_margin, float(full_at["sender_intent"]))

    ind_scores, ind_parts = industry_evidence(signals, feats, rules)
    industry, industry_score, industry_margin = best(ind_scores)
    industry_conf = confidence(industry_score, industry_margin, float(full_at["industry"]))
    if industry_score < float(rules["industry_min_score"]):
        # Too little evidence for any industry: say so rather than guess.
        industry, industry_conf = "Other", 0.15
    size_parts = {name: contributions(weights, feats) for name, weights in rules["sizes"].items()}
    size, size_score, size_margin = best({k: sum(c for _, c in v) for k, v in size_parts.items()})
    size_conf = confidence(size_score, size_margin, float(full_at["company_size_estimate"]))

    weights = rules["confidence_weights"]
    per_dimension = {
        "sender_intent": intent_conf,
        "industry": industry_conf,
        "company_size_estimate": size_conf,
    }
    total_weight = sum(float(w) for w in weights.values()) or 1.0
    overall = sum(per_dimension.get(k, 0) * float(w) for k, w in weights.items()) / total_weight
    # One or two messages are little to go on, however clear they look.
    sampled = int(signals.get("messages_sampled") or len(signals.get("messages") or []))
    overall *= min(1.0, 0.6 + 0.1 * sampled)
    evidence = {
        "sender_intent": {"confidence": intent_conf, "signals": _top_signals(intent_parts[intent])},
        "industry": {
            "confidence": industry_conf,
            "signals": _top_signals(ind_parts.get(industry, [])) if industry != "Other" else [],
        },
        "company_size_estimate": {
            "confidence": size_conf,
            "signals": [_label(s) for s in _top_signals(size_parts[size])],
        },
        "messages_sampled": sampled,
    }
    evidence["sender_intent"]["signals"] = [_label(s) for s in evidence["sender_intent"]["signals"]]
    result = {
        "industry": industry,
        "company_size_estimate": size,
        "marketing_sophistication": sophistication(signals, feats, rules),
        "sender_intent": intent,
        "product_type": product_type(feats, intent, industry, rules),
        "product_description": describe(signals, intent, industry, size, rules),
        "pain_points": pain_points(signals, rules),
        "target_audience": rules["target_audiences"].get(industry, ""),
        "partner_program_detected": feats.get("link:partner_program", 0) > 0
        or feats.get("kw:partner", 0) >= 0.5,
        "renewal_signal_detected": feats.get("entity:renewal", 0) > 0,
        "confidence": round(max(0.05, min(0.95, overall)), 2),
        "evidence": evidence,
    }
    for correction in corrections or []:
        if correction.get("sender_domain") == signals.get("sender_domain"):
            field = correction.get("field_name")
            if field in result and field not in _applied(corrections, correction):
                result[field] = correction.get("corrected_value")
                if isinstance(evidence.get(field), dict):
                    evidence[field] = {"confidence": 1.0, "signals": ["your correction"]}
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


def sophistication(signals: dict[str, Any], feats: dict[str, float], rules: dict[str, Any]) -> int:
    """Marketing sophistication 1-10 from the sender's tooling and craft."""
    spec = rules["sophistication"]
    value = float(spec["base"]) + score(spec["features"], feats)
    complexity = signals.get("template_complexity_avg")
    if isinstance(complexity, int | float):
        value += float(spec["complexity_points"]) * max(0.0, min(1.0, complexity / 100))
    return int(max(1, min(10, round(value))))


def product_type(
    feats: dict[str, float], intent: str, industry: str, rules: dict[str, Any]
) -> str | None:
    """The first product-type rule whose condition holds, else None."""
    for rule in rules["product_types"]:
        when = str(rule["when"])
        kind, _, value = when.partition(":")
        if (
            (kind == "intent" and value == intent)
            or (kind == "industry" and value == industry)
            or (kind not in ("intent", "industry") and feats.get(when, 0) > 0.2)
        ):
            return rule["value"]
    return None


def pain_points(signals: dict[str, Any], rules: dict[str, Any], limit: int = 5) -> list[str]:
    """Pain points the sender's copy addresses, most mentioned first."""
    text = " \n ".join(_message_text(m) for m in signals.get("messages") or [])
    counts: Counter[str] = Counter()
    for keyword, pain in rules["pain_points"].items():
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
    phrase = rules["intent_phrases"].get(intent, intent.replace("_", " "))
    industry_text = "" if industry == "Other" else f"{industry} "
    sentence = f"{who} ({size} {industry_text}sender) {phrase}"
    offers = list((signals.get("offer_types") or {}).keys())[:3]
    if offers:
        sentence += " featuring " + ", ".join(o.replace("_", " ") for o in offers)
    return (sentence + ".")[:300]
