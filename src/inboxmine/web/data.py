"""Read models of the admin and the API: counts, charts' data, pages of rows.

Plain functions of an engine; the API routers and the admin pages share
them. Nothing here writes: changes go through :mod:`inboxmine.services`. Tables written by other stages are looked up by name, so a page works
(empty) before that stage exists and fills in once it has run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, func, select

from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import pipeline_runs
from inboxmine.runner import registry
from inboxmine.runner.executor import last_runs
from inboxmine.services import gems as gem_service
from inboxmine.services import runs
from inboxmine.web.models import table

#: Stat cards of the dashboard: label -> table.
STAT_TABLES = {
    "messages": "messages",
    "threads": "threads",
    "metadata": "parsed_metadata",
    "content": "parsed_content",
    "entities": "extracted_entities",
    "classified": "ai_classification",
    "profiles": "sender_profiles",
    "gems": "gems",
    "segments": "sender_segments",
    "drafts": "engagement_drafts",
    "pipeline_runs": "pipeline_runs",
    "ai_calls": "ai_audit_log",
}
GEM_STATUSES = gem_service.GEM_STATUSES
#: What a user may set a gem's status to (expired is the detector's word).
GEM_USER_STATUSES = gem_service.SETTABLE_STATUSES
URGENCIES = ("high", "medium", "low")
GEM_SORTS = {
    "score": ("score", True),
    "score_asc": ("score", False),
    "newest": ("created_at", True),
    "urgency": ("urgency", False),
}


def count_rows(engine: Engine, table_name: str) -> int | None:
    """Rows in a table, or None when that table does not exist in this version."""
    found = table(table_name)
    if found is None:
        return None
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(found)).scalar_one())


def stats(engine: Engine) -> dict[str, int]:
    """Row counts for the stat cards (tables not installed count 0)."""
    return {label: count_rows(engine, name) or 0 for label, name in STAT_TABLES.items()}


def _grouped(engine: Engine, table_name: str, column: str, limit: int = 15) -> list[dict]:
    found = table(table_name)
    if found is None or column not in found.c:
        return []
    col = found.c[column]
    query = (
        select(col.label("key"), func.count().label("count"))
        .group_by(col)
        .order_by(func.count().desc(), col)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [{"key": r.key, "count": int(r.count)} for r in conn.execute(query)]


def gems_by_type(engine: Engine) -> list[dict]:
    return [
        {"gem_type": r["key"], "count": r["count"]} for r in _grouped(engine, "gems", "gem_type")
    ]


def by_industry(engine: Engine) -> list[dict]:
    """Senders per industry (one vote per sender profile, not per message)."""
    rows = _grouped(engine, "sender_profiles", "industry")
    if not rows:
        rows = _grouped(engine, "ai_classification", "industry")
    return [{"industry": r["key"] or "unknown", "count": r["count"]} for r in rows]


def by_esp(engine: Engine) -> list[dict]:
    return [
        {"esp": r["key"] or "none detected", "count": r["count"]}
        for r in _grouped(engine, "parsed_metadata", "esp_identified")
    ]


def top_gems(engine: Engine, n: int = 10) -> list[dict]:
    """The n best open gems with their value and urgency (not summed per sender)."""
    gems = table("gems")
    if gems is None:
        return []
    cols = [gems.c.id, gems.c.gem_type, gems.c.sender_domain, gems.c.score, gems.c.status]
    cols += [gems.c[c] for c in ("estimated_value", "urgency", "summary") if c in gems.c]
    query = select(*cols).order_by(gems.c.score.desc(), gems.c.id).limit(n)
    if "status" in gems.c:
        query = query.where(gems.c.status.in_(("new", "acted")))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def recent_runs(engine: Engine, n: int = 10) -> list[dict]:
    query = select(pipeline_runs).order_by(pipeline_runs.c.id.desc()).limit(n)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def stages_overview(engine: Engine) -> list[dict[str, Any]]:
    """Each registered stage: description, output rows, last run."""
    last = last_runs(engine)
    overview = []
    for key, stage in registry.stages().items():
        output = stage.output_tables[0] if stage.output_tables else None
        rows = count_rows(engine, output) if output else None
        run = last.get(key)
        overview.append(
            {
                "key": key,
                "order": stage.order,
                "description": stage.description,
                "uses_ai": stage.uses_ai,
                "output_table": output,
                "row_count": rows or 0,
                "in_run_all": stage.in_run_all,
                "last_run": None
                if run is None
                else {
                    k: run.get(k)
                    for k in (
                        "id",
                        "status",
                        "started_at",
                        "completed_at",
                        "items_processed",
                        "items_failed",
                        "error_message",
                        "triggered_by",
                    )
                },
            }
        )
    return overview


def run_item_errors(engine: Engine, run_id: int, limit: int = 200) -> list[dict]:
    return runs.run_item_errors(engine, run_id, limit)


def run_ai_calls(engine: Engine, run_id: int, limit: int = 200) -> list[dict]:
    audit = table("ai_audit_log")
    if audit is None:
        return []
    cols = [
        audit.c[c]
        for c in ("id", "stage", "sender_domain", "model_used", "duration_ms", "created_at")
        if c in audit.c
    ]
    query = select(*cols).where(audit.c.pipeline_run_id == run_id).order_by(audit.c.id).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


# ---------------------------------------------------------------- AI audit


def _page(engine: Engine, query: Select, limit: int, offset: int) -> tuple[int, list[dict]]:
    count = select(func.count()).select_from(query.order_by(None).subquery())
    with engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        rows = [dict(r) for r in conn.execute(query.limit(limit).offset(offset)).mappings()]
    return total, rows


def ai_audit_page(
    engine: Engine,
    stage: str | None = None,
    sender_domain: str | None = None,
    model: str | None = None,
    run_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    full: bool = False,
) -> tuple[int, list[dict]]:
    """Audited AI calls, newest first, filtered (``sender_domain`` as a substring);
    ``full`` adds prompts and responses. The query is the CLI's (``ai.audit``)."""
    from inboxmine.ai.audit import list_calls

    return list_calls(
        engine,
        stage=stage,
        sender_domain=sender_domain,
        sender_contains=True,
        model_used=model,
        run_id=run_id,
        sort="id",
        limit=limit,
        offset=offset,
        full=full,
    )


