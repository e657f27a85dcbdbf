"""full-text search index of messages (SQLite FTS5 / PostgreSQL tsvector + GIN)

Revision ID: 0014_search
Revises: 0012_run_batches
Create Date: 2026-12-06 22:50:00
"""

from alembic import op

revision = "0014_search"
down_revision = "0015_habits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5("
            "subject, body, sender, recipients, attachments, list_id, "
            "content='', tokenize='unicode61 remove_diacritics 2')"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE IF NOT EXISTS message_search ("
            "message_id integer PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, "
            "subject_tsv tsvector NOT NULL, sender_tsv tsvector NOT NULL, "
            "recipients_tsv tsvector NOT NULL, list_tsv tsvector NOT NULL, "
            "document tsvector NOT NULL)"
        )
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_message_search_document "
            "ON message_search USING GIN (document)"
        )
    else:
        return
    # Existing messages become searchable now (a new database has none).
    from inboxmine.search.index import rebuild_index

    rebuild_index(bind)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS message_search")
