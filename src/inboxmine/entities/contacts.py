"""Phone numbers and web addresses, as written in signatures."""

from __future__ import annotations

import re

# A phone number: optional +country, optional (area), then 2-5 groups of
# digits split by one separator each. Bounded repetition, disjoint classes:
# linear on any input.
_PHONE = re.compile(
    r"(?<![\w+/.])(?P<phone>(?:\+\d{1,3}[\s.\-]{0,2})?(?:\(\d{1,5}\)[\s.\-]{0,2})?"
    r"\d{1,5}(?:[\s.\-]{1,2}\d{2,5}){1,5})(?![\w/])"
)
_PHONE_LABEL = re.compile(
    r"(?<![a-z])(?:tel|phone|mobile|mob|cell|office|direct|fax|main|ph|call|whatsapp|[tmpofd])"
    r"\.?\s{0,2}[:.]",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(
    r"^\d{4}[\s./\-]\d{1,2}[\s./\-]\d{1,2}$|^\d{1,2}[\s./\-]\d{1,2}[\s./\-]\d{4}$"
)
_URL = re.compile(r"(?i)(?<![\w@.])(?:https?://|www\.)[^\s<>\"'()\[\]{}|]{1,300}")
_TRAILING = ".,;:!?*"


def find_phones(line: str) -> list[tuple[str, str]]:
    """Phone numbers in one line: ``[(as written, normalised)]``.

    A number counts when it starts with ``+`` or ``(``, when the line labels
    it (``T:``, ``Mobile``), or when it has at least 10 digits; dates and
    short numbers are not phones.
    """
    labelled = _PHONE_LABEL.search(line) is not None
    found = []
    for match in _PHONE.finditer(line):
        text = match.group("phone").strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        if not 7 <= len(digits) <= 15 or _DATE_LIKE.match(text):
            continue
        if not (text.startswith(("+", "(")) or labelled or len(digits) >= 10):
            continue
        normalized = ("+" + digits) if text.startswith("+") else digits
        found.append((text, normalized))
    return found


def find_urls(line: str) -> list[tuple[str, str]]:
    """Web addresses in one line: ``[(as written, normalised)]`` where the
    normalised form has a lower-case scheme and host and no trailing slash."""
    found = []
    for match in _URL.finditer(line):
        text = match.group(0).rstrip(_TRAILING)
        if len(text) < 8:
            continue
        found.append((text, normalize_url(text)))
    return found


def normalize_url(url: str) -> str:
    """``WWW.Acme.com/Team/`` -> ``https://www.acme.com/Team``."""
    if url.lower().startswith("www."):
        url = "https://" + url
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    normalized = f"{scheme.lower()}://{host.lower()}"
    if slash and path.rstrip("/"):
        normalized += "/" + path.rstrip("/")
    return normalized
