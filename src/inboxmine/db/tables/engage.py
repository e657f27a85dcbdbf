"""Tables of this area (filled in by its stage)."""

from inboxmine.db.tables._meta import metadata  # noqa: F401
