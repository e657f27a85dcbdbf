"""Rule-based extraction of every entity kind from one message (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from inboxmine.entities.base import (
    MAX_BODY_CHARS,
    MAX_SIGNATURE_CHARS,
    MAX_SUBJECT_CHARS,
    Entity,
    MessageText,
    clip,
)
from inboxmine.entities.dates import find_dates
from inboxmine.entities.money import find_money
from inboxmine.entities.orgs import find_legal_names, signature_org
from inboxmine.entities.people import find_people
from inboxmine.entities.procurement import find_procurement, weigh_signals
from inboxmine.entities.rules import EntityRules
from inboxmine.entities.signature import read_signature, signature_in_body

FOOTER_SCAN = 10_000


@dataclass(frozen=True)
class ExtractOptions:
    """What to extract (settings.entities) and whose addresses are yours."""

    extract_monetary: bool = True
    extract_dates: bool = True
    extract_procurement: bool = True
    my_addresses: frozenset[str] = frozenset()


def extract_with_rules(
    message: MessageText, rules: EntityRules, options: ExtractOptions = ExtractOptions()
) -> list[Entity]:
    """All entities the rules find in ``message``, people first.

    Money, dates and procurement signals are read from the subject and the
    cleaned body (a footer's "SOC 2 certified" badge or "© 2024" is not a
    buyer's signal); people, titles, phones and URLs from the headers and the
    signature; organizations from the signature, body and footer.
    """
    subject = clip(message.subject, MAX_SUBJECT_CHARS)
    body = clip(message.body, MAX_BODY_CHARS)
    signature = clip(message.signature, MAX_SIGNATURE_CHARS)
    if not signature.strip():
        found, start = signature_in_body(body, message.from_name)
        if found:
            signature, body = found, body[:start]
    own_message = message.is_sent
    # Your own signature says who you are, not who your contacts are.
    card = read_signature(rules.signature, None if own_message else signature, message.from_name)
    entities: list[Entity] = find_people(rules.people, message, card, options.my_addresses)

    organizations: dict[str, Entity] = {}
    candidates = [signature_org(rules.orgs, card.company)]
    if not own_message:
        candidates += find_legal_names(
            rules.orgs, message.signature and clip(message.signature, 4000), "signature"
        )
    candidates += find_legal_names(rules.orgs, body, "body")
    candidates += find_legal_names(rules.orgs, clip(message.footer, 10_000), "body")
    for org in candidates:
        if org is not None and org.entity_normalized not in organizations:
            organizations[org.entity_normalized] = org
    entities += organizations.values()

    entities += [
        Entity(
            entity_type="phone",
            entity_value=text,
            entity_normalized=normalized,
            context="signature",
            source="signature",
            confidence=0.85,
        )
        for text, normalized in _unique(card.phones)
    ]
    entities += [
        Entity(
            entity_type="url",
            entity_value=text,
            entity_normalized=normalized,
            context="signature",
            source="signature",
            confidence=0.85,
        )
        for text, normalized in _unique(card.urls)
    ]
    for text, source in ((subject, "subject"), (body, "body")):
        if options.extract_monetary:
            entities += find_money(rules.money, text, source)
        if options.extract_dates:
            entities += find_dates(rules.dates, text, source, message)
    if options.extract_procurement:
        signals: dict[str, Entity] = {}
        for text, source in ((subject, "subject"), (body, "body")):
            for signal in find_procurement(rules.procurement, text, source):
                signals.setdefault(signal.entity_normalized, signal)
        # Bulk mail is told by stage 1, or by an unsubscribe line in the footer.
        bulk = message.is_bulk or "unsubscribe" in (message.footer or "")[:FOOTER_SCAN].lower()
        entities += weigh_signals(rules.procurement, list(signals.values()), bulk)
    return entities


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    kept = []
    for text, normalized in pairs:
        if normalized not in seen:
            seen.add(normalized)
            kept.append((text, normalized))
    return kept
