"""Sampling a sender's messages and summarising their stage 1-3 signals.

The summary (the "signals") is plain structured data: it is rendered into the
prompt as JSON for a language model, and read directly by the heuristic
provider. Message text goes into the prompt separately, as delimited data.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from inboxmine.ai.templates import delimit

#: Subjects, headlines and CTAs are cut to this length (hostile input).
MAX_FIELD_CHARS = 200
MAX_CTAS = 12
MAX_ENTITIES = 20
#: The body excerpt inside the signals (the full excerpt goes in <email> blocks).
SIGNAL_BODY_CHARS = 600
#: Company names, postal addresses and link-path words kept per sender.
MAX_COMPANY_NAMES = 5
MAX_ADDRESSES = 3
MAX_LINK_WORDS = 30
MAX_LINKS_PER_MESSAGE = 20
#: "(c) 2025 Acme Corp. All rights reserved." -> "Acme Corp"; one bounded line, no nesting.
_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)[ \t]*(?:\d{4}[ \t]*)?([^\n©|]{2,80})", re.IGNORECASE
)
_RIGHTS = re.compile(r"[.,]?[ \t]*all rights reserved.*$", re.IGNORECASE)
_PATH_WORD = re.compile(r"[a-z][a-z\-]{2,29}")


def sample_messages(messages: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """The ``size`` most recent messages by real send time (``sent_at``), newest first.

    Ties are broken by message id so the sample is stable between runs.
    """
    ordered = sorted(
        messages,
        key=lambda m: (_timestamp(m.get("sent_at")), m.get("message_id") or 0),
        reverse=True,
    )
    return ordered[: max(1, size)]


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float("-inf")


def _clip(text: Any, limit: int = MAX_FIELD_CHARS) -> str:
    text = "" if text is None else str(text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _share(count: int, total: int) -> float:
    return round(count / total, 2) if total else 0.0


def build_signals(
    sender_domain: str,
    sample: list[dict[str, Any]],
    total_messages: int,
    max_body_chars: int,
    all_messages: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The structured summary of a sender's sampled messages.

    ``all_messages`` (every message of the sender, stage 1 columns only)
    adds the sender's volume and how many addresses it sends from.

    Each message dict may carry (missing keys mean "not known"): message_id,
    sent_at, subject, from_address, from_name, esp, sender_subdomain, is_bulk,
    is_freemail, has_list_unsubscribe, authentication_quality, offer_types,
    link_intents, cta_texts, primary_headline, has_personalization,
    utm_campaigns, tracking_pixel_count, template_complexity_score,
    has_physical_address, body, is_reply, user_replied, preheader_text,
    footer_text, physical_address_text, entities (list of dicts with
    entity_type, entity_value, role, relationship, date_kind, is_future,
    category, amount, currency).
    """
    n = len(sample)
    esps = Counter(m.get("esp") for m in sample if m.get("esp"))
    auth = Counter(
        m.get("authentication_quality") for m in sample if m.get("authentication_quality")
    )
    offers: Counter[str] = Counter()
    links: Counter[str] = Counter()
    ctas: list[str] = []
    for m in sample:
        offers.update(set(_as_list(m.get("offer_types"))))
        links.update(set(_intent_keys(m.get("link_intents"))))
        for cta in _as_list(m.get("cta_texts")):
            text = _clip(cta, 80)
            if text and text not in ctas and len(ctas) < MAX_CTAS:
                ctas.append(text)
    entities = [e for m in sample for e in (m.get("entities") or [])]
    names = Counter(_clip(m.get("from_name"), 80) for m in sample if m.get("from_name"))
    complexity = [
        float(m["template_complexity_score"])
        for m in sample
        if isinstance(m.get("template_complexity_score"), int | float)
    ]
    return {
        "sender_domain": sender_domain,
        "display_names": [name for name, _ in names.most_common(3)],
        "messages_total": total_messages,
        "messages_sampled": n,
        "is_freemail": any(bool(m.get("is_freemail")) for m in sample),
        "esp": esps.most_common(1)[0][0] if esps else None,
        "sends_from_subdomain": _share(sum(bool(m.get("sender_subdomain")) for m in sample), n),
        "authentication_quality": auth.most_common(1)[0][0] if auth else None,
        "bulk_share": _share(
            sum(bool(m.get("is_bulk") or m.get("has_list_unsubscribe")) for m in sample), n
        ),
        "personalization_share": _share(sum(bool(m.get("has_personalization")) for m in sample), n),
        "utm_share": _share(sum(bool(m.get("utm_campaigns")) for m in sample), n),
        "tracking_pixel_share": _share(sum(bool(m.get("tracking_pixel_count")) for m in sample), n),
        "physical_address_share": _share(
            sum(bool(m.get("has_physical_address")) for m in sample), n
        ),
        "template_complexity_avg": round(sum(complexity) / len(complexity), 1)
        if complexity
        else None,
        "reply_share": _share(sum(bool(m.get("is_reply")) for m in sample), n),
        "user_replied_share": _share(sum(bool(m.get("user_replied")) for m in sample), n),
        "offer_types": dict(offers.most_common()),
        "link_intents": dict(links.most_common()),
        "cta_texts": ctas,
        "entities": summarize_entities(entities),
        "entity_messages": entity_message_counts(sample),
        "company_names": company_names(sample),
        "addresses": _unique(
            (_clip(m.get("physical_address_text"), 120) for m in sample), MAX_ADDRESSES
        ),
        "link_words": link_words(sender_domain, sample),
        **sender_volume(all_messages if all_messages is not None else sample, total_messages),
        "messages": [
            {
                "message_id": m.get("message_id"),
                "sent_at": m["sent_at"].isoformat()
                if isinstance(m.get("sent_at"), datetime)
                else None,
                "subject": _clip(m.get("subject")),
                "headline": _clip(m.get("primary_headline")),
                "preheader": _clip(m.get("preheader_text")),
                "offer_types": sorted(set(_as_list(m.get("offer_types")))),
                "link_intents": sorted(set(_intent_keys(m.get("link_intents")))),
                "body_excerpt": _clip(m.get("body"), min(max_body_chars, SIGNAL_BODY_CHARS)),
            }
            for m in sample
        ],
    }


