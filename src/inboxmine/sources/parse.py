"""One raw message -> everything the ``messages`` row holds. Never raises.

Structure is parsed with the stdlib ``email`` package under the ``compat32``
policy, which keeps header values raw; every header is then decoded by the
tolerant decoders of this package. ``policy.default`` is the RFC reference but
its header parser raises on broken headers and is quadratic on hostile ones
(a 100,000-address To: line takes ~20 s), which an importer cannot afford.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.errors import CloseBoundaryNotFoundDefect, StartBoundaryNotFoundDefect
from email.message import Message

from inboxmine.sources.addresses import address_list, parse_sender
from inboxmine.sources.base import gmail_hex_id
from inboxmine.sources.bodies import ParsedAttachment, html_to_text, walk_bodies
from inboxmine.sources.dates import parse_date, received_date
from inboxmine.sources.headers import (
    MAX_HEADER_VALUE,
    MAX_HEADERS_TOTAL,
    clip,
    header_text,
    raw_header_text,
)
from inboxmine.sources.repair import repair_header_block

SNIPPET_CHARS = 200
#: Most HTML turned into text for an HTML-only body (snippet, search index).
HTML_TEXT_CHARS = 400_000
#: Boundaries + embedded messages beyond which only the headers are parsed:
#: the stdlib parser recurses once per level (RecursionError near 1,000).
MAX_MIME_NESTING = 100
#: Bytes of one message the parser reads (bodies are capped further down).
MAX_PARSED_BYTES = 12 * 1024 * 1024
MAX_REFERENCES = 100

_MSG_ID = re.compile(r"<([^<>\s]{1,998})>")
_ANY_ANGLE = re.compile(r"<([^<>]{1,2000})>")
#: Shortest Message-ID without an "@" trusted as an identity.
MIN_BARE_ID = 8
_NESTING_MARKERS = re.compile(rb"boundary\s*=|message/rfc822", re.IGNORECASE)
_CORE_HEADERS = (
    "from",
    "to",
    "date",
    "subject",
    "message-id",
    "received",
    "sender",
    "mime-version",
)
_POLICY = email_policy.compat32


@dataclass(slots=True)
class ParsedMessage:
    """Every ``messages`` column a parse can know (not ids, source, raw bytes, thread)."""

    content_hash: str
    size_bytes: int
    sent_at: datetime
    sent_at_source: str  # date | received | import
    message_id: str | None = None
    date_raw: str | None = None
    from_address: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    to_addresses: list[str] = field(default_factory=list)
    cc_addresses: list[str] = field(default_factory=list)
    subject: str | None = None
    snippet: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)
    body_text: str | None = None
    body_html: str | None = None
    is_sent: bool = False
    gmail_id: str | None = None
    gmail_thread_id: str | None = None
    labels: list[str] | None = None
    attachments: list[ParsedAttachment] = field(default_factory=list)
    #: Why the message could not be fully parsed; None when it parsed cleanly.
    parse_error: str | None = None
    #: True when almost nothing could be read (not an email, parser failure).
    unparseable: bool = False
    #: The visible text of an HTML-only body (made once, for the snippet and
    #: the search index); None when there is a text part.
    html_text: str | None = None
    #: The raw bytes as stored (zlib), when a parse worker already compressed
    #: them; None means the store compresses them itself.
    raw_compressed: bytes | None = None


def content_hash(raw: bytes) -> str:
    """sha256 of the message with line endings normalised (CRLF and LF copies
    of one message, with or without a final newline, hash the same)."""
    return hashlib.sha256(raw.replace(b"\r\n", b"\n").rstrip(b"\n")).hexdigest()


def usable_message_id(text: str) -> bool:
    """True when a Message-ID can name one message.

    Spam kits stamp placeholders such as ``<@>``, ``<1>`` or ``<x@>`` on every
    message they send; trusting them would store one message of the campaign
    and drop the rest as "duplicates" (and thread them all together). An id
    needs letters or digits on both sides of its "@", or, without one, at
    least ``MIN_BARE_ID`` characters.
    """
    local, at, domain = text.rpartition("@")
    if not at:
        return len(text) >= MIN_BARE_ID and any(c.isalnum() for c in text)
    return any(c.isalnum() for c in local) and any(c.isalnum() for c in domain)


def normalize_message_id(value: str | None) -> str | None:
    """A Message-ID without brackets or whitespace (None when there is none, or
    when it is a placeholder that cannot name one message)."""
    if not value:
        return None
    found = _ANY_ANGLE.search(value)
    text = found.group(1) if found else value
    # Folding and sloppy clients put whitespace inside the brackets.
    text = "".join(text.split()).strip("<>")[:998]
    return text if text and usable_message_id(text) else None


def message_id_list(value: str | None) -> list[str]:
    """All Message-IDs in References / In-Reply-To, in order, without brackets."""
    if not value:
        return []
    ids = _MSG_ID.findall(value)
    if not ids:  # some clients drop the brackets
        ids = [token for token in value.split() if "@" in token]
    seen: set[str] = set()
    result = []
    for item in ids:
        item = item.strip()
        if item and item not in seen and usable_message_id(item):
            seen.add(item)
            result.append(item[:998])
    if len(result) > MAX_REFERENCES:  # the root and the most recent ones matter
        result = result[:1] + result[-(MAX_REFERENCES - 1) :]
    return result


def _clean(text: str | None) -> str | None:
    """Text safe for every database: no NUL characters, no lone surrogates."""
    if text is None:
        return None
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _gmail_labels(value: str) -> list[str]:
    # Takeout writes labels comma-separated, quoting those that contain commas.
    try:
        row = next(csv.reader([value], skipinitialspace=True))
    except (csv.Error, StopIteration):
        row = value.split(",")
    return [label.strip() for label in row if label.strip()]


def _header_map(message: Message, notes: list[str]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    total = 0
    cut_value = False
    for name, value in message.raw_items():
        key = _clean(str(name).strip().lower())[:128]
        try:
            text = header_text(value if isinstance(value, str) else str(value))
        except Exception:
            text = raw_header_text(str(value))
        text, was_cut = clip(_clean(text), MAX_HEADER_VALUE)
        cut_value |= was_cut
        if total + len(text) > MAX_HEADERS_TOTAL:
            notes.append(
                f"headers longer than {MAX_HEADERS_TOTAL:,} characters in all: the rest were not stored"
            )
            break
        total += len(text) + len(key)
        headers.setdefault(key, []).append(text)
    if cut_value:
        notes.append(f"a header value longer than {MAX_HEADER_VALUE:,} characters was cut")
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _raw_first(message: Message, name: str) -> str | None:
    """A header's raw (undecoded, unfolded) value: addresses and ids are parsed
    from it, so an encoded word cannot smuggle in separators."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return raw_header_text(value if isinstance(value, str) else str(value))[
                : MAX_HEADER_VALUE * 4
            ]
    return None


