"""The full-text search index of ``messages``: one table, a different kind per database.

SQLite: ``message_search``, an FTS5 virtual table, contentless (the text
lives in ``messages``; the index keeps only what ranking needs), its rowid
the ``messages.id``. PostgreSQL: ``message_search``, a side table of
tsvectors (each searchable field, and the whole ``document`` weighted by
field) with a GIN index on ``document``.

Neither is on the shared :data:`~inboxmine.db.tables.metadata`: the two are
not the same table, and SQLite's FTS5 cannot be created from a Table
definition. The migration ``0014_search`` creates the one its database
uses; Alembic's comparisons leave them out (:func:`is_search_table`).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table
from sqlalchemy.dialects.postgresql import TSVECTOR

SEARCH_TABLE = "message_search"
#: The columns of the SQLite FTS5 table, in order (bm25 weights follow it).
FTS_COLUMNS = ("subject", "body", "sender", "recipients", "attachments", "list_id")
#: unicode61 without diacritics: "cafe" finds "café"; PostgreSQL gets text
#: already split and folded the same way (inboxmine.search.document.lexeme_text).
FTS_TOKENIZE = "unicode61 remove_diacritics 2"
#: PostgreSQL text search configuration: no stemming, like SQLite's tokenizer.
PG_CONFIG = "simple"

search_metadata = MetaData()

#: PostgreSQL only (the migration creates it there, with its GIN index).
pg_message_search = Table(
    SEARCH_TABLE,
    search_metadata,
    Column(
        "message_id",
        Integer,
        ForeignKey("messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("subject_tsv", TSVECTOR, nullable=False),
    Column("sender_tsv", TSVECTOR, nullable=False),
    Column("recipients_tsv", TSVECTOR, nullable=False),
    Column("list_tsv", TSVECTOR, nullable=False),
    Column("document", TSVECTOR, nullable=False),
)


def fts5_ddl() -> str:
    """The SQLite statement that creates the index."""
    columns = ", ".join(FTS_COLUMNS)
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
        f"{columns}, content='', tokenize='{FTS_TOKENIZE}')"
    )


def is_search_table(name: str | None) -> bool:
    """True for the index and SQLite's FTS5 shadow tables (message_search_data, ...)."""
    return bool(name) and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_"))
