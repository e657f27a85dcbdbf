"""Stage 5 and 6 tables: sender profiles, relationships, exclusions, gems, segments.

Gems are never deleted by a stage: a gem has a natural key (sender_domain,
gem_type, thread_key) so detection updates it in place, keeps its status and
drafts, and marks it ``expired`` when its evidence disappears.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

sender_profiles = Table(
    "sender_profiles",
    metadata,
    # Registered domain, or the full address for free-mail senders.
    Column("sender_domain", String(320), primary_key=True),
    Column("company_name", Text),
    Column("primary_email", String(320)),
    Column("reply_to_email", String(320)),
    Column("is_freemail", Boolean, nullable=False, default=False),
    Column("industry", String(120)),
    Column("company_size", String(32)),
    Column("sender_intent", String(64)),
    # Blended 60/40 deterministic/AI score (1-10), its parts and its trend.
    Column("marketing_sophistication_avg", Float),
    Column("marketing_sophistication_deterministic", Float),
    Column("marketing_sophistication_ai", Float),
    Column("marketing_sophistication_trend", String(16)),
    Column("sophistication_breakdown", JSON),
    Column("esp_used", String(64)),
    Column("authentication_quality", String(16)),
    Column("unsubscribe_url", Text),
    Column("product_type", String(120)),
    Column("product_description", Text),
    Column("pain_points", JSON),
    Column("target_audience", Text),
    Column("known_contacts", JSON),
    Column("total_messages", Integer, nullable=False, default=0),
    #: How many of them were read for content facts (the most recent; less than
    #: ``total_messages`` for a sender above ``store.MAX_SENDER_MESSAGES``).
    Column("messages_read", Integer),
    Column("messages_from_me", Integer, nullable=False, default=0),
    Column("bulk_ratio", Float),
    Column("first_contact", UTCDateTime()),
    Column("last_contact", UTCDateTime()),
    Column("avg_frequency_days", Float),
    Column("offer_type_distribution", JSON),
    Column("cta_texts_all", JSON),
    Column("social_links", JSON),
    Column("physical_address", Text),
    Column("utm_campaign_names", JSON),
    Column("has_personalization", Boolean, nullable=False, default=False),
    Column("has_partner_program", Boolean, nullable=False, default=False),
    Column("partner_program_urls", JSON),
    # [{date, kind, is_upcoming, message_id, quote}]; next_renewal_date is the
    # nearest date still ahead at profiling time (past dates never count).
    Column("renewal_dates", JSON),
    Column("next_renewal_date", String(10)),
    Column("monetary_signals", JSON),
    Column("warm_signals", JSON),
    Column("economic_segments", JSON),
    Column("thread_count", Integer, nullable=False, default=0),
    Column("thread_initiation_ratio", Float),
    Column("user_reply_rate", Float),
    Column("profiled_at", UTCDateTime(), nullable=False),
    Index("ix_sender_profiles_last_contact", "last_contact"),
    Index("ix_sender_profiles_industry", "industry"),
)

sender_relationships = Table(
    "sender_relationships",
    metadata,
    Column("sender_domain", String(320), primary_key=True),
    Column("relationship_type", String(32), nullable=False),
    Column("confidence", Float),
    # The signals that decided (auto-detection), for "why is this my_vendor?".
    Column("signals", JSON),
    Column("relationship_note", Text),
    Column("suppress_gems", Boolean, nullable=False, default=False),
    # manual | import | auto | known_entities. Manual rows are never overwritten.
    Column("source", String(16), nullable=False, default="manual"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime()),
    Index("ix_sender_relationships_type", "relationship_type"),
)

domain_exclusions = Table(
    "domain_exclusions",
    metadata,
    # A sender identity or a registered domain (then every address under it).
    Column("domain", String(320), primary_key=True),
    Column("reason", Text),
    Column("created_at", UTCDateTime(), nullable=False),
)

gems = Table(
    "gems",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("gem_type", String(32), nullable=False),
    Column("sender_domain", String(320), nullable=False),
    Column("thread_id", Integer),
    # str(thread_id) or '' : part of the natural key, never NULL so the
    # unique constraint holds on every backend.
    Column("thread_key", String(32), nullable=False, default=""),
    # new | acted | dismissed | expired
    Column("status", String(16), nullable=False, default="new"),
    Column("status_before_expiry", String(16)),
    Column("score", Integer, nullable=False, default=0),
    Column("detector_score", Integer, nullable=False, default=0),
    # {tiers: [{name, max, value, components: [...]}], raw_total, cap, total, weights}
    Column("score_breakdown", JSON),
    Column("summary", Text, nullable=False),
    # {gem_type, summary, signals: [{signal, detail, evidence: [{message_id, quote}]}], facts}
    Column("explanation", JSON),
    Column("confidence", Float),
    Column("estimated_value", String(16)),
    Column("urgency", String(16)),
    Column("urgency_reason", Text),
    Column("recommended_actions", JSON),
    Column("source_message_ids", JSON),
    # Thread gems belong to a person: the counterpart's address and name.
    Column("contact_email", String(320)),
    Column("contact_name", Text),
    # The sender's trust verdict when the gem was detected (sender_trust).
    Column("trust_verdict", String(16)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime()),
    Column("last_detected_at", UTCDateTime()),
    Column("acted_at", UTCDateTime()),
    Column("dismissed_at", UTCDateTime()),
    Column("expired_at", UTCDateTime()),
    UniqueConstraint("sender_domain", "gem_type", "thread_key", name="uq_gems_natural_key"),
    Index("ix_gems_gem_type", "gem_type"),
    Index("ix_gems_status", "status"),
    Index("ix_gems_score", "score"),
    Index("ix_gems_sender_domain", "sender_domain"),
)

sender_segments = Table(
    "sender_segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_domain", String(320), nullable=False),
    # spend_map, partner_map, ..., or custom:<name> for custom segments.
    Column("segment", String(160), nullable=False),
    Column("sub_segment", String(64), nullable=False, default=""),
    Column("confidence", Float),
    Column("is_custom", Boolean, nullable=False, default=False),
    Column("priority", String(16)),
    Column("reason", Text),
    Column("assigned_at", UTCDateTime(), nullable=False),
    UniqueConstraint("sender_domain", "segment", "sub_segment", name="uq_sender_segments_key"),
    Index("ix_sender_segments_segment", "segment"),
)
