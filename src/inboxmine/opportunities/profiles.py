"""Sender profiles: one row per sender identity, aggregated from stages 0-4.

Aggregates use real timestamps (messages are ordered by ``sent_at``), the
most common address as the primary email, the latest classification by time,
and known contacts with their roles.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from statistics import mean
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from inboxmine.forensics.domains import clean_host, in_domain, registered_domain
from inboxmine.opportunities import sophistication
from inboxmine.opportunities.evidence import Signal, find_all_in_message, phrases
from inboxmine.opportunities.facts import MessageFacts, SenderFacts

_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,255}")
CLASSIFICATION_FIELDS = (
    "industry",
    "company_size_estimate",
    "sender_intent",
    "product_type",
    "product_description",
    "pain_points",
    "target_audience",
)


def _first_address(raw: str | None) -> str | None:
    if not raw:
        return None
    match = _ADDRESS.search(raw[:1000])
    return match.group(0).lower() if match else None


#: Share of a sender's messages an organisation must sign to name the sender.
SIGNATURE_ORG_SHARE = 0.3


def signature_orgs(message: MessageFacts) -> list:
    """The organisations of a message's signature, each once, with no markup or addresses."""
    seen: dict[str, object] = {}
    for entity in message.entities:
        if (
            entity.entity_type == "organization"
            and entity.source in ("signature", None)
            and entity.value
            and not any(c in entity.value for c in '@="<>')
        ):
            seen.setdefault(entity.normalized or entity.value, entity)
    return list(seen.values())


def company_name(sender: SenderFacts) -> str:
    """The organisation's name: the signature's organisation for people, the From name for brands."""
    received = sender.received
    human = received and sum(m.is_bulk for m in received) <= len(received) / 2
    if human:
        orgs = Counter(e.normalized or e.value for m in received for e in signature_orgs(m))
        if orgs:
            name, seen = orgs.most_common(1)[0]
            # A newsletter footer yields a new "organisation" every issue
            # ("Unsubscribe", a product name): only one that signs most mail counts.
            if seen >= max(1, SIGNATURE_ORG_SHARE * len(received)):
                return str(name)[:200]
    if not human or sender.is_freemail or sender.is_internal:
        names = Counter(
            (m.from_name or "").strip() for m in received if m.from_name and "@" not in m.from_name
        )
        if names:
            return names.most_common(1)[0][0][:200]
    if sender.is_freemail:
        return sender.sender_domain
    if "@" in sender.sender_domain:  # a publication on a shared platform: its address names it
        local = sender.sender_domain.split("@")[0]
        return local.replace(".", " ").replace("-", " ").replace("_", " ").title()
    label = sender.sender_domain.split("@")[-1].split(".")[0]
    return label.replace("-", " ").title()


def known_contacts(sender: SenderFacts, my_addresses: set[str]) -> list[dict[str, Any]]:
    """People seen in the sender's mail, each with email, role and relationship when known.

    A name seen in a header and again in a signature is one contact: the role
    from the signature is kept (rows are merged, not deduplicated away).
    """
    contacts: dict[str, dict[str, Any]] = {}
    from_names = {
        " ".join((m.from_name or "").lower().split()): m.from_address
        for m in sender.received
        if m.from_name
    }
    for message in sender.received:
        for entity in message.entities:
            if entity.entity_type != "person" or not entity.value:
                continue
            key = " ".join(entity.value.lower().split())
            if not key or key in my_addresses:
                continue
            contact = contacts.setdefault(
                key,
                {
                    "name": " ".join(entity.value.split())[:200],
                    "email": "",
                    "role": None,
                    "relationship": None,
                    "message_id": message.id,
                },
            )
            if entity.role and (not contact["role"] or entity.source == "signature"):
                contact["role"] = entity.role[:120]
            if entity.relationship and contact["relationship"] in (None, "peer", "automated"):
                contact["relationship"] = entity.relationship
            address = from_names.get(key)
            if address and address not in my_addresses:
                contact["email"] = address
    ordered = sorted(contacts.values(), key=lambda c: (c["role"] is None, c["name"]))
    return ordered[:50]


def _clean_url(url: str) -> str:
    """A URL without its query (UTM tags), for listing and de-duplication."""
    try:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    except ValueError:
        return url[:500]


def _runs_link(url: str, sender_domain: str, link_hosts: frozenset[str]) -> bool:
    """True when a link can be the sender's own: on the sender's registered
    domain, or through a mailing platform's click tracking (whose target is
    unknown). A link to another organisation's site is not the sender's
    program; a person on free mail runs none of the mail host's."""
    try:
        host = clean_host(urlsplit(url).hostname) if "//" in url else None
    except ValueError:  # a malformed URL (bad port, broken IPv6 literal)
        return False
    if not host:
        return False
    if any(in_domain(host, tracked) for tracked in link_hosts):
        return True
    own = None if "@" in sender_domain else registered_domain(sender_domain)
    return own is not None and registered_domain(host) == own