def ai_audit_entry(engine: Engine, audit_id: int) -> dict | None:
    """One AI call in full, or None."""
    from inboxmine.ai.audit import get_call

    return get_call(engine, audit_id)


def distinct_values(engine: Engine, table_name: str, column: str, limit: int = 100) -> list[str]:
    found = table(table_name)
    if found is None or column not in found.c:
        return []
    col = found.c[column]
    query = select(col).where(col.is_not(None)).group_by(col).order_by(col).limit(limit)
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


# ---------------------------------------------------------------- messages

MESSAGE_LIST_COLUMNS = (
    "id",
    "sent_at",
    "from_name",
    "from_address",
    "subject",
    "thread_id",
    "is_sent",
)


def messages_page(
    engine: Engine,
    q: str | None = None,
    sender: str | None = None,
    thread_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict]]:
    """Messages newest first; ``q`` searches the full-text index (subject, body,
    sender, recipients, attachment names; the query language of ``inboxmine search``)."""
    from inboxmine.search.searcher import message_ids_matching

    conditions = []
    if q:
        conditions.append(message_ids_matching(engine, q))
    if sender:
        conditions.append(messages.c.from_address == sender.strip().lower())
    if thread_id is not None:
        conditions.append(messages.c.thread_id == thread_id)
    query = select(*[messages.c[c] for c in MESSAGE_LIST_COLUMNS]).order_by(
        messages.c.sent_at.desc(), messages.c.id.desc()
    )
    if conditions:
        query = query.where(and_(*conditions))
    return _page(engine, query, limit, offset)


