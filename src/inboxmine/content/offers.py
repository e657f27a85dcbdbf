"""What a message offers (discount, free trial, webinar, ...), with the quote that says so.

Rules come from ``rules/offers.yaml``: word-boundary patterns per offer,
compiled once into a single pattern, so a message is scanned once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxmine.content.patterns import compile_groups, compile_words, folded, lowered
from inboxmine.content.text import quote_around

#: Most characters of a message scanned for offers.
MAX_OFFER_TEXT = 100_000
MAX_EVIDENCE_CHARS = 120
#: Characters around a hit searched for a phrase that cancels it.
EXCLUDE_CONTEXT = 120


@dataclass(frozen=True)
class OfferRules:
    """Compiled offer rules (picklable); ``order`` is the order of the rule file."""

    pattern: re.Pattern
    names: dict[str, str]
    order: tuple[str, ...]
    exclude: dict[str, re.Pattern]
    #: ``pattern`` for lower-cased text (much faster), when it allows that.
    folded: re.Pattern | None = None

    @classmethod
    def from_rules(cls, data: dict, source: str = "offers.yaml") -> OfferRules:
        offers = data["offers"]
        pattern, names = compile_groups(offers, source, "offers.*")
        exclude = {}
        for offer, fragments in data["exclude"].items():
            compiled = compile_words(fragments, source, f"exclude.{offer}")
            if compiled is not None:
                exclude[offer] = compiled
        return cls(
            pattern=pattern,
            names=names,
            order=tuple(offers),
            exclude=exclude,
            folded=folded(pattern),
        )


def detect_offers(text: str, rules: OfferRules) -> tuple[list[str], dict[str, str]]:
    """The offers found in ``text`` (in rule-file order) and a quote for each.

    The quote is the sentence (or line) around the first hit, at most 120
    characters, so a gem can cite it.
    """
    text = text[:MAX_OFFER_TEXT]
    evidence: dict[str, str] = {}
    low = lowered(text) if rules.folded is not None else None
    # Offsets of the lower-cased text are the text's own: quotes come from ``text``.
    matches = rules.folded.finditer(low) if low is not None else rules.pattern.finditer(text)
    for match in matches:
        offer = rules.names.get(match.lastgroup or "")
        if offer and offer not in evidence and not _excluded(text, match, rules.exclude.get(offer)):
            evidence[offer] = quote_around(text, match.start(), match.end(), MAX_EVIDENCE_CHARS)
            if len(evidence) == len(rules.order):
                break
    found = [offer for offer in rules.order if offer in evidence]
    return found, {offer: evidence[offer] for offer in found}


def _excluded(text: str, match: re.Match, exclude: re.Pattern | None) -> bool:
    """True when the hit lies inside a phrase that cancels it."""
    if exclude is None:
        return False
    start = max(0, match.start() - EXCLUDE_CONTEXT)
    for hit in exclude.finditer(text, start, match.end() + EXCLUDE_CONTEXT):
        if hit.start() <= match.start() and hit.end() >= match.end():
            return True
    return False
