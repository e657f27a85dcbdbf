"""Schema migrations (Alembic), run from code: ``inboxmine init`` / ``db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Create the database or bring it to the newest schema."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "heads")


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()


def make_revision(engine: Engine, message: str) -> None:
    """Autogenerate a migration from the table definitions (developers only).

    The database must already be at the newest schema; several heads are
    merged first so the new revision follows all of them.
    """
    with engine.begin() as conn:
        cfg = alembic_config(conn)
        command.upgrade(cfg, "heads")
        if len(head_revisions()) > 1:
            command.merge(cfg, "heads", message="merge heads")
            command.upgrade(cfg, "heads")
        command.revision(cfg, message=message, autogenerate=True)