def message(engine: Engine, message_id: int) -> dict | None:
    """One message without its raw bytes."""
    cols = [c for c in messages.c if c.name != "raw_compressed"]
    with engine.connect() as conn:
        row = conn.execute(select(*cols).where(messages.c.id == message_id)).mappings().first()
    return dict(row) if row else None


def message_attachments(engine: Engine, message_id: int) -> list[dict]:
    found = table("attachments")
    if found is None:
        return []
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(found).where(found.c.message_id == message_id).order_by(found.c.id)
            ).mappings()
        ]


# -------------------------------------------------------------------- gems


def gems_page(
    engine: Engine,
    gem_type: str | None = None,
    status: str | None = None,
    urgency: str | None = None,
    min_score: int | None = None,
    sender_domain: str | None = None,
    sort: str = "score",
    limit: int = 24,
    offset: int = 0,
) -> tuple[int, list[dict]]:
    """Gems filtered in the database (urgency too, so counts are true), paginated."""
    gems = table("gems")
    if gems is None:
        return 0, []
    conditions = []
    if gem_type:
        conditions.append(gems.c.gem_type == gem_type)
    if status:
        conditions.append(gems.c.status == status)
    if urgency and "urgency" in gems.c:
        conditions.append(gems.c.urgency == urgency)
    if min_score is not None:
        conditions.append(gems.c.score >= min_score)
    if sender_domain:
        conditions.append(gems.c.sender_domain == sender_domain)
    column, descending = GEM_SORTS[sort]
    order_col = gems.c.get(column, gems.c.score)
    query = select(gems).order_by(
        order_col.desc() if descending else order_col.asc(), gems.c.id.desc()
    )
    profiles = table("sender_profiles")
    if profiles is not None:
        query = (
            select(gems, profiles.c.company_name, profiles.c.industry)
            .select_from(gems.outerjoin(profiles, profiles.c.sender_domain == gems.c.sender_domain))
            .order_by(order_col.desc() if descending else order_col.asc(), gems.c.id.desc())
        )
    if conditions:
        query = query.where(and_(*conditions))
    return _page(engine, query, limit, offset)


def gem(engine: Engine, gem_id: int) -> dict | None:
    gems = table("gems")
    if gems is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(gems).where(gems.c.id == gem_id)).mappings().first()
    return dict(row) if row else None


def gem_drafts(engine: Engine, gem_id: int) -> list[dict]:
    drafts = table("engagement_drafts")
    if drafts is None:
        return []
    query = select(drafts).where(drafts.c.gem_id == gem_id).order_by(drafts.c.id.desc())
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def sender_score(engine: Engine, sender_domain: str) -> dict | None:
    """A sender's profile, relationship and gems with their score breakdowns."""
    profiles = table("sender_profiles")
    gems = table("gems")
    if gems is None:
        return None
    with engine.connect() as conn:
        gem_rows = [
            dict(r)
            for r in conn.execute(
                select(gems)
                .where(gems.c.sender_domain == sender_domain)
                .order_by(gems.c.score.desc())
            ).mappings()
        ]
        profile = None
        if profiles is not None:
            found = (
                conn.execute(select(profiles).where(profiles.c.sender_domain == sender_domain))
                .mappings()
                .first()
            )
            profile = dict(found) if found else None
        relationship = None
        relationships = table("sender_relationships")
        if relationships is not None:
            found = (
                conn.execute(
                    select(relationships).where(relationships.c.sender_domain == sender_domain)
                )
                .mappings()
                .first()
            )
            relationship = dict(found) if found else None
    if not gem_rows and profile is None:
        return None
    return {
        "sender_domain": sender_domain,
        "profile": profile,
        "relationship": relationship,
        "gems": gem_rows,
    }


def top_sender_domains(engine: Engine, n: int = 50) -> list[str]:
    gems = table("gems")
    if gems is None:
        return []
    query = (
        select(gems.c.sender_domain)
        .group_by(gems.c.sender_domain)
        .order_by(func.max(gems.c.score).desc(), gems.c.sender_domain)
        .limit(n)
    )
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


def jsonable(value: Any) -> Any:
    """Rows to JSON-friendly data (datetimes as ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
