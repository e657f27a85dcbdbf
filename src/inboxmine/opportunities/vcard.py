"""Contacts as vCard 4.0 (RFC 6350): one card per person, text values escaped.

Mail supplies every value, so each is escaped as RFC 6350 section 3.4 says
(backslash, comma, semicolon, newline) and lines are folded at 75 octets
(section 3.2) without splitting a UTF-8 character. :func:`parse` reads the
cards back (enough for round trips and tests, not a general vCard reader).
"""

from __future__ import annotations

import re
from typing import Any

from inboxmine.opportunities.crm import split_name


def escape(value: Any) -> str:
    """A TEXT value: ``\\``, ``,``, ``;`` and newlines escaped; other controls dropped."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def fold(line: str) -> str:
    """Fold a content line at 75 octets: CRLF then one space (RFC 6350 3.2)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74  # continuation lines start with a space
        if len(current) + len(encoded) > limit:
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def card(contact: dict[str, Any]) -> str:
    """One vCard of a contact ``{id, name, email, role, company_name}``."""
    first, last = split_name(contact.get("name"))
    display = contact.get("name") or contact.get("email") or ""
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:urn:inboxmine:{escape(contact['id'])}",
        f"FN:{escape(display)}",
        f"N:{escape(last)};{escape(first)};;;",
    ]
    if contact.get("email"):
        lines.append(f"EMAIL;TYPE=work:{escape(contact['email'])}")
    if contact.get("company_name"):
        lines.append(f"ORG:{escape(contact['company_name'])}")
    if contact.get("role"):
        lines.append(f"TITLE:{escape(contact['role'])}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def cards(contacts: list[dict[str, Any]]) -> str:
    return "".join(card(c) for c in contacts)


def _unescape(value: str) -> str:
    return _split(value, None)[0]


def _split(value: str, sep: str | None) -> list[str]:
    """Unescape ``value`` and split it on ``sep`` where ``sep`` is not escaped."""
    parts, current, chars = [], [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            current.append("\n" if nxt in "nN" and nxt else nxt)
        elif sep is not None and char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse(text: str) -> list[dict[str, Any]]:
    """The cards in ``text`` as ``{PROPERTY: value}`` (N as a list of its parts)."""
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    found, current = [], None
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        name, _, value = line.partition(":")
        prop = name.split(";", 1)[0].upper()
        if prop == "BEGIN":
            current = {}
        elif prop == "END":
            found.append(current)
            current = None
        elif current is not None:
            current[prop] = _split(value, ";") if prop == "N" else _unescape(value)
    return found