def partner_evidence(
    sender: SenderFacts, link_hosts: frozenset[str] = frozenset()
) -> tuple[list[str], list[int]]:
    """Partner/affiliate program URLs the sender runs, and the messages that carried them."""
    urls: list[str] = []
    message_ids: list[int] = []
    for message in sender.received:
        found = [
            str(url)
            for url in (message.link_intents or {}).get("partner_program") or []
            if _runs_link(str(url), sender.sender_domain, link_hosts)
        ]
        for url in found:
            clean = _clean_url(url)
            if clean not in urls:
                urls.append(clean)
        if found:
            message_ids.append(message.id)
    return urls[:20], message_ids


def _is_subscription_date(entity, context_rules: dict | None) -> bool:
    """A renewal date, or an expiration of a subscription/plan/contract - not of a promo code."""
    if entity.date_kind == "renewal" or not context_rules:
        return True
    text = f"{entity.context or ''} {entity.value or ''}"
    promo = phrases(context_rules["promotion_words"])
    subscription = phrases(context_rules["subscription_words"])
    if promo is not None and promo.search(text):
        return False
    return subscription is None or bool(subscription.search(text))


def renewal_dates(
    sender: SenderFacts, now: datetime, context_rules: dict | None = None
) -> list[dict[str, Any]]:
    """Renewal/expiration dates with the message and quote; past dates are marked, never upcoming.

    Expirations count only with subscription words around them (``context_rules``):
    "offer valid until" is a promotion, not a renewal."""
    today = now.date()
    found: dict[str, dict[str, Any]] = {}
    for message in sender.received:
        for entity in message.entities:
            if entity.entity_type != "date" or entity.date_kind not in ("renewal", "expiration"):
                continue
            if entity.date_value is None or not _is_subscription_date(entity, context_rules):
                continue
            key = entity.date_value.isoformat()
            found[key] = {
                "date": key,
                "kind": entity.date_kind,
                "is_upcoming": entity.date_value >= today,
                "days_until": (entity.date_value - today).days,
                "message_id": message.id,
                "quote": (entity.context or entity.value or "")[:300],
            }
    return sorted(found.values(), key=lambda d: d["date"])


def monetary_signals(sender: SenderFacts) -> list[dict[str, Any]]:
    signals = []
    for message in sender.received:
        for entity in message.entities:
            if entity.entity_type == "money":
                signals.append(
                    {
                        "value": (entity.value or "")[:60],
                        "amount": entity.amount,
                        "currency": entity.currency,
                        "context": (entity.context or "")[:300],
                        "message_id": message.id,
                    }
                )
    return signals[:50]


def warm_signals(messages: list[MessageFacts], warm_rules: dict) -> list[Signal]:
    """Warm signals (pricing, meeting request, ask, follow-up, decision maker, budget),
    one per type per message, each with its quote; plus decision makers and amounts
    found by stage 3."""
    signals: list[Signal] = []
    for kind, words in (warm_rules or {}).items():
        pattern = phrases(words)
        for message in messages:
            if message.is_sent:
                continue
            hits = find_all_in_message(pattern, message)
            if hits:
                phrase, evidence = next(iter(hits.items()))
                signals.append(Signal(kind, f"'{phrase}'", [evidence]))
    for message in messages:
        if message.is_sent:
            continue
        for entity in message.entities:
            if entity.entity_type == "person" and entity.relationship == "decision_maker":
                signals.append(
                    Signal(
                        "decision_maker",
                        f"{entity.value} ({entity.role or 'decision maker'})",
                        [_entity_evidence(message, entity)],
                    )
                )
    return signals


def _entity_evidence(message: MessageFacts, entity):
    from inboxmine.opportunities.evidence import Evidence

    return Evidence(
        message_id=message.id,
        quote=" ".join((entity.context or entity.value or "").split())[:300],
        field=entity.source or "body",
        sent_at=message.sent_at.isoformat(),
    )


def thread_metrics(sender: SenderFacts) -> dict[str, Any]:
    """Share of threads the user started, and share the user wrote in (NULL without threads)."""
    threads = [t for t in sender.threads if t.messages]
    if not threads:
        return {"thread_count": 0, "thread_initiation_ratio": None, "user_reply_rate": None}
    started = sum(1 for t in threads if t.messages[0].is_sent)
    replied = sum(1 for t in threads if t.user_participated)
    return {
        "thread_count": len(threads),
        "thread_initiation_ratio": round(started / len(threads), 3),
        "user_reply_rate": round(replied / len(threads), 3),
    }


def classification_value(sender: SenderFacts, name: str) -> Any:
    """A classification field: the sender rollup (overrides applied), else the latest message's."""
    value = (sender.classification or {}).get(name)
    if value not in (None, "", []):
        return value
    for message in reversed(sender.received):
        value = (message.classification or {}).get(name)
        if value not in (None, "", []):
            return value
    return None


