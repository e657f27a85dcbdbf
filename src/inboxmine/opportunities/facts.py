"""The plain inputs of stage 5: what upstream stages found, grouped per sender.

These are built from the database by :mod:`inboxmine.opportunities.store` and
consumed by pure functions (profiles, relationships, gem detectors), so every
rule can be tested with hand-written facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

#: Most characters of a message body any rule looks at: bounded work per message.
MAX_TEXT_CHARS = 4000


@dataclass(slots=True)
class EntityFacts:
    """One ``extracted_entities`` row (stage 3)."""

    entity_type: str
    value: str = ""
    normalized: str | None = None
    role: str | None = None
    relationship: str | None = None
    context: str | None = None
    amount: float | None = None
    currency: str | None = None
    date_value: date | None = None
    date_kind: str | None = None
    category: str | None = None
    confidence: float | None = None
    source: str | None = None


@dataclass(slots=True)
class MessageFacts:
    """One message with what stages 1-4 found in it.

    ``id`` is ``messages.id`` (evidence links to it); ``is_sent`` marks the
    user's own mail, which never becomes a sender profile of its own.
    """

    id: int
    sent_at: datetime
    is_sent: bool = False
    thread_id: int | None = None
    message_id: str | None = None
    from_address: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    subject: str = ""
    text: str = ""
    to_addresses: list[str] = field(default_factory=list)
    # stage 1
    sender_domain: str | None = None
    esp: str | None = None
    spf_result: str | None = None
    dkim_domain: str | None = None
    dmarc_result: str | None = None
    authentication_quality: str | None = None
    unsubscribe_url: str | None = None
    list_id: str | None = None
    #: Relayed by a discussion list (one List-Id, many senders): a post to a
    #: community, not the sender's own mailing.
    via_discussion_list: bool = False
    is_bulk: bool = False
    is_freemail: bool = False
    # stage 2
    headline: str | None = None
    offer_types: list[str] = field(default_factory=list)
    offer_evidence: dict[str, str] = field(default_factory=dict)
    link_intents: dict[str, list[str]] = field(default_factory=dict)
    utm_campaigns: list[Any] = field(default_factory=list)
    cta_texts: list[str] = field(default_factory=list)
    has_personalization: bool = False
    template_complexity: float | None = None
    tracking_pixel_count: int = 0
    social_links: dict[str, Any] = field(default_factory=dict)
    physical_address: str | None = None
    # stage 3
    entities: list[EntityFacts] = field(default_factory=list)
    # stage 4 (per message): industry, company_size_estimate, sender_intent, ...
    classification: dict[str, Any] | None = None

    @property
    def intent(self) -> str | None:
        return (self.classification or {}).get("sender_intent")


@dataclass(slots=True)
class ThreadFacts:
    """A conversation with the sender: every message in time order, the user's included."""

    id: int
    subject: str = ""
    messages: list[MessageFacts] = field(default_factory=list)

    @property
    def user_participated(self) -> bool:
        return any(m.is_sent for m in self.messages)

    @property
    def last(self) -> MessageFacts | None:
        return self.messages[-1] if self.messages else None

    @property
    def awaiting_response_from(self) -> str:
        """``user`` when the last word is theirs, ``other`` when it is the user's."""
        if not self.messages:
            return "none"
        return "other" if self.messages[-1].is_sent else "user"

    def days_dormant(self, now: datetime) -> int | None:
        if not self.messages:
            return None
        return max(0, (now - self.messages[-1].sent_at).days)


@dataclass(slots=True)
class SenderTotals:
    """Figures over all of a sender's received mail, for a sender of whom only
    the most recent messages were read (see ``store.MAX_SENDER_MESSAGES``)."""

    received: int
    bulk: int
    first_at: datetime
    last_at: datetime


@dataclass(slots=True)
class SenderFacts:
    """Everything about one sender identity (``sender_domain``).

    ``messages`` are all its received messages, or, when ``totals`` is set,
    the most recent of them: counts, dates and frequency then come from
    ``totals``, what is read from message content from the recent messages.
    """

    sender_domain: str
    messages: list[MessageFacts] = field(default_factory=list)
    threads: list[ThreadFacts] = field(default_factory=list)
    #: The stage 4 per-sender rollup (sender_classification row), overrides applied.
    classification: dict[str, Any] = field(default_factory=dict)
    is_freemail: bool = False
    #: A colleague at the user's own domain (a person identity, ``include_internal``).
    is_internal: bool = False
    totals: SenderTotals | None = None

    @property
    def received(self) -> list[MessageFacts]:
        return [m for m in self.messages if not m.is_sent]

    @property
    def received_count(self) -> int:
        """All received messages, read or not."""
        return self.totals.received if self.totals else len(self.received)

    @property
    def bulk_count(self) -> int:
        return self.totals.bulk if self.totals else sum(m.is_bulk for m in self.received)

    def received_span(self) -> tuple[datetime, datetime] | None:
        """The first and last received message's time (None without mail)."""
        if self.totals:
            return self.totals.first_at, self.totals.last_at
        times = [m.sent_at for m in self.messages if not m.is_sent]
        return (min(times), max(times)) if times else None

    def avg_frequency_days(self) -> float | None:
        """Mean days between received messages (the span over the gaps)."""
        span, count = self.received_span(), self.received_count
        if span is None or count < 2:
            return None
        return (span[1] - span[0]).total_seconds() / 86400 / (count - 1)
