"""Alembic environment: always driven by inboxmine.db.migrate with a live connection."""

from alembic import context

from inboxmine.db.tables import metadata
from inboxmine.db.tables.search import is_search_table


def include_name(name, type_, parent_names):
    # The search index is made by hand in 0014_search (FTS5 / tsvector):
    # autogenerate must neither drop it nor diff its shadow tables.
    return not (type_ == "table" and is_search_table(name))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
