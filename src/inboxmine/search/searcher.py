"""Answering a query from the index: the matching messages, ranked, with snippets.

SQLite: the FTS5 table's bm25 (field weights from rules/search.yaml);
PostgreSQL: ts_rank over the weighted ``document`` tsvector, candidates from
its GIN index. Without a positive text term (``has:attachment after:...``)
answers are newest first. All user text travels as bind parameters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Float, Integer, Select, and_, func, null, select, text

from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.search import FTS_COLUMNS, PG_CONFIG, SEARCH_TABLE
from inboxmine.rules.loader import load_rules
from inboxmine.search.compile import fts_match, ts_queries
from inboxmine.search.filters import filter_conditions
from inboxmine.search.query import Query, parse_query

#: Most answers one search returns.
MAX_LIMIT = 500
HIT_COLUMNS = ("id", "sent_at", "from_address", "from_name", "subject", "thread_id")


@dataclass
class SearchHit:
    """One matching message, what a result row shows and links to."""

    message_id: int
    sent_at: datetime | None
    from_address: str | None
    from_name: str | None
    subject: str | None
    thread_id: int | None
    score: float | None
    snippet: list[tuple[str, bool]] = field(default_factory=list)
    sender_domain: str | None = None
    has_profile: bool = False
    gems: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SearchResults:
    query: str
    total: int
    ranked: bool
    hits: list[SearchHit]
    elapsed_ms: float


def search_rules(rules_dir=None) -> dict[str, Any]:
    rules = load_rules("search.yaml", rules_dir)
    weights = {name: float(value) for name, value in rules["weights"].items()}
    return {"weights": weights, "snippet_chars": int(rules["snippet_chars"])}


@dataclass(frozen=True)
class _HitsSql:
    """The index's part of a search: SQL text selecting ``id, score`` and its binds."""

    sql: str
    binds: dict[str, Any]
    best_first: str  # ORDER BY of the best matches first

    def subquery(self, top: tuple[int, int] | None = None):
        sql, binds = self.sql, dict(self.binds)
        if top is not None:
            # Ranked inside the index: only the page's rows meet ``messages``.
            sql += f" ORDER BY {self.best_first}, id DESC LIMIT :top_limit OFFSET :top_offset"
            binds.update(top_limit=top[0], top_offset=top[1])
        return text(sql).bindparams(**binds).columns(id=Integer, score=Float).subquery("hits")

    def count(self):
        return text(f"SELECT count(*) FROM ({self.sql}) AS counted").bindparams(**self.binds)


def _sqlite_hits(query: Query, weights: dict[str, float]):
    """``(the index's SQL or None, extra conditions on messages)``."""
    compiled = fts_match(query)
    conditions = []
    if compiled.exclude is not None:
        excluded = text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :exclude")
        conditions.append(
            messages.c.id.not_in(
                excluded.bindparams(exclude=compiled.exclude).columns(rowid=Integer)
            )
        )
    if compiled.match is None:
        return None, conditions
    marks = ", ".join(f":w_{c}" for c in FTS_COLUMNS)
    sql = (
        f"SELECT rowid AS id, bm25({SEARCH_TABLE}, {marks}) AS score "
        f"FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match"
    )
    binds = {"match": compiled.match, **{f"w_{c}": weights.get(c, 1.0) for c in FTS_COLUMNS}}
    # bm25 is lower for a better match.
    return _HitsSql(sql, binds, "score"), conditions


def _pg_weights(weights: dict[str, float]) -> list[float]:
    """ts_rank's {D, C, B, A}: A subject, B sender, C recipients and list, D the rest."""
    top = max(weights.values() or [1.0]) or 1.0
    d = max(weights.get("body", 1.0), weights.get("attachments", 1.0))
    c = max(weights.get("recipients", 1.0), weights.get("list_id", 1.0))
    return [d / top, c / top, weights.get("sender", 1.0) / top, weights.get("subject", 1.0) / top]


def _pg_hits(query: Query, weights: dict[str, float]):
    compiled = ts_queries(query)
    if not compiled.by_column:
        return None, []
    binds: dict[str, Any] = {}
    where = []
    for n, (column, tsquery) in enumerate(sorted(compiled.by_column.items())):
        binds[f"q{n}"] = tsquery
        where.append(f"{column} @@ to_tsquery('{PG_CONFIG}', :q{n})")
        if column == "document":
            document_bind = f"q{n}"
    score = "0.0"
    if compiled.ranked:
        binds["weights"] = _pg_weights(weights)
        score = (
            f"ts_rank(CAST(:weights AS float4[]), document, "
            f"to_tsquery('{PG_CONFIG}', :{document_bind}), 1)"
        )
    sql = (
        f"SELECT message_id AS id, {score} AS score FROM {SEARCH_TABLE} WHERE {' AND '.join(where)}"
    )
    return _HitsSql(sql, binds, "score DESC"), []