def _html_text(body_text: str | None, body_html: str | None) -> str | None:
    """The visible text of the HTML body when there is no text part to use."""
    if body_text and body_text.strip() or not body_html:
        return None
    return html_to_text(body_html[:HTML_TEXT_CHARS])


def _snippet(body_text: str | None, html_text: str | None) -> str | None:
    source = body_text if body_text and body_text.strip() else html_text
    if not source:
        return None
    words = " ".join(source[: 4 * SNIPPET_CHARS].split())
    return words[:SNIPPET_CHARS] or None


def parse_message(
    raw: bytes, *, my_addresses: set[str], received_at: datetime | None = None
) -> ParsedMessage:
    """Parse one message as delivered; never raises.

    ``received_at`` is the import time (default: now), used as the send time
    only when neither the Date nor a Received header gives one. Problems go
    into ``parse_error`` in words a person understands, and everything that
    can still be read is read.
    """
    import_time = received_at or datetime.now(UTC)
    parsed = ParsedMessage(
        content_hash=content_hash(raw),
        size_bytes=len(raw),
        sent_at=import_time.astimezone(UTC),
        sent_at_source="import",
    )
    notes: list[str] = []
    try:
        _parse_into(parsed, raw, my_addresses, notes)
    except Exception as exc:  # the parser is the last line: the message is kept anyway
        notes.append(
            f"the parser failed ({exc.__class__.__name__}: {str(exc)[:200]}); stored unparsed"
        )
        parsed.unparseable = True
    parsed.parse_error = _clean("; ".join(dict.fromkeys(notes))) if notes else None
    return parsed


