"""Every table of inboxmine, defined once.

Each module holds the tables of one area; importing this package registers
them all on :data:`metadata`, which Alembic, the stages, the CLI and the web
admin share.
"""

from inboxmine.db.tables import (  # noqa: F401  (registers tables)
    ai,
    classify,
    content,
    digest,
    engage,
    entities,
    ingest,
    ledger,
    metadata_stage,
    opportunities,
    queue,
    settings,
    trust,
)
from inboxmine.db.tables._meta import metadata

__all__ = ["metadata"]
