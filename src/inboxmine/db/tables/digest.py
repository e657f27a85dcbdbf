"""Digest runs: when each digest was made and what the gems looked like then.

``inboxmine digest --since last`` reads the newest row to know where the
previous digest stopped; ``gem_snapshot`` (``{gem_id: [score, status]}``)
is what "changed since" compares with, so a score that moved is told from a
gem that was merely detected again.
"""

from sqlalchemy import JSON, Column, Index, Integer, String, Table

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

digest_runs = Table(
    "digest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generated_at", UTCDateTime(), nullable=False),
    # The start of the window this digest covered.
    Column("since", UTCDateTime(), nullable=False),
    # text | html | json
    Column("format", String(8), nullable=False),
    # cli | web | watch
    Column("triggered_by", String(8), nullable=False),
    # {new_gems, changed_gems, new_asks, renewals_due, drafts_waiting}
    Column("counts", JSON),
    Column("gem_snapshot", JSON),
    Index("ix_digest_runs_generated_at", "generated_at"),
)