def _parse_into(
    parsed: ParsedMessage, raw: bytes, my_addresses: set[str], notes: list[str]
) -> None:
    if not raw.strip():
        notes.append("empty message: no headers found")
        parsed.unparseable = True
        return
    if len(raw) > MAX_PARSED_BYTES:
        # Parsing holds several copies of a message in memory; past this size
        # the rest is almost always an attachment, and the original is kept whole.
        notes.append(
            f"message of {len(raw):,} bytes: the first {MAX_PARSED_BYTES:,} were parsed "
            "(attachments past that point are not listed); the original is stored whole"
        )
        raw = raw[:MAX_PARSED_BYTES]
    # Spam's junk lines and stray CRs would end the headers early for the stdlib.
    raw, repairs = repair_header_block(raw)
    notes.extend(repairs)
    lowered = raw.lower()
    # Counting words is cheap; the exact count only matters near the limit.
    rough = lowered.count(b"boundary") + lowered.count(b"message/rfc822")
    nesting = len(_NESTING_MARKERS.findall(raw)) if rough > MAX_MIME_NESTING else rough
    headers_only = nesting > MAX_MIME_NESTING
    if headers_only:
        notes.append(
            f"MIME structure nested too deep ({nesting} levels or parts, limit {MAX_MIME_NESTING}): "
            "only the headers were parsed"
        )
    message = (
        message_from_bytes(raw, policy=_POLICY, _class=Message)
        if not headers_only
        else _headers_only(raw)
    )
    headers = _header_map(message, notes)
    parsed.headers = headers
    if not headers or not any(name in headers for name in _CORE_HEADERS):
        notes.append("no headers found: this does not look like an email")
        parsed.unparseable = True

    _parse_identity(parsed, message, headers, my_addresses, notes)
    _parse_dates(parsed, headers, notes, parsed.unparseable)

    if not headers_only and not parsed.unparseable:
        defects = (
            [d for part in message.walk() for d in part.defects]
            if message.is_multipart()
            else message.defects
        )
        if any(
            isinstance(d, (CloseBoundaryNotFoundDefect, StartBoundaryNotFoundDefect))
            for d in defects
        ):
            notes.append("MIME structure incomplete (a boundary is missing: truncated message?)")
    if not parsed.unparseable and not headers_only:
        bodies = walk_bodies(message)
        notes.extend(bodies.notes)
        parsed.body_text = _clean("\n\n".join(bodies.text_parts)) or None
        parsed.body_html = _clean("\n\n".join(bodies.html_parts)) or None
        parsed.attachments = bodies.attachments
        parsed.html_text = _clean(_html_text(parsed.body_text, parsed.body_html))
        parsed.snippet = _clean(_snippet(parsed.body_text, parsed.html_text))


def _headers_only(raw: bytes) -> Message:
    from email.parser import BytesHeaderParser

    return BytesHeaderParser(policy=_POLICY).parsebytes(raw[: MAX_HEADERS_TOTAL * 2])


def _parse_identity(
    parsed: ParsedMessage,
    message: Message,
    headers: dict[str, list[str]],
    my_addresses: set[str],
    notes: list[str],
) -> None:
    from_raw = _raw_first(message, "from") or _raw_first(message, "sender")
    sender = parse_sender(from_raw)
    parsed.from_address = _clean(sender.address)
    parsed.from_name = _clean(sender.name)
    if from_raw is not None and sender.address is None:
        notes.append(f"no sender address could be found in the From header {from_raw[:120]!r}")
    reply_to = address_list(_raw_first(message, "reply-to"))
    parsed.reply_to = _clean(", ".join(reply_to)) or None
    parsed.to_addresses = [_clean(a) for a in address_list(_raw_first(message, "to"))]
    parsed.cc_addresses = [_clean(a) for a in address_list(_raw_first(message, "cc"))]
    subject = _first(headers, "subject")
    parsed.subject = subject[:2000] if subject is not None else None
    parsed.message_id = _clean(normalize_message_id(_raw_first(message, "message-id")))
    reply_ids = message_id_list(_raw_first(message, "in-reply-to"))
    parsed.in_reply_to = _clean(reply_ids[0]) if reply_ids else None
    parsed.references = [_clean(r) for r in message_id_list(_raw_first(message, "references"))]
    thread_id = _first(headers, "x-gm-thrid")
    parsed.gmail_thread_id = gmail_hex_id(thread_id)
    parsed.gmail_id = gmail_hex_id(_first(headers, "x-gm-msgid"))
    labels = _first(headers, "x-gmail-labels")
    parsed.labels = _gmail_labels(labels) if labels else None
    parsed.is_sent = bool(parsed.from_address and parsed.from_address in my_addresses)


def _parse_dates(
    parsed: ParsedMessage, headers: dict[str, list[str]], notes: list[str], unparseable: bool
) -> None:
    date_raw = _first(headers, "date")
    parsed.date_raw = date_raw[:1000] if date_raw is not None else None
    moment = parse_date(date_raw)
    if moment is not None:
        parsed.sent_at, parsed.sent_at_source = moment, "date"
        return
    # The topmost Received header was added last, by the receiving server:
    # the closest to when the user got it.
    for value in headers.get("received") or []:
        moment = received_date(value)
        if moment is not None:
            parsed.sent_at, parsed.sent_at_source = moment, "received"
            break
    if unparseable:
        return
    used = "the Received time" if parsed.sent_at_source == "received" else "the import time"
    if date_raw is None:
        notes.append(f"no Date header: used {used}")
    else:
        notes.append(f"Date header {date_raw[:80]!r} is not a date: used {used}")
