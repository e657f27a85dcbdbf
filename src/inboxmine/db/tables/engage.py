"""Stage 7 table: outreach drafts. Drafts are never sent by inboxmine."""

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

engagement_drafts = Table(
    "engagement_drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("gem_id", Integer, ForeignKey("gems.id"), nullable=False),
    Column("sender_domain", String(320), nullable=False),
    Column("strategy", String(32), nullable=False),
    Column("channel", Text),
    # 1 for the first draft of a gem and strategy; --regenerate adds the next.
    Column("version", Integer, nullable=False, default=1),
    Column("subject_line", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text),
    # The text as the AI wrote it ({subject_line, body_text}), kept when the
    # user edits the draft so the audit trail stays true; NULL until edited.
    Column("original_text", JSON),
    Column("edited_at", UTCDateTime()),
    # draft | approved | sent | archived (set by the user; inboxmine never sends)
    Column("status", String(16), nullable=False, default="draft"),
    Column("model_used", String(255)),
    Column("prompt_template", String(128)),
    # The facts the draft was written from (what the prompt saw).
    Column("context", JSON),
    Column("pipeline_run_id", Integer),
    Column("generated_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime()),
    Column("sent_at", UTCDateTime()),
    Column("response_received", Boolean, nullable=False, default=False),
    Column("response_sentiment", String(16)),
    Index("ix_engagement_drafts_gem_strategy", "gem_id", "strategy"),
    Index("ix_engagement_drafts_generated_at", "generated_at"),
)
