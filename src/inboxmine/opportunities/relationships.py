"""What a sender is to the user (vendor, prospect, partner, ...), with the reasons.

Order: a relationship set by hand wins and is never overwritten; then the
known-entities file; then signals from the mail itself. Each proposal keeps
the signals that decided it, so "why is this my_vendor?" has an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inboxmine.forensics.domains import IdentityRules, sender_key
from inboxmine.opportunities.evidence import find_in_message, phrases
from inboxmine.opportunities.facts import SenderFacts

TIE_ORDER = ("my_vendor", "inbound_prospect", "potential_partner", "selling_to_me")


@dataclass
class Proposal:
    relationship_type: str
    confidence: float
    signals: list[str] = field(default_factory=list)
    suppress_gems: bool = False
    source: str = "auto"


def _domain_candidates(sender_domain: str) -> list[str]:
    """The identity, its domain for an address, and each parent domain."""
    host = sender_domain.split("@")[-1]
    parts = host.split(".")
    found = [sender_domain]
    found += [".".join(parts[i:]) for i in range(len(parts) - 1)]
    return list(dict.fromkeys(found))


def known_entity(sender_domain: str, known: dict, rules: dict) -> Proposal | None:
    """A match in known_entities.yaml, mapped to a relationship."""
    candidates = set(_domain_candidates(sender_domain.lower()))
    for category, mapping in rules["known_entity_categories"].items():
        listed = {str(d).lower() for d in (known.get(category) or [])}
        if candidates & listed:
            return Proposal(
                mapping["relationship"],
                0.9,
                [f"known entity: {category}"],
                bool(mapping["suppress_gems"]),
                "known_entities",
            )
    return None


def list_member(sender: SenderFacts, rules: dict) -> Proposal | None:
    """A person whose mail reaches the user mostly as posts to discussion lists.

    Their posts are a community talking, not their own marketing: no
    "weak marketing" or "partner program" gem is read into them.
    """
    cfg = rules["discussion_list"]
    received = sender.received
    posts = [m for m in received if m.via_discussion_list]
    if not received or len(posts) / len(received) < cfg["min_share"]:
        return None
    names = sorted({m.list_id for m in posts if m.list_id})
    shown = ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")
    return Proposal(
        "list_member",
        cfg["confidence"],
        [f"{len(posts)} of {len(received)} messages are posts to discussion lists ({shown})"],
    )


def detect(
    sender: SenderFacts,
    profile: dict[str, Any],
    segments: list[str],
    known: dict,
    rules: dict,
) -> Proposal:
    """The relationship the mail suggests (a colleague, then known entities, then the mail)."""
    if sender.is_internal:
        return Proposal(
            "colleague",
            float(rules["colleague"]["confidence"]),
            [f"works at your own organisation ({sender.sender_domain.rpartition('@')[2]})"],
        )
    listed = known_entity(sender.sender_domain, known, rules)
    if listed:
        return listed
    posting = list_member(sender, rules)
    if posting:
        return posting
    w = rules["weights"]
    pats = {k: phrases(v) for k, v in rules["phrases"].items()}
    first = sender.received[: int(rules["first_messages"])]
    initiation = profile.get("thread_initiation_ratio")
    reply_rate = profile.get("user_reply_rate")
    intent = profile.get("sender_intent")
    scores: dict[str, float] = {}
    why: dict[str, list[str]] = {}

    def add(kind: str, points: float, reason: str) -> None:
        if points > 0:
            scores[kind] = scores.get(kind, 0.0) + points
            why.setdefault(kind, []).append(reason)

    def hits(kind: str) -> list[str]:
        found = []
        for message in first:
            hit = find_in_message(pats.get(kind), message)
            if hit:
                found.append(f"'{hit[0]}' in message {message.id}")
        return found

    vendor = hits("vendor")
    if initiation is not None and initiation > 0.7:
        add(
            "my_vendor",
            w["vendor_initiation_high"],
            f"you started {initiation:.0%} of threads",
        )
    if len(vendor) >= 3:
        add("my_vendor", w["vendor_phrases_many"], f"{len(vendor)} vendor-like messages")
    elif vendor:
        add("my_vendor", w["vendor_phrases_some"], vendor[0])
    if intent in rules["vendor_intents"]:
        add("my_vendor", w["vendor_transactional_intent"], f"intent {intent}")
    if "spend_map" in segments:
        add("my_vendor", w["vendor_spend_segment"], "in spend_map")

    if initiation is not None and initiation < 0.3 and reply_rate:
        add(
            "inbound_prospect",
            w["prospect_initiation_low"],
            f"they started {1 - initiation:.0%} of threads",
        )
    if reply_rate is not None and reply_rate > 0.5:
        add(
            "inbound_prospect",
            w["prospect_reply_rate_high"],
            f"you replied in {reply_rate:.0%} of threads",
        )
    for reason in hits("prospect")[:3]:
        add("inbound_prospect", w["prospect_phrase_per_message"], reason)
    if intent in rules["prospect_intents"]:
        add("inbound_prospect", w["prospect_procurement_intent"], f"intent {intent}")

    if reply_rate is not None and reply_rate < 0.1 or reply_rate is None:
        add("selling_to_me", w["selling_reply_rate_low"], "you never reply")
        if sender.received_count >= 5:
            add(
                "selling_to_me",
                w["selling_many_unanswered"],
                f"{sender.received_count} unanswered messages",
            )
        for reason in hits("selling")[:3]:
            add("selling_to_me", w["selling_phrase_per_message"], reason)
    if intent in rules["selling_intents"]:
        add("selling_to_me", w["selling_intent"], f"intent {intent}")

    for reason in hits("partner")[:2]:
        add("potential_partner", w["partner_phrase_per_message"], reason)
    if intent in rules["partner_intents"]:
        add("potential_partner", w["partner_intent"], f"intent {intent}")

    if intent in rules["community_intents"] and reply_rate in (None, 0, 0.0):
        add("community", w["community_intent"], f"intent {intent}")
    if (
        initiation is not None
        and 0.0 < initiation < 1.0
        and reply_rate is not None
        and reply_rate > 0.5
        and intent not in rules["vendor_intents"]
    ):
        add("warm_contact", w["warm_two_way"], "two-way conversations")

    if not scores:
        return Proposal("unknown", 0.2, ["no decisive signal"])
    capped = {k: min(1.0, v) for k, v in scores.items()}
    best = max(
        capped,
        key=lambda k: (capped[k], -TIE_ORDER.index(k) if k in TIE_ORDER else -len(TIE_ORDER)),
    )
    if capped[best] < 0.3:
        return Proposal("unknown", 0.2, why.get(best, [])[:3])
    return Proposal(best, round(capped[best], 2), why[best][:5])


class ImportFileError(ValueError):
    """A relationships file that cannot be used; the message names the file, the entry
    and the fix."""


def parse_import(
    data: Any, known_types: list[str] | tuple[str, ...], rules: IdentityRules, name: str
) -> dict[str, str]:
    """``{sender_domain: relationship_type}`` from a loaded YAML file of the form
    ``{relationship_type: [sender, ...]}``. Every problem is an
    :class:`ImportFileError` naming the file (``name``) and the entry."""
    example = "e.g.\n  my_vendor: [stripe.com, acme.io]\n  institutional: [irs.gov]"
    if not isinstance(data, dict) or not data:
        raise ImportFileError(
            f"{name}: expected relationship types, each with a list of senders - {example}"
        )
    found: dict[str, str] = {}
    for kind, senders in data.items():
        if kind not in known_types:
            raise ImportFileError(
                f"{name}: unknown relationship type {kind!r}: use one of {', '.join(known_types)}"
            )
        if isinstance(senders, str):
            senders = [senders]
        if not isinstance(senders, list):
            raise ImportFileError(f"{name}: {kind} must be a list of senders - {example}")
        for entry in senders:
            key = sender_key(entry, rules) if isinstance(entry, str) else None
            if not key:
                raise ImportFileError(
                    f"{name}: {kind}: {entry!r} is not a domain or an e-mail address"
                )
            if found.get(key, kind) != kind:
                raise ImportFileError(
                    f"{name}: {key} is listed as both {found[key]} and {kind}: keep one"
                )
            found[key] = kind
    return found
