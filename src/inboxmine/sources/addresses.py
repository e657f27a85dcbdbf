"""Addresses recovered from address headers the way mail clients read them.

A fifth of the From headers in real spam break RFC 5322: unquoted commas in
display names (``Smith, John <john@x.com>``), missing or doubled angle
brackets, encoded words hiding commas, trailing junk. A strict parser loses
the sender, and a message without a sender is lost to every later stage, so
this parser is deliberately forgiving: an entry is whatever lies between
separators *and contains an @*; a piece without one is part of the next
entry's display name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inboxmine.sources.headers import decode_words

#: Longest address header value looked at (a 1 MB To: line is cut first).
MAX_ADDRESS_HEADER = 65_536
#: Most addresses kept from one header.
MAX_ADDRESSES = 1_000

# Characters that cannot appear in an unquoted address.
_ATOM = r"[^\s<>()\[\],;:\"'\\@]"
# One run of atom characters (dots included, at most 256 before the "@" so
# that a long name without one costs linear time) on each side of the "@": a
# dotted form such as ``X+(?:\.X+)*`` is ambiguous when X takes dots too, and
# backtracks exponentially on a long dotted name with no "@". The domain may
# be an address literal (``user@[192.0.2.7]``), as spam often sends.
_ADDRESS = re.compile(rf"{_ATOM}{{1,256}}@(?:\[(?:IPv6:)?[0-9A-Fa-f:.]{{2,45}}\]|{_ATOM}+)")
_ANGLE = re.compile(r"<([^<>]*)>")
_COMMENT = re.compile(r"\(([^()]*)\)")
_QUOTED_LOCAL = re.compile(r'"([^"@<>]{1,64})"@([A-Za-z0-9.\-\[\]]+)')


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: ``address`` lower-cased (None when none could be found)."""

    address: str | None
    name: str | None = None


def _split_top_level(text: str) -> list[str]:
    """Split on commas/semicolons outside quotes, angle brackets and comments."""
    pieces: list[str] = []
    current: list[str] = []
    in_quote = False
    angle = 0
    paren = 0
    escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            current.append(ch)
            continue
        if in_quote:
            if ch == '"':
                in_quote = False
            current.append(ch)
            continue
        if ch == '"':
            in_quote = True
        elif ch == "<":
            angle += 1
        elif ch == ">":
            angle = max(0, angle - 1)
        elif ch == "(":
            paren += 1
        elif ch == ")":
            paren = max(0, paren - 1)
        elif ch in ",;" and angle == 0 and paren == 0:
            pieces.append("".join(current))
            current = []
            continue
        current.append(ch)
    pieces.append("".join(current))
    if in_quote or angle:
        # An unbalanced quote or bracket swallowed the rest: split naively instead.
        return re.split(r"[,;]", text)
    return pieces


def _clean_address(candidate: str) -> str | None:
    candidate = candidate.strip().strip("\"'`")
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    quoted = _QUOTED_LOCAL.search(candidate)
    if quoted:
        return f'"{quoted.group(1)}"@{quoted.group(2).strip(".")}'.lower()
    match = _ADDRESS.search(candidate)
    if not match:
        return None
    address = match.group(0).strip(".").lower()
    local, _, domain = address.partition("@")
    domain = domain.strip(".")
    if not local or not domain:
        return None
    return f"{local}@{domain}"


def _clean_name(name: str) -> str | None:
    name = re.sub(r"\[\s*\]|\(\s*\)|<\s*>", " ", name)
    name = re.sub(r"\s+", " ", name).strip()
    # Group syntax "Team: a@x.com" or leftovers of "undisclosed-recipients:".
    name = name.strip(" ,;:")
    # Enclosing (or unbalanced) quotes and stray brackets are not part of it.
    name = name.strip("\"'").strip()
    if name.count("<") != name.count(">"):
        name = name.strip("<>").strip()
    name = name.replace('\\"', '"').replace("\\\\", "\\")
    return name or None


def _mask_quotes(text: str) -> str:
    """``text`` with the inside of double quotes blanked, same length, so that
    brackets in a quoted display name are not taken for the address."""
    out = []
    in_quote = False
    for ch in text:
        if ch == '"':
            in_quote = not in_quote
            out.append(ch)
        else:
            out.append("_" if in_quote and ch in "<>()" else ch)
    return "".join(out)


def _parse_entry(entry: str) -> Address:
    """One address entry (display name, address, comments, junk) -> Address."""
    masked = _mask_quotes(entry)
    address = None
    chosen = None
    for match in reversed(list(_ANGLE.finditer(masked))):  # the last bracketed address wins
        address = _clean_address(entry[match.start(1) : match.end(1)])
        if address:
            chosen = match
            break
    if address and chosen is not None:
        first_angle = masked.find("<")
        if first_angle > 0:
            # Text before the first bracket is the name; junk after the address is not.
            name = entry[:first_angle]
        else:
            name = entry[: chosen.start()] + " " + entry[chosen.end() :]
            name = _ANGLE.sub(" ", name)
        name = _clean_name(name)
        if name and _clean_address(name) == address:
            name = None
        return Address(address, name)
    # No usable <...>: look for a bare address; the rest (or a comment) is the name.
    text = entry.replace("<", " ").replace(">", " ")
    comment = _COMMENT.search(text)
    without_comments = _COMMENT.sub(" ", text)
    address = _clean_address(without_comments) or _clean_address(text)
    if address is None:
        return Address(None, _clean_name(text))
    if comment and comment.group(1).strip():
        return Address(address, _clean_name(comment.group(1)))
    match = _ADDRESS.search(without_comments)
    rest = (
        (without_comments[: match.start()] + " " + without_comments[match.end() :]) if match else ""
    )
    name = _clean_name(rest)
    if name and not re.search(r"\w", name):
        name = None
    return Address(address, name)


def parse_addresses(value: str | None) -> list[Address]:
    """Every mailbox in an address header value (To, Cc, From, Reply-To ...).

    Encoded words are decoded first, as clients show them; pieces without an
    ``@`` are display-name fragments glued to the following entry. Entries
    with no address at all (``undisclosed-recipients:;``, ``<>``) are dropped
    unless they are all there is, then one ``Address(None, name)`` is returned.
    """
    if not value:
        return []
    text = decode_words(value[:MAX_ADDRESS_HEADER])
    entries: list[str] = []
    pending = ""
    for piece in _split_top_level(text):
        if "@" in piece:
            entries.append(f"{pending},{piece}" if pending else piece)
            pending = ""
        elif piece.strip():
            pending = f"{pending},{piece}" if pending else piece
    result: list[Address] = []
    seen: set[str] = set()
    for entry in entries:
        parsed = _parse_entry(entry)
        if parsed.address and parsed.address not in seen:
            seen.add(parsed.address)
            result.append(parsed)
            if len(result) >= MAX_ADDRESSES:
                break
    if not result:
        leftover = _clean_name(pending or text)
        if leftover and leftover.strip("<> "):
            return [Address(None, leftover)]
        return []
    return result


def parse_sender(value: str | None) -> Address:
    """The sender of a From header: its first mailbox with an address."""
    for address in parse_addresses(value):
        if address.address:
            return address
    found = parse_addresses(value)
    return found[0] if found else Address(None, None)


def address_list(value: str | None) -> list[str]:
    """Just the lower-cased addresses of an address header."""
    return [a.address for a in parse_addresses(value) if a.address]
