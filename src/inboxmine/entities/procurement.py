"""Procurement signals: RFPs, security reviews, contracts - a buyer buying.

Every term is matched as a whole word (``Slack`` is not an ``SLA``,
``pocket`` is not a ``POC``, ``sowing`` is not a ``SOW``) and acronyms are
matched case-sensitively (the verb "sow" is not a statement of work). The
terms, their keys and categories are data: rules/procurement.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from inboxmine.entities.base import Entity, context_window

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class ProcurementRules:
    """Compiled procurement rules: one pattern, and what each match means."""

    pattern: re.Pattern
    #: squeezed lower-case phrase (letters and digits only) -> signal key
    phrases: dict[str, str]
    #: acronym as written -> signal key
    acronyms: dict[str, str]
    categories: dict[str, str]
    #: keys that are also popular topics: weak evidence when named alone
    topics: frozenset[str] = frozenset()


def _squeeze(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


def _phrase_pattern(phrase: str) -> str:
    # A space or hyphen in a term matches a space, a hyphen, or nothing.
    pieces = [re.escape(piece) for piece in re.split(r"[\s\-]+", phrase.strip()) if piece]
    return r"[\s\-]{0,2}".join(pieces)


def compile_procurement_rules(config: dict) -> ProcurementRules:
    """Build :class:`ProcurementRules` from rules/procurement.yaml."""
    phrases: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    categories: dict[str, str] = {}
    topics: set[str] = set()
    for key, signal in config["signals"].items():
        categories[key] = str(signal["category"])
        # phrases, acronyms and topic are optional in a signal (rules/models/entities.py).
        if signal.get("topic"):
            topics.add(key)
        for phrase in signal.get("phrases") or []:
            phrases.setdefault(_squeeze(str(phrase)), key)
        for acronym in signal.get("acronyms") or []:
            acronyms.setdefault(str(acronym), key)
    phrase_texts = sorted(
        {str(p) for s in config["signals"].values() for p in s.get("phrases") or []},
        key=len,
        reverse=True,
    )
    parts = []
    if phrase_texts:
        parts.append("(?i:" + "|".join(_phrase_pattern(p) for p in phrase_texts) + ")")
    if acronyms:
        ordered = sorted(acronyms, key=len, reverse=True)
        parts.append("(?:" + "|".join(re.escape(a) for a in ordered) + ")s?")
    body = "|".join(parts) or "x^"
    pattern = re.compile(rf"(?<![\w/-])(?:{body})(?![\w-])")
    return ProcurementRules(
        pattern=pattern,
        phrases=phrases,
        acronyms=acronyms,
        categories=categories,
        topics=frozenset(topics),
    )


def signal_key(rules: ProcurementRules, matched: str) -> str | None:
    """The signal key of a matched term (``"SOC-2"`` -> ``soc2``)."""
    if matched in rules.acronyms:
        return rules.acronyms[matched]
    if matched.endswith("s") and matched[:-1] in rules.acronyms:
        return rules.acronyms[matched[:-1]]
    return rules.phrases.get(_squeeze(matched))


def find_procurement(rules: ProcurementRules, text: str | None, source: str) -> Iterator[Entity]:
    """One entity per procurement signal found in ``text`` (its first mention)."""
    if not text:
        return
    seen: set[str] = set()
    for match in rules.pattern.finditer(text):
        key = signal_key(rules, match.group(0))
        if key is None or key in seen:
            continue
        seen.add(key)
        yield Entity(
            entity_type="procurement_signal",
            entity_value=match.group(0),
            entity_normalized=key,
            category=rules.categories.get(key, "other"),
            context=context_window(text, match.start(), match.end()),
            source=source,
            confidence=SIGNAL_CONFIDENCE,
        )
        if len(seen) >= len(rules.categories):
            return


#: Confidence of a signal found on its own, of a topic standard named alone.
SIGNAL_CONFIDENCE = 0.8
TOPIC_ALONE_CONFIDENCE = 0.5
#: Confidence of any signal in bulk mail (newsletters, promotions).
BULK_CONFIDENCE = 0.4


def weigh_signals(rules: ProcurementRules, signals: list[Entity], bulk: bool) -> list[Entity]:
    """Set each signal's confidence from what else the message holds.

    A standard that is also a topic ("SOC 2 on a budget") is a buying signal
    only next to another signal; anything in bulk mail is a topic at most.
    """
    keys = {s.entity_normalized for s in signals}
    only_topics = keys <= rules.topics
    for signal in signals:
        if bulk:
            signal.confidence = BULK_CONFIDENCE
        elif only_topics:
            signal.confidence = TOPIC_ALONE_CONFIDENCE
        else:
            signal.confidence = SIGNAL_CONFIDENCE
    return signals
