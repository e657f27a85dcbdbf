"""Which addresses are one person, and why (pure: plain data in, people out).

Merged, in order of certainty:

1. **case and plus-addressing**: ``Ann+News@X.com`` is ``ann@x.com``; a
   domain alias (googlemail.com) and Gmail's ignored dots too;
2. **known aliases**: lists the user wrote in ``identity.yaml``;
3. **same full name at the same company domain** (``Ann Lee <ann@acme.com>``
   and ``Ann Lee <a.lee@acme.com>``); never at a free-mail domain, where two
   people share a name easily;
4. **a person who moved**: the same full name at two domains *and* either
   the user wrote to both addresses, or one address announced the other as
   its new address.

A one-word name ("John") or a function ("Support Team") never merges
anything: two Johns at two companies stay two people. Every merge keeps the
sentence that explains it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from inboxmine.forensics.domains import clean_address, registered_domain

_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}")
#: How far after an announcement phrase the new address may be.
ANNOUNCE_WINDOW = 160


@dataclass(frozen=True)
class IdentityRules:
    domain_aliases: dict = field(default_factory=dict)
    dotless_domains: frozenset[str] = frozenset()
    known_aliases: tuple[tuple[str, ...], ...] = ()
    role_words: frozenset[str] = frozenset()
    announcement: re.Pattern | None = None
    freemail: frozenset[str] = frozenset()


def identity_rules(rules_dir=None) -> IdentityRules:
    """identity.yaml (with the user's additions) and the free-mail list."""
    return _rules(str(rules_dir) if rules_dir else None)


@lru_cache(maxsize=8)
def _rules(rules_dir: str | None) -> IdentityRules:
    from inboxmine.forensics.domains import identity_rules as sender_rules
    from inboxmine.rules.loader import load_rules

    data = load_rules("identity.yaml", rules_dir)
    phrases = [str(p) for p in data["announcement_phrases"]]
    return IdentityRules(
        domain_aliases={str(k).lower(): str(v).lower() for k, v in data["domain_aliases"].items()},
        dotless_domains=frozenset(str(d).lower() for d in data["dotless_domains"]),
        known_aliases=tuple(
            tuple(a for a in (clean_address(str(x)) for x in group) if a)
            for group in data["known_aliases"]
        ),
        role_words=frozenset(str(w).lower() for w in data["role_words"]),
        announcement=re.compile("|".join(f"(?:{p})" for p in phrases), re.I) if phrases else None,
        freemail=sender_rules(rules_dir).freemail,
    )


def canonical_address(address: str | None, rules: IdentityRules) -> str | None:
    """The one form of an address: lower case, no ``+tag``, aliased domain,
    no dots where the provider ignores them. None when it is no address."""
    address = clean_address(address)
    if not address:
        return None
    local, _, domain = address.rpartition("@")
    domain = rules.domain_aliases.get(domain, domain)
    if "+" in local[1:]:
        local = local[: local.index("+", 1)]
    if domain in rules.dotless_domains:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else None


def name_key(name: str | None, rules: IdentityRules) -> str | None:
    """A display name reduced for comparison (``"Lee, Ann"`` -> ``"ann lee"``);
    None unless it is a full personal name (two words or more, no function
    word, no address)."""
    if not name or "@" in name:
        return None
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    if text.count(",") == 1:  # "Lee, Ann"
        last, first = text.split(",")
        text = f"{first} {last}"
    words = re.findall(r"[a-z]+(?:['-][a-z]+)*", text)
    words = [w for w in words if len(w) > 1 or len(words) > 2]
    if len(words) < 2 or any(w in rules.role_words for w in words):
        return None
    return " ".join(words)


@dataclass
class AddressSeen:
    """What the mailbox shows about one address."""

    address: str
    names: Counter = field(default_factory=Counter)  # display name -> messages
    messages: int = 0  # messages from it
    written_to: bool = False  # the user sent mail to it


@dataclass
class Person:
    key: str  # the canonical form of the person's busiest address
    name: str | None
    addresses: list[str]
    messages: int
    reasons: list[str]

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "addresses": self.addresses,
            "messages": self.messages,
            "merged_because": self.reasons,
        }


def find_announcements(text: str | None, sender: str, rules: IdentityRules) -> list[str]:
    """Addresses that ``sender``'s message announces as a new address."""
    if not text or rules.announcement is None:
        return []
    own = canonical_address(sender, rules)
    found: list[str] = []
    for match in rules.announcement.finditer(text[:20_000]):
        window = text[match.end() : match.end() + ANNOUNCE_WINDOW]
        window = re.split(r"(?<=[.!?])\s|\n\s*\n", window, maxsplit=1)[0]
        for candidate in _ADDRESS.findall(window):
            address = clean_address(candidate.rstrip("."))
            if address and canonical_address(address, rules) != own and address not in found:
                found.append(address)
    return found


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[rb] = ra
        return True


