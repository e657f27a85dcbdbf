"""Read opportunities: what the CLI and the web (Gem Explorer, Score Inspector,
the digest) list and show. Every function takes an engine and returns plain data.

Changes go through :mod:`inboxmine.services` (gems, drafts, relationships,
exclusions); the names of its constants are repeated here for the readers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select, func, or_, select

from inboxmine.db.engine import read_tx
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.opportunities import (
    domain_exclusions,
    gems,
    sender_profiles,
    sender_relationships,
    sender_segments,
)
from inboxmine.opportunities.gems import gem_types
from inboxmine.services.base import InvalidValue, NotFound
from inboxmine.services.base import check_choice as _check
from inboxmine.services.drafts import DRAFT_STATUSES
from inboxmine.services.gems import GEM_STATUSES, SETTABLE_STATUSES
from inboxmine.services.relationships import (
    DETECTED_SOURCES,
    RELATIONSHIP_SOURCES,
    RELATIONSHIP_TYPES,
)

URGENCIES = ("high", "medium", "low")
GEM_LIST_COLUMNS = (
    "id",
    "gem_type",
    "sender_domain",
    "company_name",
    "score",
    "status",
    "urgency",
    "estimated_value",
    "confidence",
    "summary",
    "thread_id",
    "contact_email",
    "contact_name",
    "trust_verdict",
    "created_at",
    "last_detected_at",
)
PROFILE_SORTS = (
    "sender_domain",
    "company_name",
    "total_messages",
    "last_contact",
    "first_contact",
    "marketing_sophistication_avg",
    "industry",
)


def gems_with_company(*columns) -> Select:
    """``columns`` of gems with their sender's company name available
    (``sender_profiles`` outer-joined): the gem list and the digest read gems through it."""
    return select(*columns).select_from(
        gems.outerjoin(sender_profiles, sender_profiles.c.sender_domain == gems.c.sender_domain)
    )


def list_gems(
    engine: Engine,
    gem_type: str | None = None,
    status: str | None = None,
    segment: str | None = None,
    min_score: int | None = None,
    urgency: str | None = None,
    sender: str | None = None,
    top: int | None = None,
    offset: int = 0,
    include_expired: bool = False,
) -> list[dict[str, Any]]:
    """Gems best first, filtered; expired gems only when asked (or ``status='expired'``)."""
    _check(gem_type, gem_types(), "gem type")
    _check(status, GEM_STATUSES, "status")
    _check(urgency, URGENCIES, "urgency")
    query = gems_with_company(
        gems.c.id,
        gems.c.gem_type,
        gems.c.sender_domain,
        sender_profiles.c.company_name,
        gems.c.score,
        gems.c.status,
        gems.c.urgency,
        gems.c.estimated_value,
        gems.c.confidence,
        gems.c.summary,
        gems.c.thread_id,
        gems.c.contact_email,
        gems.c.contact_name,
        gems.c.trust_verdict,
        gems.c.created_at,
        gems.c.last_detected_at,
        gems.c.recommended_actions,
    )
    if gem_type:
        query = query.where(gems.c.gem_type == gem_type)
    if status:
        query = query.where(gems.c.status == status)
    elif not include_expired:
        query = query.where(gems.c.status != "expired")
    if urgency:
        query = query.where(gems.c.urgency == urgency)
    if min_score is not None:
        query = query.where(gems.c.score >= min_score)
    if sender:
        query = query.where(gems.c.sender_domain == sender.lower())
    if segment:
        # EXISTS, not a join: a sender in several sub-segments is listed once.
        in_segment = (
            select(sender_segments.c.id)
            .where(
                sender_segments.c.sender_domain == gems.c.sender_domain,
                or_(
                    sender_segments.c.segment == segment,
                    sender_segments.c.segment == f"custom:{segment}",
                ),
            )
            .exists()
        )
        query = query.where(in_segment)
    query = query.order_by(gems.c.score.desc(), gems.c.id).offset(offset)
    if top:
        query = query.limit(top)
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def gem_detail(engine: Engine, gem_id: int) -> dict[str, Any]:
    """One gem in full: explanation (signals with evidence), score breakdown, drafts,
    and the quoted messages' subjects and dates."""
    from inboxmine.db.tables.ingest import messages

    with read_tx(engine) as conn:
        row = conn.execute(select(gems).where(gems.c.id == gem_id)).mappings().first()
        if row is None:
            raise NotFound(f"gem {gem_id} does not exist: `inboxmine gems` lists the gems")
        gem = dict(row)
        profile = (
            conn.execute(
                select(
                    sender_profiles.c.company_name,
                    sender_profiles.c.industry,
                    sender_profiles.c.company_size,
                ).where(sender_profiles.c.sender_domain == gem["sender_domain"])
            )
            .mappings()
            .first()
        )
        gem.update(dict(profile) if profile else {"company_name": None})
        relationship = conn.execute(
            select(sender_relationships.c.relationship_type, sender_relationships.c.source).where(
                sender_relationships.c.sender_domain == gem["sender_domain"]
            )
        ).first()
        gem["relationship"] = relationship[0] if relationship else "unknown"
        gem["relationship_source"] = relationship[1] if relationship else None
        ids = sorted(
            {
                e["message_id"]
                for s in (gem.get("explanation") or {}).get("signals", [])
                for e in s.get("evidence", [])
            }
        )
        gem["evidence_messages"] = (
            [
                dict(r)
                for r in conn.execute(
                    select(
                        messages.c.id,
                        messages.c.subject,
                        messages.c.sent_at,
                        messages.c.from_address,
                    )
                    .where(messages.c.id.in_(ids))
                    .order_by(messages.c.sent_at)
                ).mappings()
            ]
            if ids
            else []
        )
        gem["drafts"] = [
            dict(r)
            for r in conn.execute(
                select(
                    engagement_drafts.c.id,
                    engagement_drafts.c.strategy,
                    engagement_drafts.c.version,
                    engagement_drafts.c.subject_line,
                    engagement_drafts.c.status,
                    engagement_drafts.c.generated_at,
                )
                .where(engagement_drafts.c.gem_id == gem_id)
                .order_by(engagement_drafts.c.id)
            ).mappings()
        ]
    return gem


