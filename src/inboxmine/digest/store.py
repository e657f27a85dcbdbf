"""The digest's database edges: the rows it is built from and the digest runs it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, null, select, update

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.digest import digest_runs
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.db.types import utcnow
from inboxmine.digest.build import Digest, build_digest
from inboxmine.digest.since import resolve_since
from inboxmine.opportunities.queries import gems_with_company
from inboxmine.rules.loader import load_rules


def previous_digest(engine: Engine, at_or_before: datetime | None = None) -> dict[str, Any] | None:
    """The newest recorded digest run (at or before a time when given)."""
    query = select(digest_runs).order_by(digest_runs.c.generated_at.desc(), digest_runs.c.id.desc())
    if at_or_before is not None:
        query = query.where(digest_runs.c.generated_at <= at_or_before)
    with read_tx(engine) as conn:
        row = conn.execute(query.limit(1)).mappings().first()
    return dict(row) if row else None


def gem_rows(engine: Engine) -> list[dict[str, Any]]:
    query = gems_with_company(
        gems.c.id,
        gems.c.gem_type,
        gems.c.sender_domain,
        sender_profiles.c.company_name,
        gems.c.score,
        gems.c.status,
        gems.c.urgency,
        gems.c.estimated_value,
        gems.c.summary,
        gems.c.created_at,
        gems.c.acted_at,
        gems.c.dismissed_at,
        gems.c.expired_at,
    )
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query.order_by(gems.c.id)).mappings()]


def renewal_profiles(engine: Engine) -> list[dict[str, Any]]:
    """Profiles that had a renewal ahead when they were profiled (no other can have one now)."""
    query = select(
        sender_profiles.c.sender_domain,
        sender_profiles.c.company_name,
        sender_profiles.c.renewal_dates,
    ).where(sender_profiles.c.next_renewal_date.is_not(None))
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def draft_rows(engine: Engine, statuses: list[str]) -> list[dict[str, Any]]:
    query = (
        select(
            engagement_drafts.c.id,
            engagement_drafts.c.gem_id,
            engagement_drafts.c.sender_domain,
            sender_profiles.c.company_name,
            engagement_drafts.c.strategy,
            engagement_drafts.c.version,
            engagement_drafts.c.subject_line,
            engagement_drafts.c.status,
            engagement_drafts.c.generated_at,
            gems.c.status.label("gem_status"),
        )
        .select_from(
            engagement_drafts.join(gems, gems.c.id == engagement_drafts.c.gem_id).outerjoin(
                sender_profiles,
                sender_profiles.c.sender_domain == engagement_drafts.c.sender_domain,
            )
        )
        .where(engagement_drafts.c.status.in_(statuses or ["draft"]))
    )
    with read_tx(engine) as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def make_digest(
    engine: Engine,
    since_value: str | None = "last",
    *,
    rules_dir=None,
    renewal_days: int | None = None,
    now: datetime | None = None,
) -> Digest:
    """The digest since ``since_value`` (``last``, a date, ``7d``), not recorded."""
    rules = load_rules("digest.yaml", rules_dir)
    now = now or utcnow()
    last = previous_digest(engine)
    since = resolve_since(
        since_value,
        now,
        last["generated_at"] if last else None,
        int(rules["default_since_days"]),
    )
    # The snapshot to compare with: the digest made when the window starts (or before).
    base = last if since.previous_digest_at else previous_digest(engine, since.at)
    return build_digest(
        gems=gem_rows(engine),
        profiles=renewal_profiles(engine),
        drafts=draft_rows(engine, list(rules["waiting_draft_statuses"])),
        since=since,
        now=now,
        baseline=base["gem_snapshot"] if base and base.get("gem_snapshot") is not None else None,
        rules=rules,
        renewal_days=renewal_days,
    )


#: Digest runs that keep their gem snapshot; older ones keep their time and counts only.
KEEP_SNAPSHOTS = 50


def record_digest(engine: Engine, digest: Digest, fmt: str, triggered_by: str) -> int:
    """Store the digest run: the next ``--since last`` starts where this one ended.

    Only the newest :data:`KEEP_SNAPSHOTS` runs keep their snapshot (one entry per
    gem), so the table stays small; ``--since DATE`` before them compares status
    stamps only, and says so."""
    with write_tx(engine) as conn:
        run_id = conn.execute(
            insert(digest_runs)
            .values(
                generated_at=digest.generated_at,
                since=digest.since,
                format=fmt,
                triggered_by=triggered_by,
                counts=digest.counts,
                gem_snapshot=digest.gem_snapshot,
            )
            .returning(digest_runs.c.id)
        ).scalar_one()
        keep = (
            select(digest_runs.c.id)
            .order_by(digest_runs.c.generated_at.desc(), digest_runs.c.id.desc())
            .limit(KEEP_SNAPSHOTS)
            .scalar_subquery()
        )
        conn.execute(
            update(digest_runs)
            .where(digest_runs.c.id.not_in(keep), digest_runs.c.gem_snapshot.is_not(None))
            .values(gem_snapshot=null())  # SQL NULL, not a JSON null
        )
    return run_id
