"""Search conditions shared by every reader of the database (web, CLI, AI audit)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Engine

#: A user's search text is cut to this many characters (bounded LIKE work).
MAX_SEARCH_CHARS = 200


def like_literal(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape="\\"``: its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_body(text: str) -> str:
    """A user's search text as a LIKE pattern body: wildcards are taken literally."""
    return like_literal(text.strip().lower()[:MAX_SEARCH_CHARS])


def contains(engine: Engine, column: ColumnElement, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, any case: SQLite's LIKE ignores ASCII case by
    itself (no lower() per row, so an index stays usable), PostgreSQL needs ILIKE."""
    pattern = f"%{like_body(text)}%"
    if engine.dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")