def company_names(sample: list[dict[str, Any]]) -> list[str]:
    """The names in the footers' copyright lines ("(c) 2025 Acme Inc." -> "Acme Inc")."""
    names = []
    for m in sample:
        footer = str(m.get("footer_text") or "")[-2000:]  # the copyright line is at the end
        match = _COPYRIGHT.search(footer)
        if match:
            names.append(_clip(_RIGHTS.sub("", match.group(1)).strip(" .,-"), 80))
    return _unique(names, MAX_COMPANY_NAMES)


def link_words(sender_domain: str, sample: list[dict[str, Any]]) -> list[str]:
    """Words in the paths of links to the sender's own site ("/jobs/view/12" -> jobs, view).

    Links to other hosts (click trackers, social networks) say nothing about
    what the sender sells, so only the sender's own domain counts.
    """
    domain = sender_domain.rsplit("@", 1)[-1].lower()
    words: list[str] = []
    for m in sample:
        value = m.get("link_intents")
        urls = [u for v in value.values() for u in (v or [])] if isinstance(value, dict) else []
        for url in urls[:MAX_LINKS_PER_MESSAGE]:
            try:
                parts = urlsplit(str(url)[:500])
            except ValueError:
                continue
            host = (parts.hostname or "").lower()
            if host != domain and not host.endswith("." + domain):
                continue
            words.extend(_PATH_WORD.findall(parts.path.lower()))
    return _unique(words, MAX_LINK_WORDS)


def sender_volume(messages: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """How much the sender sends (messages per 30 days) and from how many addresses."""
    times = [m["sent_at"] for m in messages if isinstance(m.get("sent_at"), datetime)]
    per_month = None
    if times:
        days = max(30.0, (max(times) - min(times)).total_seconds() / 86400)
        per_month = round(total * 30 / days, 1)
    addresses = {str(m.get("from_address") or "").lower() for m in messages}
    return {
        "messages_per_month": per_month,
        "sending_addresses": len(addresses - {""}),
    }


def _unique(values, limit: int) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
            if len(out) >= limit:
                break
    return out


def summarize_entities(entities: list[dict[str, Any]]) -> dict[str, Any]:
    """Entities grouped by what the classifier needs, highest confidence first, capped."""
    ranked = sorted(entities, key=lambda e: -(e.get("confidence") or 0))
    people, orgs, money, dates, procurement = [], [], [], [], []
    for e in ranked:
        kind = e.get("entity_type")
        value = _clip(e.get("entity_normalized") or e.get("entity_value"), 80)
        if not value:
            continue
        if kind == "person" and len(people) < 5 and all(p["name"] != value for p in people):
            people.append(
                {"name": value, "role": e.get("role"), "relationship": e.get("relationship")}
            )
        elif kind == "organization" and value not in orgs and len(orgs) < 5:
            orgs.append(value)
        elif kind == "money" and e.get("currency") != "%" and len(money) < 5:
            money.append({"amount": e.get("amount"), "currency": e.get("currency"), "text": value})
        elif kind == "date" and e.get("date_kind") and len(dates) < 5:
            dates.append(
                {
                    "kind": e.get("date_kind"),
                    "date": e.get("date_value"),
                    "future": e.get("is_future"),
                }
            )
        elif kind == "procurement_signal" and len(procurement) < 5:
            category = e.get("category") or value
            if category not in procurement:
                procurement.append(category)
    return {
        "people": people,
        "organizations": orgs,
        "money": money,
        "dates": dates,
        "procurement": procurement,
    }


def entity_message_counts(sample: list[dict[str, Any]]) -> dict[str, int]:
    """How many sampled messages carry each kind of entity the classifier weighs."""
    counts: Counter[str] = Counter()
    for m in sample:
        kinds = set()
        for e in m.get("entities") or []:
            kind = e.get("entity_type")
            if kind == "procurement_signal":
                kinds.add("procurement")
            elif kind == "money" and e.get("currency") not in ("%", None, ""):
                kinds.add("money")  # percentages are discounts, not money
            elif kind == "date" and e.get("date_kind") in ("renewal", "expiration"):
                kinds.add("renewal")
        counts.update(kinds)
    return dict(counts)


def render_emails(sample: list[dict[str, Any]], max_body_chars: int) -> str:
    """The sampled messages as delimited data blocks for the prompt."""
    blocks = []
    for m in sample:
        body = (m.get("body") or "")[: max(0, max_body_chars)]
        text = f"Subject: {_clip(m.get('subject'))}\n\n{body}"
        blocks.append(delimit("email", text))
    return "\n\n".join(blocks) if blocks else "(no messages)"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value if v]
    if isinstance(value, str) and value:
        return [value]
    return []


def _intent_keys(value: Any) -> list[str]:
    # link_intents is {intent: [urls]} by contract; accept a list of intents too.
    if isinstance(value, dict):
        return [str(k) for k, v in value.items() if k and v]
    return _as_list(value)
