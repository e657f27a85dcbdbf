"""Settings that shape results, kept with the database they shape.

``app_settings`` holds one row per stored key (``me``, the persona of
``engagement.*``, see :data:`inboxmine.stored_settings.STORED_KEYS`), so the
CLI, the web admin and a worker started anywhere compute the same gems from
the same database. A config file, ``.env``, the environment and flags still
override them. Never secrets, never the database URL.
"""

from sqlalchemy import JSON, Column, String, Table

from inboxmine.db.tables._meta import metadata
from inboxmine.db.types import UTCDateTime

app_settings = Table(
    "app_settings",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # cli | web: who stored it last.
    Column("updated_by", String(8), nullable=False),
)