def merge_people(
    seen: Iterable[AddressSeen],
    rules: IdentityRules,
    announcements: Iterable[tuple[str, str]] = (),
) -> list[Person]:
    """The people behind ``seen`` addresses, busiest first.

    ``announcements``: (address, address it announced as new) pairs, from
    :func:`find_announcements` over the addresses' own messages.
    """
    by_address: dict[str, AddressSeen] = {}
    for item in seen:
        address = clean_address(item.address)
        if not address:
            continue
        known = by_address.setdefault(address, AddressSeen(address))
        known.names.update(item.names)
        known.messages += item.messages
        known.written_to |= item.written_to
    union = _Union()
    reasons: dict[str, list[str]] = {}

    def join(a: str, b: str, why: str) -> None:
        if union.join(a, b):
            reasons.setdefault(a, []).append(why)

    by_canon: dict[str, list[str]] = {}
    for address in sorted(by_address):
        union.find(address)
        by_canon.setdefault(canonical_address(address, rules) or address, []).append(address)
    for key, group in by_canon.items():
        for address in group[1:]:
            union.join(group[0], address)
        if len(group) > 1:
            others = [a for a in group if a != key]
            verb = "is" if len(others) == 1 else "are"
            reasons.setdefault(group[0], []).append(
                f"{_few(others)} {verb} {key} (case, +tag or domain alias)"
            )
    for group in rules.known_aliases:
        present = [a for a in group if a in by_address]
        for address in present[1:]:
            join(present[0], address, f"{present[0]} and {address} are listed in known_aliases")
    keys = {a: _names(s, rules) for a, s in by_address.items()}
    by_name: dict[str, list[str]] = {}
    for address in sorted(by_address):
        for key in keys[address]:
            by_name.setdefault(key, []).append(address)
    for key, addresses in by_name.items():
        _merge_same_name(key, addresses, by_address, rules, join)
    for old, new in announcements:
        old, new = clean_address(old), clean_address(new)
        if old in by_address and new in by_address:
            if keys[new] and keys[old] and not keys[new] & keys[old]:
                continue  # announced for someone else (a colleague, an assistant)
            join(old, new, f"{old} announced {new} as a new address")
    return _people(by_address, union, reasons, rules)


def _few(items: list[str], shown: int = 3) -> str:
    text = ", ".join(items[:shown])
    return text + (f" and {len(items) - shown} more" if len(items) > shown else "")


def _names(seen: AddressSeen, rules: IdentityRules) -> set[str]:
    return {k for k in (name_key(n, rules) for n in seen.names) if k}


def _merge_same_name(key, addresses, by_address, rules, join) -> None:
    domains: dict[str, list[str]] = {}
    for address in addresses:
        domains.setdefault(registered_domain(address.rsplit("@", 1)[1]) or "", []).append(address)
    for domain, group in domains.items():
        if domain and domain not in rules.freemail:
            for address in group[1:]:
                join(group[0], address, f"same name {key!r} at {domain}")
    written = [a for a in addresses if by_address[a].written_to]
    for address in written[1:]:
        join(
            written[0],
            address,
            f"same name {key!r} at two addresses and you wrote to both "
            f"({written[0]}, {address}): moved company or a second address",
        )


def _people(by_address, union, reasons, rules) -> list[Person]:
    groups: dict[str, list[str]] = {}
    for address in by_address:
        groups.setdefault(union.find(address), []).append(address)
    people = []
    for members in groups.values():
        members.sort(key=lambda a: (-by_address[a].messages, a))
        names: Counter = Counter()
        for address in members:
            names.update(by_address[address].names)
        why = [r for m in members for r in reasons.get(m, [])]
        people.append(
            Person(
                key=canonical_address(members[0], rules) or members[0],
                name=names.most_common(1)[0][0] if names else None,
                addresses=members,
                messages=sum(by_address[a].messages for a in members),
                reasons=why,
            )
        )
    people.sort(key=lambda p: (-p.messages, p.key))
    return people


def person_of(people: Iterable[Person], address: str, rules: IdentityRules) -> Person | None:
    """The person one of whose addresses is ``address`` (in any of its forms)."""
    wanted = canonical_address(address, rules)
    for person in people:
        if any(canonical_address(a, rules) == wanted for a in person.addresses):
            return person
    return None
