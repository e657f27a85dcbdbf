"""Phrases and the evidence they leave: which message, which words.

Rule phrases are literal words from YAML, never user-written regular
expressions: each becomes an escaped, whole-word pattern (``<n>`` stands for
a number), so matching is linear in the text and a crafted email cannot make
it backtrack. Quotes are short windows around the match, cut at sentence
boundaries, so a gem shows the words that triggered it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from inboxmine.opportunities.facts import MAX_TEXT_CHARS, MessageFacts

QUOTE_WIDTH = 140
_NUMBER = r"\d[\d,.]{0,12}"
_SENTENCE_END = re.compile(r"[.!?\n]")


@dataclass(slots=True)
class Evidence:
    """Where a signal was seen: the message (``messages.id``) and the quoted text."""

    message_id: int
    quote: str
    field: str = "body"
    sent_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Signal:
    """One reason behind a gem, with its evidence."""

    signal: str
    detail: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    points: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"signal": self.signal, "detail": self.detail}
        data["evidence"] = [e.to_dict() for e in self.evidence]
        if self.points is not None:
            data["points"] = self.points
        return data


def _phrase_regex(phrase: str) -> str:
    parts = [re.escape(p) for p in phrase.strip().split("<n>")]
    body = _NUMBER.join(parts)
    body = body.replace(r"\ ", r"\s+")
    if phrase[:1].isalnum():
        body = r"\b" + body
    if phrase[-1:].isalnum() or phrase.endswith("<n>"):
        body += r"\b"
    return body


@lru_cache(maxsize=256)
def compile_phrases(phrases: tuple[str, ...]) -> re.Pattern | None:
    """One case-insensitive pattern matching any phrase (longest first); None if empty."""
    cleaned = sorted({p for p in phrases if p and p.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile("|".join(f"(?:{_phrase_regex(p)})" for p in cleaned), re.IGNORECASE)


def phrases(items: Any) -> re.Pattern | None:
    """Compile a YAML list (or mapping's keys) of phrases."""
    if isinstance(items, dict):
        items = list(items)
    return compile_phrases(tuple(str(i) for i in items or ()))


def quote_around(text: str, start: int, end: int, width: int = QUOTE_WIDTH) -> str:
    """The sentence around ``text[start:end]``, at most about ``width`` characters each side."""
    left_bound = max(0, start - width)
    left = start
    for match in _SENTENCE_END.finditer(text, left_bound, start):
        left = match.end()
    if left == start:
        left = left_bound
    right_match = _SENTENCE_END.search(text, end, min(len(text), end + width))
    right = right_match.end() if right_match else min(len(text), end + width)
    quote = " ".join(text[left:right].split())
    if left > 0 and left == left_bound:
        quote = "..." + quote
    if right < len(text) and not right_match:
        quote += "..."
    return quote


def message_fields(message: MessageFacts) -> list[tuple[str, str]]:
    """The texts of a message rules look at, bounded."""
    fields = [("subject", message.subject or "")]
    if message.headline:
        fields.append(("headline", message.headline[:500]))
    if message.cta_texts:
        fields.append(("cta", " | ".join(str(c) for c in message.cta_texts[:20])[:1000]))
    fields.append(("body", (message.text or "")[:MAX_TEXT_CHARS]))
    return fields


def find_in_message(
    pattern: re.Pattern | None, message: MessageFacts, fields: tuple[str, ...] | None = None
) -> tuple[str, Evidence] | None:
    """The first phrase of ``pattern`` in the message and its evidence, or None."""
    if pattern is None:
        return None
    for name, text in message_fields(message):
        if fields and name not in fields:
            continue
        match = pattern.search(text)
        if match:
            return match.group(0).lower(), evidence_for(
                message, text, match.start(), match.end(), name
            )
    return None


def find_all_in_message(pattern: re.Pattern | None, message: MessageFacts) -> dict[str, Evidence]:
    """Every distinct phrase of ``pattern`` in the message, each with its first evidence."""
    found: dict[str, Evidence] = {}
    if pattern is None:
        return found
    for name, text in message_fields(message):
        for match in pattern.finditer(text):
            key = " ".join(match.group(0).lower().split())
            if key not in found:
                found[key] = evidence_for(message, text, match.start(), match.end(), name)
    return found


def evidence_for(message: MessageFacts, text: str, start: int, end: int, field: str) -> Evidence:
    return Evidence(
        message_id=message.id,
        quote=quote_around(text, start, end) if field == "body" else " ".join(text.split())[:300],
        field=field,
        sent_at=message.sent_at.isoformat() if message.sent_at else None,
    )


def message_evidence(message: MessageFacts, quote: str | None = None) -> Evidence:
    """Evidence pointing at a whole message (its subject when no quote is given)."""
    return Evidence(
        message_id=message.id,
        quote=" ".join((quote or message.subject or "").split())[:300],
        field="subject" if quote is None else "body",
        sent_at=message.sent_at.isoformat() if message.sent_at else None,
    )
