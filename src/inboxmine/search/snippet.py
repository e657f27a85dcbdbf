"""A result's snippet: the part of the body around the first match (pure).

Returned as parts ``(text, is_match)`` so every renderer escapes the text
itself (a Jinja template, a Rich ``Text``, JSON) and marks the matches -
message text never becomes markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from inboxmine.search.document import lexemes
from inboxmine.search.query import Text

#: Characters of body text scanned for a match (the index holds up to 100k).
MAX_SCAN_CHARS = 100_000


def match_pattern(terms: Iterable[Text]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for every word and phrase of ``terms``."""
    alternatives = []
    for term in terms:
        words = lexemes(term.text)
        if not words:
            continue
        body = r"[\W_]+".join(re.escape(w) for w in words)
        tail = r"\w*" if term.prefix else r"(?!\w)"
        alternatives.append(rf"(?<!\w){body}{tail}")
    if not alternatives:
        return None
    # Longest first, so a phrase wins over one of its words.
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE | re.UNICODE)


def make_snippet(
    text: str | None, terms: Iterable[Text], width: int = 180
) -> list[tuple[str, bool]]:
    """The parts of ``text`` around its first match of ``terms``, at most
    ``width`` characters (plus an ellipsis at a cut end)."""
    if not text:
        return []
    flat = " ".join(text[:MAX_SCAN_CHARS].split())
    pattern = match_pattern(terms)
    found = pattern.search(flat) if pattern else None
    if found is None:
        start = 0
    else:
        start = max(0, found.start() - width // 3)
        if start:
            space = flat.find(" ", start)
            start = space + 1 if 0 <= space < found.start() else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > (found.end() if found else start) else end
    window = flat[start:end]
    parts: list[tuple[str, bool]] = []
    if start > 0:
        parts.append(("… ", False))
    position = 0
    for match in pattern.finditer(window) if pattern else ():
        if match.start() > position:
            parts.append((window[position : match.start()], False))
        parts.append((match.group(0), True))
        position = match.end()
    if position < len(window):
        parts.append((window[position:], False))
    if end < len(flat):
        parts.append((" …", False))
    return parts


def plain(parts: list[tuple[str, bool]]) -> str:
    """The snippet as plain text."""
    return "".join(text for text, _ in parts)
