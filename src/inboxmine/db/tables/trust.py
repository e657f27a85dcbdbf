"""Sender trust and the user's judgement of gems.

``message_trust`` (stage 1) holds one verdict per message with the signals
that decided it; ``sender_trust`` (stage 5) rolls them up per sender identity.
``trust_overrides`` are the user's corrections (a sender is legitimate, or is
spam); they win over every computed verdict and survive reprocessing.
``gem_ratings`` are the user's good/bad judgement of gems, and
``gem_suppressions`` what a bad rating taught: that sender (and thread) is not
proposed again for that gem type.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

#: Every verdict, from the most to the least trusted.
TRUST_VERDICTS = ("legitimate", "bulk", "automated", "suspicious", "spam", "phishing")

message_trust = Table(
    "message_trust",
    metadata,
    Column(
        "message_id",
        Integer,
        ForeignKey("messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # legitimate | bulk | automated | suspicious | spam | phishing
    Column("verdict", String(16), nullable=False),
    # 0 (clean) .. 100 (certainly junk): the weighted sum of the risk signals.
    Column("risk_score", Float, nullable=False, default=0.0),
    # [{signal, weight, detail, evidence}] - every rule that fired, strongest first.
    Column("signals", JSON),
    # No-reply, notifications, receipts, calendar, bounces: never a person.
    Column("is_automated", Boolean, nullable=False, default=False),
    Column("computed_at", UTCDateTime(), nullable=False),
    Index("ix_message_trust_verdict", "verdict"),
)

sender_trust = Table(
    "sender_trust",
    metadata,
    Column("sender_domain", String(320), primary_key=True),
    Column("verdict", String(16), nullable=False),
    Column("risk_score", Float, nullable=False, default=0.0),
    # The signals behind the verdict, with the messages that showed them.
    Column("signals", JSON),
    # {verdict: number of messages}
    Column("verdict_counts", JSON),
    Column("message_count", Integer, nullable=False, default=0),
    Column("automated_ratio", Float),
    # auto | override (the user's correction in trust_overrides decided)
    Column("source", String(16), nullable=False, default="auto"),
    Column("computed_at", UTCDateTime(), nullable=False),
    Index("ix_sender_trust_verdict", "verdict"),
)

trust_overrides = Table(
    "trust_overrides",
    metadata,
    Column("sender_domain", String(320), primary_key=True),
    Column("verdict", String(16), nullable=False),
    Column("reason", Text),
    # cli | web | rating (a gem rated bad as spam)
    Column("source", String(16), nullable=False, default="cli"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime()),
)

gem_ratings = Table(
    "gem_ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("gem_id", Integer, ForeignKey("gems.id", ondelete="CASCADE"), nullable=False),
    # Kept from the gem, so precision per type survives the gem's expiry.
    Column("gem_type", String(32), nullable=False),
    Column("sender_domain", String(320), nullable=False),
    Column("thread_key", String(32), nullable=False, default=""),
    # good | bad
    Column("rating", String(8), nullable=False),
    # spam | not_a_business | already_handled | my_vendor | other (bad ratings)
    Column("reason", String(32)),
    Column("note", Text),
    # The gem's rank among open gems when it was rated (for top-10/20 precision).
    Column("rank_at_rating", Integer),
    Column("score_at_rating", Integer),
    # cli | web
    Column("rated_by", String(8), nullable=False, default="cli"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime()),
    UniqueConstraint("gem_id", name="uq_gem_ratings_gem_id"),
    Index("ix_gem_ratings_gem_type", "gem_type"),
)

gem_suppressions = Table(
    "gem_suppressions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_domain", String(320), nullable=False),
    Column("gem_type", String(32), nullable=False),
    # '' = every thread of that sender; else the thread's key.
    Column("thread_key", String(32), nullable=False, default=""),
    Column("reason", String(32)),
    Column("gem_rating_id", Integer, ForeignKey("gem_ratings.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint(
        "sender_domain", "gem_type", "thread_key", name="uq_gem_suppressions_natural_key"
    ),
)