def majority(sender: SenderFacts, name: str) -> Any:
    """Most common per-message value, the sender rollup winning when present."""
    rolled = (sender.classification or {}).get(name)
    if rolled not in (None, "", "unknown"):
        return rolled
    return sophistication.most_common(
        (m.classification or {}).get(name) for m in sender.received if m.classification
    )


def build_profile(
    sender: SenderFacts, rules: dict, now: datetime, my_addresses: set[str] | None = None
) -> dict[str, Any]:
    """The ``sender_profiles`` row for one sender (economic_segments filled by the caller)."""
    my_addresses = my_addresses or set()
    received = sender.received
    everything = sorted(
        {
            m.id: m for m in sender.messages + [x for t in sender.threads for x in t.messages]
        }.values(),
        key=lambda m: m.sent_at,
    )
    soph_rules = rules["sophistication"]
    deterministic, breakdown = sophistication.deterministic_score(received, soph_rules)
    ai = sophistication.ai_scores(received)
    rolled_ai = (sender.classification or {}).get("marketing_sophistication")
    ai_avg = mean(ai) if ai else (float(rolled_ai) if rolled_ai else None)
    partner_urls, _ = partner_evidence(sender, rules.get("link_hosts", frozenset()))
    offers = Counter(o for m in received for o in (m.offer_types or []))
    ctas: list[str] = []
    social: dict[str, Any] = {}
    for message in received:
        for cta in message.cta_texts or []:
            text = " ".join(str(cta).split())[:120]
            if text and text not in ctas and len(ctas) < 50:
                ctas.append(text)
        for platform, url in (message.social_links or {}).items():
            social.setdefault(platform, url)
    frequency = sender.avg_frequency_days()
    span = sender.received_span()
    # The earliest contact: of the messages read, or of all received mail when not all was read.
    firsts = [m.sent_at for m in everything[:1]] + ([span[0]] if span else [])
    renewals = renewal_dates(sender, now, rules.get("renewal_context"))
    upcoming = [r for r in renewals if r["is_upcoming"]]
    warm = Counter(
        s.signal
        for s in warm_signals([m for m in received if not m.is_bulk], rules.get("warm", {}))
    )
    has_partner = (
        bool(partner_urls)
        or any((m.classification or {}).get("partner_program_detected") for m in received)
        or bool((sender.classification or {}).get("partner_program_detected"))
        or offers.get("partnership", 0) > 0
    )
    with_unsub = [m for m in received if m.unsubscribe_url]
    row = {
        "sender_domain": sender.sender_domain,
        "company_name": company_name(sender),
        "primary_email": sophistication.most_common(m.from_address for m in received),
        "reply_to_email": sophistication.most_common(_first_address(m.reply_to) for m in received),
        "is_freemail": sender.is_freemail,
        "industry": majority(sender, "industry"),
        "company_size": majority(sender, "company_size_estimate"),
        "sender_intent": majority(sender, "sender_intent"),
        "marketing_sophistication_avg": sophistication.blend(deterministic, ai_avg, soph_rules),
        "marketing_sophistication_deterministic": deterministic,
        "marketing_sophistication_ai": round(ai_avg, 2) if ai_avg else None,
        "marketing_sophistication_trend": sophistication.trend(ai, soph_rules),
        "sophistication_breakdown": breakdown,
        "esp_used": sophistication.most_common(m.esp for m in received),
        "authentication_quality": sophistication.most_common(
            m.authentication_quality for m in received
        ),
        "unsubscribe_url": with_unsub[-1].unsubscribe_url if with_unsub else None,
        "product_type": classification_value(sender, "product_type"),
        "product_description": classification_value(sender, "product_description"),
        "pain_points": classification_value(sender, "pain_points"),
        "target_audience": classification_value(sender, "target_audience"),
        "known_contacts": known_contacts(sender, my_addresses),
        "total_messages": sender.received_count,
        "messages_read": len(received),
        "messages_from_me": sum(1 for m in everything if m.is_sent),
        "bulk_ratio": round(sender.bulk_count / sender.received_count, 3)
        if sender.received_count
        else 0.0,
        "first_contact": min(firsts, default=None),
        "last_contact": everything[-1].sent_at if everything else None,
        "avg_frequency_days": round(frequency, 2) if frequency is not None else None,
        "offer_type_distribution": dict(offers),
        "cta_texts_all": ctas,
        "social_links": social,
        "physical_address": next(
            (m.physical_address for m in reversed(received) if m.physical_address), None
        ),
        "utm_campaign_names": sophistication.campaign_names(received),
        "has_personalization": any(m.has_personalization for m in received),
        "has_partner_program": has_partner,
        "partner_program_urls": partner_urls,
        "renewal_dates": renewals,
        "next_renewal_date": upcoming[0]["date"] if upcoming else None,
        "monetary_signals": monetary_signals(sender),
        "warm_signals": dict(warm),
        "economic_segments": [],
        "profiled_at": now,
    }
    row.update(thread_metrics(sender))
    return row
