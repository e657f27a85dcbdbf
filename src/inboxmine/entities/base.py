"""What every extractor shares: the message it reads, the entity it returns,
the limits that keep the work per message bounded."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

#: Characters of the cleaned body that are read. Email is hostile input: a
#: 1 MB body must cost no more than a long one.
MAX_BODY_CHARS = 100_000
#: Characters of a signature block that are read (real ones are < 1 KB).
MAX_SIGNATURE_CHARS = 4_000
#: Lines of a signature block that are read.
MAX_SIGNATURE_LINES = 30
#: Characters of one signature line.
MAX_LINE_CHARS = 200
MAX_SUBJECT_CHARS = 1_000
#: Characters either side of a match kept as its ``context``.
CONTEXT_CHARS = 50
#: Longest ``context`` stored (a 1 MB display name is not a quote).
MAX_CONTEXT_CHARS = 500
#: Longest ``entity_value`` stored.
MAX_VALUE_CHARS = 300

ENTITY_TYPES = ("person", "organization", "money", "date", "procurement_signal", "phone", "url")
RELATIONSHIPS = ("automated", "decision_maker", "vendor_contact", "peer")
SOURCES = ("body", "signature", "header", "subject")
DATE_KINDS = ("renewal", "expiration", "deadline", "meeting")


@dataclass(slots=True)
class MessageText:
    """The parts of one message that entities are read from (picklable)."""

    message_id: int
    sent_at: datetime
    subject: str | None = None
    from_address: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    cc_addresses: list[str] = field(default_factory=list)
    #: Only read for your own (sent) messages: then the recipients are the contacts.
    to_addresses: list[str] = field(default_factory=list)
    is_sent: bool = False
    #: Bulk mail (stage 1's parsed_metadata.is_bulk): newsletters, promotions.
    is_bulk: bool = False
    body: str | None = None
    signature: str | None = None
    footer: str | None = None

    def reference_time(self) -> datetime:
        """``sent_at`` as naive UTC: what relative dates ("in 3 weeks") count from."""
        sent = self.sent_at
        if sent.tzinfo is not None:
            sent = sent.astimezone(UTC).replace(tzinfo=None)
        return sent


@dataclass(slots=True)
class Entity:
    """One extracted entity; its fields are the ``extracted_entities`` columns."""

    entity_type: str
    entity_value: str
    source: str
    confidence: float
    entity_normalized: str | None = None
    context: str | None = None
    role: str | None = None
    relationship: str | None = None
    amount: float | None = None
    currency: str | None = None
    date_value: date | None = None
    date_kind: str | None = None
    is_future: bool | None = None
    category: str | None = None
    extractor: str = "rules"

    def as_row(self, message_id: int, extracted_at: datetime) -> dict:
        row = asdict(self)
        row["entity_value"] = clip(row["entity_value"], MAX_VALUE_CHARS)
        if row["entity_normalized"] is not None:
            row["entity_normalized"] = clip(row["entity_normalized"], MAX_VALUE_CHARS)
        for key, limit in (("context", MAX_CONTEXT_CHARS), ("role", MAX_VALUE_CHARS)):
            if row[key] is not None:
                row[key] = clip(row[key], limit)
        row["message_id"] = message_id
        row["extracted_at"] = extracted_at
        return row


_SPACES = re.compile(r"\s+")


def clip(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters ('' for None)."""
    if not text:
        return ""
    return text if len(text) <= limit else text[:limit]


def squash(text: str) -> str:
    """Runs of whitespace as one space, trimmed."""
    return _SPACES.sub(" ", text).strip()


def context_window(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The quote around ``text[start:end]``: ``width`` characters either side,
    on one line."""
    return squash(text[max(0, start - width) : end + width])