def score_breakdown(engine: Engine, sender_domain: str) -> list[dict[str, Any]]:
    """The stored breakdown of each open gem of a sender (computed with the user's weights)."""
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(gems.c.id, gems.c.gem_type, gems.c.score, gems.c.score_breakdown)
            .where(gems.c.sender_domain == sender_domain.lower(), gems.c.status != "expired")
            .order_by(gems.c.score.desc())
        ).mappings()
        return [dict(r) for r in rows]


def list_profiles(
    engine: Engine,
    search: str | None = None,
    sort: str = "total_messages",
    descending: bool = True,
    limit: int | None = 50,
    segment: str | None = None,
) -> list[dict[str, Any]]:
    """Profiles, searched in domain, company, email and industry."""
    _check(sort, PROFILE_SORTS, "sort column")
    query = select(sender_profiles, sender_relationships.c.relationship_type).select_from(
        sender_profiles.outerjoin(
            sender_relationships,
            sender_relationships.c.sender_domain == sender_profiles.c.sender_domain,
        )
    )
    if search:
        like = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(sender_profiles.c.sender_domain).like(like),
                func.lower(sender_profiles.c.company_name).like(like),
                func.lower(sender_profiles.c.primary_email).like(like),
                func.lower(sender_profiles.c.industry).like(like),
            )
        )
    if segment:
        query = query.where(
            select(sender_segments.c.id)
            .where(
                sender_segments.c.sender_domain == sender_profiles.c.sender_domain,
                or_(
                    sender_segments.c.segment == segment,
                    sender_segments.c.segment == f"custom:{segment}",
                ),
            )
            .exists()
        )
    column = sender_profiles.c[sort]
    query = query.order_by(
        column.desc() if descending else column.asc(), sender_profiles.c.sender_domain
    )
    if limit:
        query = query.limit(limit)
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def segment_members(engine: Engine, segment: str) -> list[dict[str, Any]]:
    """Profiles in a segment (``spend_map``, ``custom:NAME`` or just ``NAME``) with their sub-segment."""
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(sender_profiles, sender_segments.c.segment, sender_segments.c.sub_segment)
            .join(
                sender_segments, sender_segments.c.sender_domain == sender_profiles.c.sender_domain
            )
            .where(
                or_(
                    sender_segments.c.segment == segment,
                    sender_segments.c.segment == f"custom:{segment}",
                )
            )
            .order_by(
                sender_profiles.c.marketing_sophistication_avg.asc(),
                sender_profiles.c.sender_domain,
            )
        ).mappings()
        return [dict(r) for r in rows]


