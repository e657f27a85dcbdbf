"""One message's content, analysed: the row of ``parsed_content`` (without ids and time).

A pure function of the message and the compiled rules; the stage
(:mod:`inboxmine.stages.content`) does the reading and writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inboxmine.content.address import AddressRules, find_address, is_address_line
from inboxmine.content.complexity import template_complexity
from inboxmine.content.html import HtmlDocument, parse_html
from inboxmine.content.language import detect_language
from inboxmine.content.links import LinkRules, analyze_links, links_in_text
from inboxmine.content.offers import OfferRules, detect_offers
from inboxmine.content.patterns import _check
from inboxmine.content.personalization import (
    PersonalizationRules,
    find_personalization,
    recipient_first_names,
)
from inboxmine.content.structure import StructureRules, split_text
from inboxmine.content.text import MAX_TEXT_CHARS, normalize_lines
from inboxmine.rules.loader import load_rules


@dataclass(frozen=True)
class ContentRules:
    """Every compiled rule stage 2 needs; built once per run, sent to workers."""

    links: LinkRules
    offers: OfferRules
    structure: StructureRules
    personalization: PersonalizationRules
    address: AddressRules
    hidden_style: re.Pattern
    quote_selectors: tuple[str, ...]
    quote_cut_after: tuple[str, ...]


def load_content_rules(rules_dir: str | Path | None = None) -> ContentRules:
    """Load and compile link_intents.yaml, offers.yaml and structure.yaml (plus the user's copies)."""
    structure = load_rules("structure.yaml", rules_dir)
    hidden = [
        _check(p, "structure.yaml", "hidden.styles", re.IGNORECASE)
        for p in structure["hidden"]["styles"]
    ]
    quote = structure["quote"]
    return ContentRules(
        links=LinkRules.from_rules(load_rules("link_intents.yaml", rules_dir)),
        offers=OfferRules.from_rules(load_rules("offers.yaml", rules_dir)),
        structure=StructureRules.from_rules(structure),
        personalization=PersonalizationRules.from_rules(structure),
        address=AddressRules.from_rules(structure),
        hidden_style=re.compile("|".join(f"(?:{p})" for p in hidden) or r"(?!x)x", re.IGNORECASE),
        quote_selectors=tuple(quote["html_selectors"]),
        quote_cut_after=tuple(quote["html_cut_after"]),
    )


@dataclass(slots=True)
class MessageContent:
    """What stage 2 reads of one message."""

    message_id: int | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    #: Display names of the recipients ("Alex Morgan"), for filled-in personalization.
    recipient_names: list[str] = field(default_factory=list)
    #: Addresses of the recipients ("alex.morgan@x.com" also names Alex).
    recipient_addresses: list[str] = field(default_factory=list)
    #: The sender's display name, which starts a signature without a sign-off.
    sender_name: str | None = None
    #: Length of the stored HTML when ``body_html`` holds only its start.
    html_length: int | None = None
    #: Length of the stored text when ``body_text`` holds only its start.
    text_length: int | None = None


def analyze_content(message: MessageContent, rules: ContentRules) -> dict[str, Any]:
    """The ``parsed_content`` columns of one message (all but message_id and parsed_at).

    HTML is preferred; the plain-text part is used when there is no HTML or
    the HTML has no visible text.
    """
    subject = (message.subject or "")[:2000]
    doc = HtmlDocument()
    if message.body_html and message.body_html.strip():
        doc = parse_html(
            message.body_html,
            list(rules.quote_selectors),
            list(rules.quote_cut_after),
            rules.hidden_style,
            total_length=message.html_length,
        )
    text = doc.text
    links = doc.links
    if not text.strip() and message.body_text:
        text_length = max(len(message.body_text), message.text_length or 0)
        if text_length > MAX_TEXT_CHARS:
            doc.notes.append(
                f"text truncated: read the first {MAX_TEXT_CHARS:,} of {text_length:,} characters"
            )
        text = normalize_lines(message.body_text, MAX_TEXT_CHARS)
        if not links:
            links = links_in_text(text)

    parts = split_text(
        text,
        rules.structure,
        is_address=lambda line: is_address_line(line, rules.address),
        sender_name=message.sender_name,
    )
    quoted = "\n\n".join(t for t in (doc.quoted_text, parts.quoted) if t)

    link_facts = analyze_links(links, doc.images, rules.links)
    offer_text = "\n".join(t for t in (subject, doc.preheader, parts.body) if t)
    offer_types, offer_evidence = detect_offers(offer_text, rules.offers)

    names = recipient_first_names(message.recipient_names, message.recipient_addresses)
    tokens = find_personalization(subject, parts.body, names, rules.personalization)
    address = (
        find_address(parts.footer, rules.address)
        or find_address(parts.signature, rules.address)
        or find_address(parts.body, rules.address)
    )
    return {
        "body_clean": parts.body,
        "signature_block": parts.signature or None,
        "footer_text": parts.footer or None,
        "quoted_text": quoted[:20_000] or None,
        "preheader_text": doc.preheader or None,
        "primary_headline": doc.headline,
        "cta_texts": doc.cta_texts,
        "offer_types": offer_types,
        "offer_evidence": offer_evidence,
        "link_intents": link_facts.link_intents,
        "link_count": link_facts.link_count,
        "unique_link_domains": link_facts.unique_link_domains,
        "utm_campaigns": link_facts.utm_campaigns,
        "tracking_pixel_count": link_facts.tracking_pixel_count,
        "image_count": link_facts.image_count,
        "social_links": link_facts.social_links,
        "has_personalization": bool(tokens),
        "personalization_tokens": tokens,
        "has_physical_address": address is not None,
        "physical_address_text": address,
        "template_complexity_score": template_complexity(
            doc.table_count,
            doc.styled_count,
            doc.has_media_query,
            link_facts.image_count,
            link_facts.link_count,
            bool(tokens),
        ),
        "language": detect_language(parts.body or subject),
        "content_notes": doc.notes or None,
    }
