"""Read a signature block like a business card: name, title, company, phones, URLs.

Typical shapes::

    Best,                         Rachel Kim | Senior Procurement Manager | Orbital Retail
    Rachel Kim                    Head of Growth at Acme
    Senior Procurement Manager    VP, Sales - Acme Widgets, Inc.
    Orbital Retail Group          T: +1 206 555 0171
    +1 206 555 0171               www.acme.com

Only the first lines of a capped block are read, so a megabyte of blank
lines costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inboxmine.entities.base import (
    MAX_LINE_CHARS,
    MAX_SIGNATURE_CHARS,
    MAX_SIGNATURE_LINES,
    squash,
)
from inboxmine.entities.contacts import find_phones, find_urls

_DASHES = re.compile(r"^[\s\-_—–=*~]{2,}$")
# Separators inside one signature line.
_SPLIT = re.compile(r"\s[|·•/]\s|\s[-–—]\s|\s\|\s?|\s?\|\s")
_AT = re.compile(r"\s(?:at|@)\s", re.IGNORECASE)
_EMAIL = re.compile(r"[^\s@<>]{1,64}@[^\s@<>]{1,255}")
_NAME_WORD = re.compile(r"^[A-Z][A-Za-z'’.\-]{0,30}$|^(?:de|van|von|der|da|di|la|le|del|bin)$")
_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class SignatureRules:
    """Compiled people rules used to read a signature."""

    title_pattern: re.Pattern
    sign_offs: frozenset[str]


@dataclass
class SignatureCard:
    """What a signature block says about its writer."""

    name: str | None = None
    title: str | None = None
    company: str | None = None
    phones: list[tuple[str, str]] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)


def _word_alternation(words) -> str:
    ordered = sorted({str(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s{1,3}") for w in ordered) or "x^"


def compile_signature_rules(people: dict) -> SignatureRules:
    """Build :class:`SignatureRules` from the ``people`` section of the rules."""
    words = [str(w) for w in people["title_words"]]
    acronyms = [w for w in words if w.isupper()]
    others = [w for w in words if not w.isupper()]
    title_pattern = re.compile(
        rf"(?<![\w-])(?:{_word_alternation(acronyms)}|(?i:{_word_alternation(others)}))(?![\w-])"
    )
    sign_offs = frozenset(squash(str(s)).lower() for s in people["sign_offs"])
    return SignatureRules(title_pattern=title_pattern, sign_offs=sign_offs)


def signature_lines(block: str | None) -> list[str]:
    """The first non-blank lines of a signature block, trimmed and capped."""
    if not block:
        return []
    lines = []
    for raw in block[:MAX_SIGNATURE_CHARS].splitlines():
        line = squash(raw[:MAX_LINE_CHARS]).strip("*_>")
        line = line.strip()
        if not line or _DASHES.match(line):
            continue
        lines.append(line)
        if len(lines) >= MAX_SIGNATURE_LINES:
            break
    return lines


def looks_like_name(text: str) -> bool:
    """'Rachel Kim', 'Dr. Aisha Patel', 'Jan van der Berg': 2-5 capitalised words."""
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 5:
        return False
    return all(_NAME_WORD.match(w) for w in words) and words[0][0].isupper()


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two display names name the same person ('Kim, Rachel' = 'Rachel Kim')."""
    if not a or not b:
        return False
    words_a = {w for w in re.split(r"[\s,.]+", a.lower()) if len(w) > 1}
    words_b = {w for w in re.split(r"[\s,.]+", b.lower()) if len(w) > 1}
    if not words_a or not words_b:
        return False
    return words_a <= words_b or words_b <= words_a


def _is_contact_line(line: str) -> bool:
    return bool(find_phones(line) or find_urls(line) or _EMAIL.search(line))


def _looks_like_company(text: str) -> bool:
    if not text or len(text) > 80 or not _LETTER.search(text):
        return False
    if _EMAIL.search(text) or find_urls(text) or find_phones(text):
        return False
    first = text.lstrip("\"'(")[:1]
    return first.isupper() or first.isdigit()


