"""Personalization: ESP merge tags left in the text, and the recipient's name filled in.

A merge tag (``*|FNAME|*``, ``{{ first_name }}``, ``%%FirstName%%`` ...) in a
received message is a template that was meant to be personalised (and
leaked). Filled-in personalization is the recipient's own name in the
greeting ("Hi Alex,", "Alex,") or in the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxmine.content.patterns import _check, compile_groups

# Local parts that name a role, not a person.
_ROLE_ADDRESSES = frozenset(
    [
        "info",
        "hello",
        "hi",
        "contact",
        "admin",
        "office",
        "sales",
        "support",
        "team",
        "mail",
        "me",
        "billing",
        "accounts",
        "noreply",
    ]
)
#: Greeting looked for in the first lines of the message's own text.
GREETING_LINES = 4
MAX_TOKENS = 20
MAX_SCAN_CHARS = 100_000


@dataclass(frozen=True)
class PersonalizationRules:
    """Compiled personalization rules (picklable)."""

    merge_tags: re.Pattern
    merge_names: dict[str, str]
    greeting: re.Pattern | None
    generic_names: frozenset[str]

    @classmethod
    def from_rules(cls, data: dict, source: str = "structure.yaml") -> PersonalizationRules:
        section = data["personalization"]
        tags = {name: [pattern] for name, pattern in section["merge_tags"].items()}
        # Merge tags are case-sensitive (``%%FirstName%%`` but not "50%% off");
        # their own (?i) switches case off where a syntax allows any case.
        merge_tags, names = compile_groups(
            tags, source, "personalization.merge_tags.*", flags=0, whole=False
        )
        greeting = section["greeting"]
        return cls(
            merge_tags=merge_tags,
            merge_names=names,
            greeting=re.compile(
                _check(greeting, source, "personalization.greeting", re.IGNORECASE), re.IGNORECASE
            )
            if greeting
            else None,
            generic_names=frozenset(str(n).lower() for n in section["generic_names"]),
        )


def recipient_first_names(names: list[str], addresses: list[str] = ()) -> set[str]:
    """Lower-case first names from display names ("Alex Morgan", "Morgan, Alex")
    and from addresses whose local part starts with a name ("alex.morgan@")."""
    found = set()
    for address in addresses:
        local = (address or "").split("@", 1)[0].lower()
        first = re.split(r"[._+-]", local, maxsplit=1)[0]
        if len(first) > 1 and first.isalpha() and first not in _ROLE_ADDRESSES:
            found.add(first)
    for name in names:
        name = (name or "").strip().strip("\"'")
        if not name or "@" in name:
            continue
        if "," in name:  # "Last, First"
            name = name.split(",", 1)[1]
        words = name.split()
        if words and len(words[0]) > 1:
            found.add(words[0].lower())
    return found


def find_personalization(
    subject: str, body: str, recipient_names: set[str], rules: PersonalizationRules
) -> list[str]:
    """Personalization tokens of a message, in order found.

    Merge tags are returned as written (``*|FNAME|*``); filled-in names as
    ``first_name:<Name>`` (greeting) or ``subject:<Name>`` (subject).
    """
    tokens: list[str] = []
    for text in (subject or "", body[:MAX_SCAN_CHARS]):
        for match in rules.merge_tags.finditer(text):
            token = match.group(0)[:80]
            if token not in tokens:
                tokens.append(token)
            if len(tokens) >= MAX_TOKENS:
                return tokens
    name = _greeted_name(body, recipient_names, rules)
    if name:
        tokens.append(f"first_name:{name}")
    for word in re.findall(r"[^\W\d_][\w'-]{1,30}", (subject or "")[:500]):
        if word.lower() in recipient_names:
            tokens.append(f"subject:{word}")
            break
    return tokens


def _greeted_name(body: str, recipient_names: set[str], rules: PersonalizationRules) -> str | None:
    """The recipient's name in the greeting, if the message greets them by name."""
    lines = [line for line in body[:2000].split("\n")[: GREETING_LINES * 3] if line.strip()][
        :GREETING_LINES
    ]
    for line in lines:
        candidate = None
        match = rules.greeting.match(line) if rules.greeting else None
        if match:
            candidate = match.group("name")
        else:
            # A bare name as the greeting: "Alex," or "Alex -".
            bare = re.match(r"([^\W\d_][\w'-]{1,30})\s?[,:!-]", line)
            if bare and bare.group(1).lower() in recipient_names:
                candidate = bare.group(1)
        if not candidate or candidate.lower() in rules.generic_names:
            continue
        if recipient_names:
            if candidate.lower() in recipient_names:
                return candidate
        elif candidate[0].isupper():
            # Recipient unknown: a capitalised name after a greeting is still
            # a name the sender filled in.
            return candidate
    return None