def matching(
    engine: Engine, query: Query, weights: dict[str, float], top: tuple[int, int] | None = None
):
    """``(select of messages columns + score, ranked, hits subquery, pushed)``, not
    yet ordered. With ``top`` (limit, offset) and nothing but index terms, the
    ranking and the page are cut inside the index (``pushed`` is True)."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        hits_sql, conditions = _sqlite_hits(query, weights)
    else:
        hits_sql, conditions = _pg_hits(query, weights)
    conditions += filter_conditions(dialect, query)
    columns = [messages.c[c] for c in HIT_COLUMNS]
    ranked = hits_sql is not None and query.ranked
    pushed = top is not None and ranked and not conditions
    hits = None
    if hits_sql is None:
        statement = select(*columns, null().label("score"))
    else:
        hits = hits_sql.subquery(top if pushed else None)
        statement = select(*columns, hits.c.score).join(hits, hits.c.id == messages.c.id)
    if conditions:
        statement = statement.where(and_(*conditions))
    return statement, ranked, hits, (hits_sql if pushed else None)


def ordered(engine: Engine, statement: Select, ranked: bool, hits) -> Select:
    if not ranked:
        return statement.order_by(messages.c.sent_at.desc(), messages.c.id.desc())
    # bm25 is lower for a better match; ts_rank higher.
    score = hits.c.score if engine.dialect.name == "sqlite" else hits.c.score.desc()
    return statement.order_by(score, messages.c.id.desc())


def matching_ids(engine: Engine, query: Query, rules_dir=None) -> Select:
    """A select of the ids of the messages matching ``query`` (for an IN filter)."""
    statement, _, _, _ = matching(engine, query, search_rules(rules_dir)["weights"])
    return statement.with_only_columns(messages.c.id)


def search(
    engine: Engine,
    query_text: str,
    *,
    limit: int = 20,
    offset: int = 0,
    rules_dir=None,
    with_context: bool = True,
) -> SearchResults:
    """The messages matching ``query_text``, best first. Raises
    :class:`~inboxmine.search.query.QueryError` for a malformed query."""
    started = time.perf_counter()
    query = parse_query(query_text)
    rules = search_rules(rules_dir)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    statement, ranked, hits, pushed = matching(engine, query, rules["weights"], (limit, offset))
    page = ordered(engine, statement, ranked, hits)
    if pushed is None:
        page = page.limit(limit).offset(offset)
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
    else:
        counted = pushed.count()  # the index alone knows how many match
    with engine.connect() as conn:
        rows = conn.execute(page).mappings().all()
        total = conn.execute(counted).scalar_one()
        found = [
            SearchHit(
                message_id=r["id"],
                sent_at=r["sent_at"],
                from_address=r["from_address"],
                from_name=r["from_name"],
                subject=r["subject"],
                thread_id=r["thread_id"],
                score=r["score"],
            )
            for r in rows
        ]
        if with_context and found:
            from inboxmine.search.context import add_context

            add_context(conn, found, query, rules["snippet_chars"])
    elapsed = (time.perf_counter() - started) * 1000
    return SearchResults(query_text, total, ranked, found, round(elapsed, 1))


def hit_record(hit: SearchHit) -> dict[str, Any]:
    """One hit as plain data (the CLI's --json, the API): the snippet as text and
    as parts, so a renderer can mark the matches without trusting the text."""
    from inboxmine.search.snippet import plain

    return {
        "id": hit.message_id,
        "sent_at": hit.sent_at,
        "from_address": hit.from_address,
        "from_name": hit.from_name,
        "subject": hit.subject,
        "thread_id": hit.thread_id,
        "score": hit.score,
        "snippet": plain(hit.snippet),
        "snippet_parts": [{"text": t, "match": m} for t, m in hit.snippet],
        "sender_domain": hit.sender_domain,
        "has_profile": hit.has_profile,
        "gems": hit.gems,
    }


def lenient_query(text_: str) -> Query | None:
    """``text_`` as a query for a plain search box (a table's, the API's ``q``):
    a malformed query is searched as its words instead of failing; None when
    nothing is left to search for."""
    from inboxmine.search.query import QueryError

    try:
        return parse_query(text_)
    except QueryError:
        words = " ".join(w for w in text_.replace('"', " ").replace(":", " ").split() if w)
        try:
            return parse_query(words[:500]) if words else None
        except QueryError:
            return None


def message_ids_matching(engine: Engine, text_: str, rules_dir=None):
    """A condition ``messages.id IN (the index's answers to text_)``: how the
    admin's message table and the messages API search, instead of LIKE scans."""
    from sqlalchemy import false

    query = lenient_query(text_)
    if query is None:
        return false()
    return messages.c.id.in_(matching_ids(engine, query, rules_dir))
