"""People: who wrote, who was copied, who signed - with their titles kept.

One row per person (per address): the From row is enriched with the
signature's title, not duplicated by it, so the role reaches every later
stage. Each person is tagged ``automated`` (noreply, notifications, bounce
...), ``decision_maker`` (by title: CEO, Founder, VP, Head of ...),
``vendor_contact`` (sales@, billing@, support@ ...) or ``peer``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxmine.entities.base import Entity, MessageText, squash
from inboxmine.entities.signature import SignatureCard, same_person

_ANGLE_ADDRESS = re.compile(r"<([^<>\s@]{1,64}@[^<>\s]{1,255})>")
_BARE_ADDRESS = re.compile(r"[^\s<>,;\"']{1,64}@[^\s<>,;\"']{1,255}")
_LOCAL_WORDS = re.compile(r"[a-z]+")
#: Most copied people kept from one message (mass mailings copy hundreds).
MAX_CC = 50


@dataclass(frozen=True)
class PeopleRules:
    """Compiled people rules (see ``people`` in rules/entities.yaml)."""

    decision_maker: re.Pattern
    not_decision_maker: re.Pattern
    automated_contains: tuple[str, ...]
    automated_words: frozenset[str]
    vendor_contact_words: frozenset[str]


def _phrases(words, case_sensitive_acronyms: bool = True) -> str:
    ordered = sorted({str(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]{1,3}") for w in ordered) or "x^"


def compile_people_rules(people: dict) -> PeopleRules:
    """Build :class:`PeopleRules` from the ``people`` section of the rules."""
    titles = [str(t) for t in people["decision_maker_titles"]]
    return PeopleRules(
        decision_maker=re.compile(rf"(?<![\w-])(?:{_phrases(titles)})(?![\w-])", re.IGNORECASE),
        not_decision_maker=re.compile(
            rf"(?<![\w-])(?:{_phrases(people['not_decision_maker'])})(?![\w-])",
            re.IGNORECASE,
        ),
        automated_contains=tuple(str(w).lower() for w in people["automated_contains"]),
        automated_words=frozenset(str(w).lower() for w in people["automated_words"]),
        vendor_contact_words=frozenset(str(w).lower() for w in people["vendor_contact_words"]),
    )


def is_decision_maker(rules: PeopleRules, role: str | None) -> bool:
    """Whether a title makes its holder a decision-maker ('VP Marketing': yes;
    'Executive Assistant to the CEO': no)."""
    if not role:
        return False
    return bool(rules.decision_maker.search(role)) and not rules.not_decision_maker.search(role)


def relationship(rules: PeopleRules, address: str | None, role: str | None) -> str:
    """automated | decision_maker | vendor_contact | peer, in that order of precedence."""
    local = (address or "").partition("@")[0].lower()
    words = set(_LOCAL_WORDS.findall(local))
    if any(part in local for part in rules.automated_contains) or words & rules.automated_words:
        return "automated"
    if is_decision_maker(rules, role):
        return "decision_maker"
    if words & rules.vendor_contact_words:
        return "vendor_contact"
    return "peer"


def split_address(entry: str) -> tuple[str | None, str | None]:
    """``'Dana <dana@x.com>'`` -> ``('Dana', 'dana@x.com')``; a bare address has no name."""
    entry = entry.strip()
    angle = _ANGLE_ADDRESS.search(entry)
    if angle:
        name = squash(entry[: angle.start()]).strip("\"' ,") or None
        return name, angle.group(1).lower()
    bare = _BARE_ADDRESS.search(entry)
    if bare:
        return None, bare.group(0).strip(".").lower()
    return (squash(entry) or None), None


def _addresses(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[,;]", value[:65_536]) if part.strip()]
    return [str(v) for v in list(value)[: MAX_CC * 4] if v]


def find_people(
    rules: PeopleRules,
    message: MessageText,
    card: SignatureCard,
    my_addresses: frozenset[str] = frozenset(),
) -> list[Entity]:
    """The sender (with the signature's title), Reply-To and Cc people."""
    people: list[Entity] = []
    seen: set[str] = set()
    sender_address = (message.from_address or "").strip().lower() or None
    sender_name = squash(message.from_name or "") or None
    signed_by_sender = card.name is None or same_person(card.name, sender_name) or not sender_name
    if message.is_sent:
        # Your own message: you are not a contact, the people you wrote to are.
        if sender_address:
            seen.add(sender_address)
    elif sender_address or sender_name:
        role = card.title if signed_by_sender else None
        name = sender_name or (card.name if signed_by_sender else None) or sender_address
        context = f"From: {sender_name + ' ' if sender_name else ''}<{sender_address or ''}>"
        if role:
            context += f"; signature: {role}"
        people.append(
            Entity(
                entity_type="person",
                entity_value=name,
                entity_normalized=sender_address,
                role=role,
                relationship=relationship(rules, sender_address, role),
                context=context,
                source="header",
                confidence=1.0,
            )
        )
        if sender_address:
            seen.add(sender_address)
    if card.name and not signed_by_sender and not message.is_sent:
        # Someone else signed (an assistant sending for a manager): their own row.
        people.append(
            Entity(
                entity_type="person",
                entity_value=card.name,
                role=card.title,
                relationship="decision_maker" if is_decision_maker(rules, card.title) else "peer",
                context=f"signature: {card.name}" + (f", {card.title}" if card.title else ""),
                source="signature",
                confidence=0.85,
            )
        )
    recipients = _addresses(message.to_addresses) if message.is_sent else []
    for header, confidence, values in (
        ("To", 0.8, recipients),
        ("Reply-To", 0.8, _addresses(message.reply_to)),
        ("Cc", 0.7, _addresses(message.cc_addresses)),
    ):
        for entry in values:
            name, address = split_address(entry)
            if not address or address in seen or address in my_addresses:
                continue
            seen.add(address)
            people.append(
                Entity(
                    entity_type="person",
                    entity_value=name or address,
                    entity_normalized=address,
                    relationship=relationship(rules, address, None),
                    context=f"{header}: {name + ' ' if name else ''}<{address}>",
                    source="header",
                    confidence=confidence,
                )
            )
            if len(seen) >= MAX_CC:
                return people
    return people
