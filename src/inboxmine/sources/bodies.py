"""Message bodies: charset decoding that survives lying labels, and the MIME walk.

The walk is iterative and bounded (parts, stored characters), so a hostile
message costs seconds at most; attachments are described, never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from inboxmine.sources.headers import MAX_HEADER_VALUE, header_text, python_codec

#: Most characters stored per text part, and for all text parts of a kind together.
MAX_PART_CHARS = 5_000_000
#: Most MIME parts looked at in one message.
MAX_PARTS = 1_000
#: Bytes given to charset detection (it is slow; the start tells enough).
DETECT_SAMPLE = 65_536

# Labels that are often lies: the bytes are really UTF-8.
_WEAK_LABELS = {"ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"}


@dataclass(slots=True)
class ParsedAttachment:
    """One attachment or inline resource; its content is not kept."""

    filename: str | None
    mime_type: str
    size_bytes: int
    content_id: str | None
    is_inline: bool


@dataclass(slots=True)
class Bodies:
    text_parts: list[str] = field(default_factory=list)
    html_parts: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Bytes of a text part as str, and a note when the charset was not usable.

    Order: pure ASCII; UTF-8 when the label is a weak one (Latin-1, ASCII,
    Windows-1252 are often lies); the declared charset; detection with
    charset_normalizer; UTF-8 with replacement characters. Never raises.
    """
    if data.isascii():
        return data.decode("ascii"), None
    codec = python_codec(declared)
    if codec is None or codec in _WEAK_LABELS or codec == "utf-8":
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            pass
    if codec is not None and codec != "utf-8":
        try:
            return data.decode(codec), None
        except (UnicodeDecodeError, LookupError):
            pass
    note = (
        f"charset {declared!r} is unknown"
        if declared and codec is None
        else f"text is not valid {declared}"
        if declared
        else None
    )
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(data[:DETECT_SAMPLE])
        best = matches.best()
        # Single-byte Western text fits several code pages equally well;
        # Windows-1252 is by far the most common in mail, so it wins ties.
        if best is not None:
            best = next(
                (m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos), best
            )
    except Exception:  # detection is a bonus; never let it fail the parse
        best = None
    # Detection guesses wildly on short or mixed samples; UTF-16/32 without
    # NUL bytes is always such a guess.
    if (
        best is not None
        and best.encoding
        and (not best.encoding.startswith(("utf_16", "utf_32")) or b"\x00" in data[:DETECT_SAMPLE])
        and len(data) >= 32
    ):
        try:
            text = data.decode(best.encoding, errors="replace")
            if note:
                note += f"; decoded as detected {best.encoding}"
            return text, note
        except LookupError:
            pass
    if note:
        note += "; decoded as UTF-8 with replacement characters"
    return data.decode("utf-8", errors="replace"), note


def _cap_headers(part: Message) -> bool:
    """Cut over-long header values of one part in place (the stdlib's parameter
    parsing is quadratic on them); True when something was cut."""
    headers = part._headers  # compat32 keeps (name, value) pairs here
    if not any(len(value) > MAX_HEADER_VALUE for _, value in headers if isinstance(value, str)):
        return False
    part._headers = [
        (name, value[:MAX_HEADER_VALUE] if isinstance(value, str) else value)
        for name, value in headers
    ]
    return True


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        return None
    if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
        name = name[2]
    return header_text(str(name))[:1024] or None


def _content_id(part: Message) -> str | None:
    value = part.get("Content-ID")
    if not value:
        return None
    return header_text(str(value)).strip().strip("<>").strip()[:998] or None


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("ascii", "surrogateescape")
    return b""


def _attachment_size(part: Message) -> int:
    """The decoded size of an attachment, measured without decoding it.

    Only the size is kept, and decoding a 30 MB attachment just to measure
    it costs its size again in memory.
    """
    raw = part.get_payload()
    if not isinstance(raw, str):
        return len(_payload_bytes(part))
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding != "base64":
        return len(raw)
    chars = len(raw) - raw.count("\n") - raw.count("\r") - raw.count(" ") - raw.count("\t")
    padding = raw.rstrip().endswith("==") + raw.rstrip().endswith("=")
    return max(chars * 3 // 4 - padding, 0)


def walk_bodies(message: Message) -> Bodies:
    """Text, HTML and attachment descriptions of a parsed (compat32) message.

    text/plain and text/html leaves that are not attachments are bodies;
    everything else with content is an attachment. A forwarded message
    (message/rfc822) is an attachment too: its text belongs to someone else.
    """
    result = Bodies()
    stack: list[Message] = [message]
    seen = 0
    capped_headers = False
    text_chars = 0
    html_chars = 0
    while stack:
        part = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            result.notes.append(f"more than {MAX_PARTS} MIME parts: the rest were not read")
            break
        capped_headers |= _cap_headers(part)
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            if part.get_content_maintype() == "message":
                result.attachments.append(_describe(part, payload_size=_message_size(payload)))
                continue
            stack.extend(reversed(payload))  # keep document order
            continue
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        is_body = (
            content_type in ("text/plain", "text/html")
            and disposition != "attachment"
            and not (filename and disposition != "inline")
        )
        if not is_body:
            size = _attachment_size(part)
            if size or filename:
                result.attachments.append(_describe(part, size, filename))
            continue
        data = _payload_bytes(part)
        text, note = decode_text(data, part.get_content_charset())
        if note:
            result.notes.append(note)
        text = text.replace("\x00", "")
        used = text_chars if content_type == "text/plain" else html_chars
        room = MAX_PART_CHARS - used
        if len(text) > room:
            result.notes.append(
                f"{content_type} body longer than {MAX_PART_CHARS:,} characters: stored the start only"
            )
            text = text[: max(room, 0)]
        if not text:
            continue
        if content_type == "text/plain":
            result.text_parts.append(text)
            text_chars += len(text)
        else:
            result.html_parts.append(text)
            html_chars += len(text)
    if capped_headers:
        result.notes.append(
            f"a MIME part header was longer than {MAX_HEADER_VALUE:,} characters and was cut"
        )
    return result


def _message_size(payload: list) -> int:
    try:
        return sum(len(m.as_bytes()) for m in payload)
    except Exception:
        return 0


def _safe(text: str | None) -> str | None:
    """Text every database stores: PostgreSQL refuses NUL characters (one in
    ``winmail\0.dat`` failed a whole import batch) and lone surrogates."""
    if text is None:
        return None
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _describe(part: Message, payload_size: int, filename: str | None = None) -> ParsedAttachment:
    disposition = (part.get_content_disposition() or "").lower()
    content_id = _safe(_content_id(part))
    return ParsedAttachment(
        filename=_safe(filename if filename is not None else _filename(part)),
        mime_type=_safe(part.get_content_type())[:255],
        size_bytes=payload_size,
        content_id=content_id,
        is_inline=disposition == "inline" or (disposition == "" and content_id is not None),
    )


_BLOCKS = re.compile(r"<(script|style|head|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body (scripts, styles and head removed)."""
    try:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(html)
        for node in tree.css("script, style, head, title, noscript"):
            node.decompose()
        body = tree.body or tree.root
        return body.text(separator=" ") if body is not None else ""
    except Exception:
        return re.sub(r"<[^>]+>", " ", _BLOCKS.sub(" ", html))
