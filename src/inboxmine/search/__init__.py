"""Full-text search over the stored mail: the query language, the index, the queries.

``query`` parses what a user types into a typed AST (pure); ``document``
builds the indexed text of a message (pure); ``compile`` turns the AST into
safely quoted FTS5 / tsquery expressions (pure); ``index`` keeps the index
(SQLite FTS5 table, PostgreSQL tsvector side table) in step with
``messages``; ``searcher`` answers a query, ranked, with snippets.
"""
