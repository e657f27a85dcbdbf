"""The AI layer's tables: the audit log of every call, and the response cache."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

# One row per AI call - success, failure or cache hit - whoever triggered it.
# Written only by inboxmine.ai.audit; nothing updates or deletes rows.
ai_audit_log = Table(
    "ai_audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "pipeline_run_id",
        Integer,
        ForeignKey("pipeline_runs.id", ondelete="SET NULL"),
        index=True,
    ),
    Column("stage", String(32), nullable=False),
    # Passed by the caller (the sender the call is about), never parsed from a prompt.
    Column("sender_domain", String(320)),
    # The full provider:model spec, e.g. "heuristic", "ollama:llama3.1".
    Column("model_used", String(255), nullable=False),
    # ok | error | cache_hit
    Column("status", String(16), nullable=False),
    Column("cached", Boolean, nullable=False, default=False),
    Column("prompt_template", String(128)),
    Column("prompt_version", String(32)),
    Column("system_prompt", Text),
    Column("prompt_rendered", Text),
    # Exactly what came back (last attempt), and the validated answer.
    Column("response_raw", Text),
    Column("response_parsed", JSON),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=1),
    Column("tokens_in", Integer),
    Column("tokens_out", Integer),
    Column("duration_ms", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_ai_audit_log_created_at", "created_at"),
    Index("ix_ai_audit_log_stage", "stage"),
    Index("ix_ai_audit_log_sender_domain", "sender_domain"),
    Index("ix_ai_audit_log_model_used", "model_used"),
    Index("ix_ai_audit_log_duration_ms", "duration_ms"),
)

# Validated answers by (provider, model, system prompt, prompt, answer schema),
# so a re-run does not pay twice for the same question.
ai_cache = Table(
    "ai_cache",
    metadata,
    Column("cache_key", String(64), primary_key=True),
    Column("model_used", String(255), nullable=False),
    Column("response_raw", Text),
    Column("response_parsed", JSON, nullable=False),
    Column("tokens_in", Integer),
    Column("tokens_out", Integer),
    Column("hits", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_hit_at", UTCDateTime()),
)
