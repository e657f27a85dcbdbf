"""Who a timeline is about: the addresses seen, merged into people, and
which messages are theirs (the I/O edge of :mod:`inboxmine.people.identity`).

A few queries whatever the mailbox size: the addresses of the sender (or
domain), those that wrote under the same full names, the user's sent mail
(who was written to), and the newest messages of those addresses for
announcements of a new address.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from inboxmine.db.rows import chunks
from inboxmine.db.search import like_literal
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.forensics.domains import clean_address, registered_domain
from inboxmine.people.identity import (
    AddressSeen,
    IdentityRules,
    Person,
    canonical_address,
    find_announcements,
    merge_people,
    name_key,
    person_of,
)

#: Most addresses or threads a timeline's gems are looked up by.
CHUNK = 500
#: Messages read for address announcements, per timeline.
MAX_ANNOUNCEMENT_MESSAGES = 300


@dataclass
class Subject:
    """The people of a timeline and how to find their messages."""

    people: list[Person]
    addresses: list[str]
    condition: object  # SQL: a message is from them
    sent_ids: list[int]  # the user's messages to them


def company_condition(domain: str):
    by_metadata = messages.c.id.in_(
        select(parsed_metadata.c.message_id).where(parsed_metadata.c.sender_domain == domain)
    )
    pattern = like_literal(domain)
    return or_(
        by_metadata,
        messages.c.from_address.like(f"%@{pattern}", escape="\\"),
        messages.c.from_address.like(f"%.{pattern}", escape="\\"),
    )


def _seen(conn, condition) -> dict[str, AddressSeen]:
    query = (
        select(messages.c.from_address, messages.c.from_name, func.count())
        .where(condition, messages.c.is_sent.is_(False), messages.c.from_address.is_not(None))
        .group_by(messages.c.from_address, messages.c.from_name)
    )
    found: dict[str, AddressSeen] = {}
    for address, name, n in conn.execute(query):
        item = found.setdefault(address, AddressSeen(address))
        item.messages += n
        if name:
            item.names[name] += n
    return found


def _written_to(conn) -> tuple[set[str], list[tuple[int, set[str]]]]:
    """Every address the user wrote to, and (message id, recipients) of each sent message."""
    query = select(messages.c.id, messages.c.to_addresses, messages.c.cc_addresses).where(
        messages.c.is_sent.is_(True)
    )
    everyone: set[str] = set()
    sent: list[tuple[int, set[str]]] = []
    for row_id, to, cc in conn.execute(query):
        recipients = {a for a in (clean_address(str(x)) for x in [*(to or []), *(cc or [])]) if a}
        everyone |= recipients
        sent.append((row_id, recipients))
    return everyone, sent


def _candidates(conn, seen: dict[str, AddressSeen], rules: IdentityRules) -> None:
    """Add the addresses that wrote under the same full names (a person who moved)."""
    names = sorted({n for s in seen.values() for n in s.names if name_key(n, rules)})
    for chunk in chunks(names):
        for address, item in _seen(conn, messages.c.from_name.in_(chunk)).items():
            seen.setdefault(address, item)


def _announcements(conn, seen: dict[str, AddressSeen], rules: IdentityRules) -> list:
    domains = {registered_domain(a.rsplit("@", 1)[1]) for a in seen}
    if len(domains) < 2:
        return []  # an announcement can only join addresses at two domains
    pairs = []
    query = (
        select(messages.c.from_address, messages.c.body_text)
        .where(messages.c.from_address.in_(sorted(seen)[:CHUNK]), messages.c.is_sent.is_(False))
        .order_by(messages.c.sent_at.desc())
        .limit(MAX_ANNOUNCEMENT_MESSAGES)
    )
    for address, body in conn.execute(query):
        pairs += [(address, new) for new in find_announcements(body, address, rules)]
    return pairs


def _people(conn, seen, rules, written):
    _candidates(conn, seen, rules)
    for address, item in seen.items():
        item.written_to = address in written
    return merge_people(seen.values(), rules, _announcements(conn, seen, rules))


def in_domain(address: str, domain: str) -> bool:
    host = address.rsplit("@", 1)[-1]
    return host == domain or host.endswith("." + domain)


def subject_of(conn, contact: str | None, domain: str | None, rules: IdentityRules) -> Subject:
    """The person behind ``contact`` (an address), or the people of ``domain``."""
    written, sent = _written_to(conn)
    if contact:
        local, _, host = contact.rpartition("@")
        base = canonical_address(contact, rules) or contact
        aliases = [a for g in rules.known_aliases if contact in g for a in g]
        # Its +tag forms, as written and in the canonical form (gmail.com without dots).
        plus = {
            f"{like_literal(part[: part.index('+', 1)] if '+' in part[1:] else part)}+%@{like_literal(at)}"
            for part, at in ((local, host), tuple(base.rsplit("@", 1)))
        }
        seen = _seen(
            conn,
            or_(
                messages.c.from_address.in_([contact, base, *aliases]),
                *(messages.c.from_address.like(p, escape="\\") for p in sorted(plus)),
            ),
        )
        seen.setdefault(contact, AddressSeen(contact))
    else:
        seen = _seen(conn, company_condition(domain))
    people = _people(conn, seen, rules, written)
    if contact:
        person = person_of(people, contact, rules)
        addresses = sorted(person.addresses) if person else [contact]
        people = [person] if person else []
        condition = messages.c.from_address.in_(addresses)
        wanted = set(addresses)
        sent_ids = [i for i, to in sent if to & wanted]
    else:
        people = [p for p in people if any(in_domain(a, domain) for a in p.addresses)]
        addresses = sorted({a for p in people for a in p.addresses if in_domain(a, domain)})
        condition = company_condition(domain)
        sent_ids = [i for i, to in sent if any(in_domain(a, domain) for a in to)]
    return Subject(people, addresses, condition, sent_ids)
