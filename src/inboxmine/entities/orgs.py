"""Organizations: the company line of a signature ("Head of Growth at Acme")
and names ending in a legal suffix ("Acme Widgets, Inc.", "Müller GmbH").

Suffixes are found first with one plain pattern; the name is then read
backwards over at most a few words before it - no pattern ever spans an
unbounded run of text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from inboxmine.entities.base import Entity, context_window, squash

_MAX_NAME_WORDS = 5
_LOOKBACK = 80
_CONNECTORS = frozenset({"&", "and", "of", "de", "du", "der", "von", "van", "+"})
_KEY_JUNK = re.compile(r"[^\w&+]+")


@dataclass(frozen=True)
class OrgRules:
    """Compiled organization rules (see ``orgs`` in rules/entities.yaml)."""

    suffix_pattern: re.Pattern
    suffixes: tuple[str, ...]
    stop_words: frozenset[str]
    max_per_message: int


def compile_org_rules(config: dict) -> OrgRules:
    """Build :class:`OrgRules` from the ``orgs`` section of the rules."""
    suffixes = tuple(sorted({str(s) for s in config["legal_suffixes"]}, key=len, reverse=True))
    alternation = "|".join(re.escape(s).replace(r"\ ", r"\s") for s in suffixes) or "x^"
    # ",? Suffix" not followed by a letter (a trailing dot is part of "Inc.").
    suffix_pattern = re.compile(rf",?\s(?P<suffix>{alternation})(?![\w&])")
    return OrgRules(
        suffix_pattern=suffix_pattern,
        suffixes=suffixes,
        stop_words=frozenset(str(w).lower() for w in config["stop_words"]),
        max_per_message=int(config["max_per_message"]),
    )


def org_key(name: str, rules: OrgRules | None = None) -> str:
    """A comparable key: lower case, no legal suffix, no punctuation
    ('Acme Widgets, Inc.' -> 'acme widgets')."""
    text = name.strip()
    if rules is not None:
        for suffix in rules.suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
    return squash(_KEY_JUNK.sub(" ", text.lower()))


def _name_before(rules: OrgRules, text: str, end: int) -> tuple[int, str] | None:
    """The capitalised words that end at ``end`` (the start of a suffix)."""
    start_limit = max(0, end - _LOOKBACK)
    words = text[start_limit:end].split(" ")
    if start_limit > 0 and words:
        words = words[1:]  # the first piece may be a cut word
    kept: list[str] = []
    for word in reversed(words):
        if "\n" in word or "\r" in word:
            word = re.split(r"[\r\n]", word)[-1]
            if word and word[0].isupper() and word.lower() not in rules.stop_words:
                kept.append(word)
            break
        if not word:
            if kept:
                break
            continue
        bare = word.strip("\"'(),.:;")
        if not bare:
            break
        if bare.lower() in _CONNECTORS and kept:
            kept.append(bare)
            continue
        if bare.lower() in rules.stop_words or bare.isdigit():
            break
        if not (bare[0].isupper() or (bare[0].isdigit() and any(c.isalpha() for c in bare))):
            break
        kept.append(word.lstrip("\"'(").rstrip(",:;\"')"))
        if len(kept) >= _MAX_NAME_WORDS:
            break
    while kept and kept[-1].lower() in _CONNECTORS:
        kept.pop()
    if not kept:
        return None
    name = " ".join(reversed(kept))
    return text.rfind(name, start_limit, end), name


def find_legal_names(rules: OrgRules, text: str | None, source: str) -> Iterator[Entity]:
    """Company names ending in a legal suffix, once each."""
    if not text:
        return
    seen: set[str] = set()
    for match in rules.suffix_pattern.finditer(text):
        found = _name_before(rules, text, match.start())
        if found is None:
            continue
        start, name = found
        full = squash(f"{name}{text[match.start() : match.end()]}")
        key = org_key(name)
        if not key or key in seen:
            continue
        seen.add(key)
        yield Entity(
            entity_type="organization",
            entity_value=full,
            entity_normalized=key,
            context=context_window(text, max(start, 0), match.end()),
            source=source,
            confidence=0.75,
        )
        if len(seen) >= rules.max_per_message:
            return


def signature_org(rules: OrgRules, company: str | None) -> Entity | None:
    """The company line of a signature as an organization."""
    if not company:
        return None
    key = org_key(company, rules)
    if not key:
        return None
    return Entity(
        entity_type="organization",
        entity_value=company,
        entity_normalized=key,
        context=f"signature: {company}",
        source="signature",
        confidence=0.85,
    )