def read_signature(
    rules: SignatureRules, block: str | None, sender_name: str | None = None
) -> SignatureCard:
    """The business card in a signature block (fields are None when absent)."""
    card = SignatureCard()
    lines = signature_lines(block)
    title_index: int | None = None
    name_index: int | None = None
    for index, line in enumerate(lines):
        card.phones.extend(find_phones(line))
        card.urls.extend(find_urls(line))
        if _is_contact_line(line):
            continue
        lowered = line.lower().rstrip(",.!-—– ")
        if lowered in rules.sign_offs:
            continue
        segments = [s.strip(" ,") for s in _SPLIT.split(line) if s.strip(" ,")]
        for position, segment in enumerate(segments):
            at = _AT.search(segment)
            if at and card.name is None and not rules.title_pattern.search(segment[: at.start()]):
                # "Tom at Acme", "Dana Ross @ Brightpath" in a sign-off.
                who, where = segment[: at.start()].strip(" ,"), segment[at.end() :].strip(" ,")
                if (same_person(who, sender_name) or looks_like_name(who)) and _looks_like_company(
                    where
                ):
                    card.name, name_index = who, index
                    card.company = card.company or where
                    continue
            is_sender = same_person(segment, sender_name)
            first_name_like = (
                name_index is None
                and title_index is None
                and looks_like_name(segment)
                and not rules.title_pattern.search(segment)
            )
            if card.name is None and (is_sender or first_name_like):
                card.name = segment
                name_index = index
                continue
            if card.title is None and rules.title_pattern.search(segment) and len(segment) <= 90:
                title, company = _split_title(rules, segment)
                if card.name is None and "," in title:
                    # "Rachel Kim, Senior Procurement Manager"
                    head, _, rest = title.partition(",")
                    if looks_like_name(head.strip()) or same_person(head, sender_name):
                        card.name, title = head.strip(), rest.strip()
                card.title = title
                title_index = index
                if company and card.company is None:
                    card.company = company
                continue
            # The company is the line after the title (or after the name when
            # there is no title), or what follows the title on its line.
            anchor = title_index if title_index is not None else name_index
            if (
                card.company is None
                and anchor is not None
                and (index == anchor and position > 0 or index == anchor + 1)
                and _looks_like_company(segment)
            ):
                card.company = segment
    return card


def _split_title(rules: SignatureRules, segment: str) -> tuple[str, str | None]:
    """'Head of Growth at Acme' -> ('Head of Growth', 'Acme');
    'Director, Acme Corp' -> ('Director', 'Acme Corp'); 'VP, Sales' stays."""
    at = _AT.search(segment)
    if at:
        company = segment[at.end() :].strip(" ,")
        if _looks_like_company(company):
            return segment[: at.start()].strip(" ,"), company
    if "," in segment:
        head, _, tail = segment.rpartition(",")
        tail = tail.strip()
        if (
            tail
            and not rules.title_pattern.search(tail)
            and _looks_like_company(tail)
            and rules.title_pattern.search(head)
        ):
            return head.strip(), tail
    return segment, None


#: Lines at the end of a body searched for a signature the content stage left in.
_TAIL_LINES = 8


def signature_in_body(body: str | None, sender_name: str | None) -> tuple[str | None, int]:
    """A signature left at the end of the body: ``(block, where it starts)``.

    When no sign-off line precedes it ("Michael Tran / Senior Broker / ..."),
    the content stage may leave the card in the body. It is found by the
    sender's own name on one of the last lines; ``(None, len(body))`` when
    there is none.
    """
    if not body or not sender_name:
        return None, len(body or "")
    tail_start = max(0, len(body) - 1_500)
    tail = body[tail_start:]
    lines = tail.splitlines(keepends=True)
    offsets = []
    position = tail_start
    for line in lines:
        offsets.append(position)
        position += len(line)
    candidates = [i for i, line in enumerate(lines) if line.strip()][-_TAIL_LINES:]
    for index in candidates:
        line = lines[index].strip()
        if len(line) <= 60 and same_person(line, sender_name) and looks_like_name(line):
            return body[offsets[index] :], offsets[index]
    return None, len(body)
