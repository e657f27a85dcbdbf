"""Postal addresses (US, Canada, UK, Germany and the EU) in footers and signatures.

An address is a postcode in the format's shape plus a street on the same
line or one of the lines just before it; requiring both keeps years,
prices and phone numbers from passing for addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxmine.content.patterns import _check
from inboxmine.content.text import MAX_LINE_CHARS, one_line

#: Most characters of one part searched for an address, and of the address kept.
MAX_SEARCH_CHARS = 50_000
MAX_ADDRESS_CHARS = 200
MAX_POSTCODE_HITS = 20


@dataclass(frozen=True)
class AddressRules:
    """Compiled address formats (picklable): name -> (postcode, street)."""

    formats: tuple[tuple[str, re.Pattern, re.Pattern], ...]
    lines_before: int

    @classmethod
    def from_rules(cls, data: dict, source: str = "structure.yaml") -> AddressRules:
        section = data["address"]
        formats = []
        for name, spec in section["formats"].items():
            where = f"address.formats.{name}"
            postal = _check(spec["postal"], source, f"{where}.postal", 0)
            street = _check(spec["street"], source, f"{where}.street", 0)
            formats.append((name, re.compile(postal), re.compile(street)))
        return cls(formats=tuple(formats), lines_before=int(section["max_lines_before"]))


def find_address(text: str, rules: AddressRules) -> str | None:
    """The first postal address in ``text`` (its lines joined, <= 200 chars), or None."""
    text = text[:MAX_SEARCH_CHARS]
    if not text:
        return None
    best: tuple[int, str] | None = None
    for _name, postal, street in rules.formats:
        for count, match in enumerate(postal.finditer(text)):
            if count >= MAX_POSTCODE_HITS or (best is not None and match.start() > best[0]):
                break
            line_end = text.find("\n", match.end())
            line_end = len(text) if line_end == -1 else line_end
            window_start = _line_start(text, match.start(), rules.lines_before)
            window = text[window_start:line_end][: MAX_LINE_CHARS * (rules.lines_before + 1)]
            hit = street.search(window)
            if hit and (best is None or window_start < best[0]):
                address_start = window_start + window.rfind("\n", 0, hit.start()) + 1
                best = (address_start, one_line(text[address_start:line_end], MAX_ADDRESS_CHARS))
                break
    return best[1] if best else None


def _line_start(text: str, position: int, lines_before: int) -> int:
    """Start of the line ``lines_before`` lines above the one holding ``position``."""
    start = text.rfind("\n", 0, position) + 1
    for _ in range(lines_before):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def is_address_line(line: str, rules: AddressRules) -> bool:
    """True when one line holds a whole postal address (street and postcode)."""
    return find_address(line[:MAX_LINE_CHARS], rules) is not None
