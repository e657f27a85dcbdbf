"""Distributed runs: an item stage's work cut into batches that workers claim.

When runs go through a shared queue (Redis), the worker that executes a run
plans its items as ``run_batches`` rows; every worker of the queue claims
batches with a lease, and a batch is stored exactly once: its rows, its
stage marks and ``status = 'done'`` commit in one transaction, and a batch
already done is never stored again. A worker killed mid-batch leaves a claim
whose lease runs out; another worker takes the batch again.
"""

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

run_batches = Table(
    "run_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "pipeline_run_id",
        Integer,
        ForeignKey("pipeline_runs.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("batch_no", Integer, nullable=False),
    Column("item_ids", JSON, nullable=False),
    Column("item_count", Integer, nullable=False),
    # pending -> claimed -> done (a claim whose lease ran out is claimable again)
    Column("status", String(8), nullable=False, default="pending"),
    Column("claimed_by", String(255)),
    Column("lease_until", UTCDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("items_processed", Integer, nullable=False, default=0),
    Column("items_failed", Integer, nullable=False, default=0),
    # The worker whose result was stored.
    Column("done_by", String(255)),
    Column("completed_at", UTCDateTime()),
    Index("ix_run_batches_run_status", "pipeline_run_id", "status"),
)