def segment_names(engine: Engine) -> list[str]:
    with read_tx(engine) as conn:
        return [
            r[0]
            for r in conn.execute(
                select(sender_segments.c.segment).distinct().order_by(sender_segments.c.segment)
            )
        ]


def list_drafts(
    engine: Engine, gem_id: int | None = None, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Drafts, newest first."""
    _check(status, DRAFT_STATUSES, "draft status")
    query = select(
        engagement_drafts.c.id,
        engagement_drafts.c.gem_id,
        engagement_drafts.c.sender_domain,
        engagement_drafts.c.strategy,
        engagement_drafts.c.version,
        engagement_drafts.c.status,
        engagement_drafts.c.subject_line,
        engagement_drafts.c.model_used,
        engagement_drafts.c.generated_at,
        engagement_drafts.c.edited_at,
        engagement_drafts.c.sent_at,
    ).order_by(engagement_drafts.c.id.desc())
    if gem_id is not None:
        query = query.where(engagement_drafts.c.gem_id == gem_id)
    if status:
        query = query.where(engagement_drafts.c.status == status)
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query.limit(limit)).mappings()]


def draft_detail(engine: Engine, draft_id: int) -> dict[str, Any]:
    with read_tx(engine) as conn:
        row = (
            conn.execute(select(engagement_drafts).where(engagement_drafts.c.id == draft_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"draft {draft_id} does not exist: `inboxmine drafts` lists the drafts")
    return dict(row)


def review_relationships(
    engine: Engine, relationship_type: str | None = None
) -> list[dict[str, Any]]:
    """Relationships detection decided (auto, known entities), with the signals that
    decided them and the sender's message count, busiest senders first: the list
    to confirm (`relationship confirm`) or correct (`relationship set`)."""
    _check(relationship_type, RELATIONSHIP_TYPES, "relationship type")
    query = (
        select(
            sender_relationships.c.sender_domain,
            sender_profiles.c.company_name,
            sender_relationships.c.relationship_type,
            sender_relationships.c.confidence,
            sender_relationships.c.signals,
            sender_relationships.c.source,
            sender_relationships.c.suppress_gems,
            sender_profiles.c.total_messages,
            sender_relationships.c.updated_at,
        )
        .select_from(
            sender_relationships.outerjoin(
                sender_profiles,
                sender_profiles.c.sender_domain == sender_relationships.c.sender_domain,
            )
        )
        .where(sender_relationships.c.source.in_(DETECTED_SOURCES))
        .order_by(
            func.coalesce(sender_profiles.c.total_messages, 0).desc(),
            sender_relationships.c.sender_domain,
        )
    )
    if relationship_type:
        query = query.where(sender_relationships.c.relationship_type == relationship_type)
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def list_relationships(
    engine: Engine, relationship_type: str | None = None, source: str | None = None
) -> list[dict[str, Any]]:
    """Relationships by sender, filtered by type and source."""
    _check(relationship_type, RELATIONSHIP_TYPES, "relationship type")
    _check(source, RELATIONSHIP_SOURCES, "relationship source")
    query = select(sender_relationships).order_by(sender_relationships.c.sender_domain)
    if relationship_type:
        query = query.where(sender_relationships.c.relationship_type == relationship_type)
    if source:
        query = query.where(sender_relationships.c.source == source)
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def list_exclusions(engine: Engine) -> list[dict[str, Any]]:
    with read_tx(engine) as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(domain_exclusions).order_by(domain_exclusions.c.domain)
            ).mappings()
        ]


__all__ = [
    "DETECTED_SOURCES",
    "DRAFT_STATUSES",
    "GEM_STATUSES",
    "RELATIONSHIP_SOURCES",
    "RELATIONSHIP_TYPES",
    "SETTABLE_STATUSES",
    "URGENCIES",
    "InvalidValue",
    "NotFound",
    "draft_detail",
    "gem_detail",
    "gems_with_company",
    "list_drafts",
    "list_exclusions",
    "list_gems",
    "list_profiles",
    "list_relationships",
    "review_relationships",
    "score_breakdown",
    "segment_members",
    "segment_names",
]
