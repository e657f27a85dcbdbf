"""Header blocks as spam writes them, made readable before the MIME parse.

The stdlib parser ends the headers at the first line that is not a header:
a byte-order mark, a blank line before the headers, one junk line such as
``X-Bad Header: x`` or raw 8-bit bytes, or a stray CR after a line end
(``LF CR`` conversions) - and every header after it (From, Date, Subject)
becomes body text, so the message reaches no later stage. Mail clients skip
such lines; :func:`repair_header_block` does the same, in bounded work, and
says what it did. A message whose header block is already well formed is
returned as is (the same object, nothing copied).
"""

from __future__ import annotations

import re

#: Bytes of a message searched for the end of its header block; a block not
#: ended by then is left to the parser as it is.
SCAN_BYTES = 512 * 1024
#: Header lines looked at, for the same reason.
MAX_LINES = 5_000
#: Lines after a junk line searched for a well-known header, the sign that
#: the junk line sits inside the headers rather than starting the body.
LOOKAHEAD_LINES = 30

_BOM = b"\xef\xbb\xbf"
# One line end: CRLF, LF, CR, or LF CR (a conversion that doubled the end;
# LF CR LF is LF then CRLF: a blank line).
_EOL = re.compile(rb"\r\n|\n\r(?!\n)|\n|\r")
# What the stdlib accepts as a header line: printable ASCII name then colon,
# or a continuation (leading blank).
_HEADER = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_CONTINUATION = re.compile(rb"[ \t]")
# Headers almost every message has: one of them after a junk line means the
# junk is inside the headers (a body line rarely starts with these).
_KNOWN = re.compile(
    rb"(?:from|to|cc|subject|date|message-id|received|return-path|reply-to|sender"
    rb"|mime-version|content-type|content-transfer-encoding|delivered-to|x-mailer"
    rb"|list-unsubscribe|dkim-signature|authentication-results)[ \t]*:",
    re.IGNORECASE,
)
_MBOX_FROM = re.compile(rb">*From ")
# A line of a well-formed block that is neither a header nor a continuation.
_BAD_LINE = re.compile(rb"\n(?![\x21-\x39\x3b-\x7e]+[ \t]*:|[ \t])")


def _well_formed(raw: bytes) -> bool:
    """True for the usual header block (one regex pass, no per-line Python),
    so that ordinary mail pays almost nothing for the repair."""
    # The CRLF end is looked for only before the LF one: never through a body.
    end = raw.find(b"\n\n", 0, SCAN_BYTES)
    crlf = raw.find(b"\r\n\r\n", 0, end if end >= 0 else SCAN_BYTES)
    end = crlf if crlf >= 0 else end
    if end < 0 or not _is_header(raw[:1000]):
        return False
    head = raw[:end]
    if b"\x00" in head or head.count(b"\r") != head.count(b"\r\n"):
        return False
    return _BAD_LINE.search(head.replace(b"\r\n", b"\n")) is None


def _lines(raw: bytes, start: int) -> tuple[list[tuple[bytes, bytes]], int | None]:
    """Header lines from ``start`` as (text, line end), and where the body
    starts (None when no blank line ends the block within the bounds)."""
    lines: list[tuple[bytes, bytes]] = []
    pos = start
    limit = min(len(raw), start + SCAN_BYTES)
    while pos < limit and len(lines) < MAX_LINES:
        found = _EOL.search(raw, pos, limit)
        if found is None:
            lines.append((raw[pos:limit], b""))
            return lines, None if limit < len(raw) else len(raw)
        line = raw[pos : found.start()]
        pos = found.end()
        if not line:
            return lines, pos
        lines.append((line, found.group()))
    return lines, pos if pos >= len(raw) else None


def _is_header(line: bytes) -> bool:
    return _HEADER.match(line) is not None


def repair_header_block(raw: bytes) -> tuple[bytes, list[str]]:
    """``raw`` with a header block the stdlib parser reads whole, and notes
    saying what was repaired (empty, and ``raw`` itself, when nothing was).

    Repairs: a byte-order mark or blank lines before the headers, a first
    header indented, a ``>From`` envelope line, junk lines among the headers
    (dropped when a well-known header follows them, else they start the
    body), a lone CR inside a header value (a space), and LF CR / CR line
    ends mixed with LF ones.
    """
    if _well_formed(raw):
        return raw, []
    start = 0
    notes: list[str] = []
    if raw.startswith(_BOM):
        start = len(_BOM)
        notes.append("a byte-order mark before the headers was skipped")
    # Blank lines before the first header.
    lead = start
    while lead < len(raw) and raw[lead] in b" \t\r\n" and lead - start < 1024:
        lead += 1
    if lead > start and lead < len(raw) and _is_header(raw[lead : lead + 1000]):
        if b"\n" in raw[start:lead] or b"\r" in raw[start:lead]:
            notes.append("blank lines before the headers were skipped")
        else:
            notes.append("the first header was indented")
        start = lead
    lines, body_start = _lines(raw, start)
    if body_start is None or not lines:
        return (raw[start:], notes) if notes else (raw, notes)

    kept: list[bytes] = []
    changed = bool(notes)
    if any(b"\x00" in line for line, _ in lines):
        # NUL never belongs in a header; "F\0rom:" is still From.
        lines = [(line.replace(b"\x00", b""), end) for line, end in lines]
        notes.append("NUL bytes in the headers were removed")
        changed = True
    uses_lf = any(end in (b"\n", b"\r\n") for _, end in lines)
    junk: list[bytes] = []
    body_from: int | None = None
    for index, (line, end) in enumerate(lines):
        if end == b"\n\r":
            changed = True
        if index == 0 and _MBOX_FROM.match(line):
            if line.startswith(b">"):
                notes.append("a '>From ' line before the headers was skipped")
                changed = True
                continue
            kept.append(line)  # the parser takes a leading "From " line as the envelope
            continue
        if _is_header(line) or (kept and _CONTINUATION.match(line)):
            kept.append(line)
            continue
        # A lone CR inside a value ("Subject: hi\rthere") ended this line too early.
        if kept and uses_lf and index > 0 and lines[index - 1][1] == b"\r":
            kept[-1] += b" " + line
            changed = True
            continue
        ahead = lines[index + 1 : index + 1 + LOOKAHEAD_LINES]
        if any(_KNOWN.match(text) for text, _ in ahead):
            junk.append(line)
            changed = True
            continue
        body_from = index  # the body starts here: its blank line is missing
        break
    if junk:
        sample = junk[0][:60].decode("utf-8", "replace")
        notes.append(
            f"{len(junk)} line(s) among the headers are not headers and were skipped "
            f"(first: {sample!r})"
        )
    if any(end == b"\n\r" for _, end in lines) or (
        uses_lf and any(end == b"\r" for _, end in lines)
    ):
        notes.append("line ends in the headers mix LF and CR: read as one kind")
        changed = True
    if not kept:  # no header at all: not an email, nothing to repair
        return raw, []
    if not changed:
        return raw, notes
    if body_from is not None:
        rest = b"\n".join(text for text, _ in lines[body_from:]) + b"\n"
        return b"\n".join(kept) + b"\n\n" + rest + raw[body_start:], notes
    return b"\n".join(kept) + b"\n\n" + raw[body_start:], notes
