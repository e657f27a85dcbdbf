"""Stage 4 tables: classifications per message and per sender, and the user's overrides."""

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
)

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime


def _dimension_columns() -> list[Column]:
    """The classification dimensions, shared by the message and sender tables."""
    return [
        Column("industry", String(64)),
        Column("company_size_estimate", String(16)),
        Column("marketing_sophistication", Integer),
        Column("sender_intent", String(32)),
        Column("product_type", String(64)),
        Column("product_description", Text),
        Column("pain_points", JSON),
        Column("target_audience", Text),
        Column("partner_program_detected", Boolean, nullable=False, default=False),
        Column("renewal_signal_detected", Boolean, nullable=False, default=False),
        Column("ai_confidence", Float),
    ]


def _provenance_columns() -> list[Column]:
    return [
        # The full provider:model spec; "heuristic" for the built-in classifier.
        Column("model_used", String(255), nullable=False),
        Column("prompt_template", String(128)),
        Column("prompt_version", String(32)),
        Column("audit_id", Integer, ForeignKey("ai_audit_log.id", ondelete="SET NULL")),
        Column("has_override", Boolean, nullable=False, default=False),
        # {field: value the model gave} for every overridden field, so an
        # override can be removed or audited without reclassifying.
        Column("original_values", JSON),
        # Which signals decided the answer and how sure each dimension is:
        # {dimension: {"confidence": 0.7, "signals": ["offer=renewal", "esp=stripe"]}}.
        Column("evidence", JSON),
        Column("pipeline_run_id", Integer),
        Column("classified_at", UTCDateTime(), nullable=False),
    ]


ai_classification = Table(
    "ai_classification",
    metadata,
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("sender_domain", String(320), nullable=False),
    *_dimension_columns(),
    *_provenance_columns(),
    Index("ix_ai_classification_sender_domain", "sender_domain"),
    Index("ix_ai_classification_sender_intent", "sender_intent"),
    Index("ix_ai_classification_industry", "industry"),
)

# One row per sender: the answer for its sample, with the overrides applied.
sender_classification = Table(
    "sender_classification",
    metadata,
    Column("sender_domain", String(320), primary_key=True),
    *_dimension_columns(),
    *_provenance_columns(),
    Column("message_count", Integer, nullable=False, default=0),
    # The messages the answer was based on (most recent first).
    Column("sample_message_ids", JSON),
    Index("ix_sender_classification_sender_intent", "sender_intent"),
    Index("ix_sender_classification_industry", "industry"),
)

classification_overrides = Table(
    "classification_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    # sender | message; a message override wins over a sender override.
    Column("override_scope", String(8), nullable=False),
    Column("sender_domain", String(320), nullable=False),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE")),
    Column("field_name", String(64), nullable=False),
    # Stored as JSON so integers and booleans keep their type.
    Column("original_value", JSON),
    Column("corrected_value", JSON),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_classification_overrides_sender_domain", "sender_domain"),
    Index("ix_classification_overrides_message_id", "message_id"),
    Index("ix_classification_overrides_created_at", "created_at"),
)
