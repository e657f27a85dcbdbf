"""Is this file an email? A cheap look at its first few KB, no parsing.

Folders of mail often hold files without the ``.eml`` extension (MH and
the public business-mail corpora number their files ``1``, ``17.``), next
to files that are not mail at all (images, notes, an index). A message
starts with a header block: ``Name: value`` lines, one of which is a header
every message carries. The tolerance matches :mod:`inboxmine.sources.repair`
(a byte-order mark, blank lines before the headers, an mbox ``From `` line),
so what the importer can repair is also what the sniffer accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Bytes looked at: a header block almost always shows its first known
#: header well within this.
SNIFF_BYTES = 8 * 1024

_BOM = b"\xef\xbb\xbf"
_EOL = re.compile(rb"\r\n|\n|\r")
_HEADER = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_MBOX_FROM = re.compile(rb">*From ")
# A second envelope line after a blank one: several messages, an mbox file.
_NEXT_ENVELOPE = re.compile(rb"\r?\n\r?\nFrom \S*.*\d:\d\d")
#: Headers that only mail has; one of them in the block makes it a message.
_MAIL_HEADERS = frozenset(
    {b"from", b"date", b"message-id", b"received", b"subject", b"return-path"}
)
# Well-known file types, so that a skip names what the file is.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"\x1f\x8b", "a gzip file"),
    (b"\x7fELF", "a program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


@dataclass(frozen=True, slots=True)
class Sniff:
    """The verdict on one file's first bytes: ``is_message``, else why not."""

    is_message: bool
    #: ``empty``, ``not mail`` or ``mbox`` when it is not a message.
    kind: str = "message"
    reason: str = ""


MESSAGE = Sniff(True)
MBOX_REASON = "an mbox file (several messages): import it with `inboxmine ingest mbox FILE`"


def sniff_message(head: bytes) -> Sniff:
    """Whether ``head`` (the first bytes of a file) looks like an RFC 5322 message.

    Only the first :data:`SNIFF_BYTES` are read. The file must start (after
    a BOM, blank lines or an mbox ``From `` line) with a header line, and
    its header block must hold From, Date, Message-ID, Received, Subject or
    Return-Path. NUL bytes in the header block mean a binary file.
    """
    head = head[:SNIFF_BYTES]
    if not head.strip():
        return Sniff(False, "empty", "the file is empty" if not head else "only blank space")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return Sniff(False, "not mail", f"{what}, not an email")
    start = len(_BOM) if head.startswith(_BOM) else 0
    while start < len(head) and head[start] in b" \t\r\n" and start < 1024:
        start += 1
    lines = _EOL.split(head[start:])
    if len(head) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the read
    if lines and _MBOX_FROM.match(lines[0]):
        if _NEXT_ENVELOPE.search(head, start):
            return Sniff(False, "mbox", MBOX_REASON)
        lines = lines[1:]
    if not lines or not _HEADER.match(lines[0]):
        return Sniff(False, "not mail", _no_header_reason(head))
    known = False
    for line in lines:
        if not line:
            break  # end of the header block
        if b"\x00" in line:
            return Sniff(False, "not mail", "binary data (NUL bytes) where headers should be")
        found = _HEADER.match(line)
        if found and found.group(1).lower() in _MAIL_HEADERS:
            known = True
            break
    if not known:
        return Sniff(
            False,
            "not mail",
            "no From, Date, Message-ID, Received, Subject or Return-Path header",
        )
    return MESSAGE


def _no_header_reason(head: bytes) -> str:
    if b"\x00" in head[:1024]:
        return "binary data, no header block"
    return "text that does not start with email headers"
