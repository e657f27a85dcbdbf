"""The run ledger: one row per stage execution, and the per-item errors."""

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("stage", String(32), nullable=False),
    # pending (queued) -> running -> completed | failed
    Column("status", String(16), nullable=False, default="pending"),
    Column("started_at", UTCDateTime()),
    Column("completed_at", UTCDateTime()),
    Column("items_processed", Integer, nullable=False, default=0),
    Column("items_failed", Integer, nullable=False, default=0),
    Column("items_total", Integer),
    Column("triggered_by", String(8), nullable=False, default="cli"),
    Column("error_message", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("parameters", JSON),
    # Who is executing it, so a dead process's run can be told from a live one.
    Column("worker", String(255)),
    Column("heartbeat_at", UTCDateTime()),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    # Runs queued together (Run All) share a batch id and run in order.
    Column("batch_id", String(36)),
    Index("ix_pipeline_runs_started_at", "started_at"),
    Index("ix_pipeline_runs_stage", "stage"),
    Index("ix_pipeline_runs_status", "status"),
)

item_errors = Table(
    "item_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "pipeline_run_id", Integer, ForeignKey("pipeline_runs.id", ondelete="CASCADE"), index=True
    ),
    Column("stage", String(32), nullable=False),
    Column("item_id", String(255), nullable=False),
    Column("error", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_item_errors_stage_item", "stage", "item_id"),
)

# Which items each stage has processed ("process what is unprocessed").
# status: done | error | partial (done, but to be redone once a missing
# capability - e.g. the spaCy model - is available).
stage_items = Table(
    "stage_items",
    metadata,
    Column("stage", String(32), primary_key=True),
    # Message stages key by item_id (the message id); named items by item_id
    # and/or item_key (a sender identity; a gem id and its strategy).
    Column("item_id", Integer, primary_key=True),
    Column("item_key", String(320), primary_key=True, server_default=""),
    # A done item is pending again when its version changes (classify: the
    # sender's newest message).
    Column("item_version", String(64)),
    Column("status", String(8), nullable=False),
    Column("pipeline_run_id", Integer),
    Column("processed_at", UTCDateTime(), nullable=False),
    Index("ix_stage_items_stage_status", "stage", "status"),
)
