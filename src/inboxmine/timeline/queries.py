"""Read the rows of a timeline (the I/O edge; :mod:`.build` does the rest).

A handful of queries per timeline, whatever its size: who it is about
(:mod:`.people_rows`), the timeline's messages, then the details of the
newest ones in chunks of ids. Never a query per message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, or_, select

from inboxmine.db.rows import chunks
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.entities import extracted_entities
from inboxmine.db.tables.ingest import attachments, messages, threads
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.db.tables.trust import message_trust, sender_trust
from inboxmine.forensics.domains import clean_address, registered_domain, sender_identity
from inboxmine.people.identity import (
    IdentityRules,
    identity_rules,
)
from inboxmine.timeline.build import build_timeline
from inboxmine.timeline.people_rows import CHUNK, subject_of

#: The newest messages whose money, dates and files are read.
MAX_DETAIL_MESSAGES = 1000


class TimelineNotFound(LookupError):
    """No message from or to the sender; the message says what to try."""


class InvalidSender(ValueError):
    """Neither an address nor a domain."""


def _timeline_messages(conn, condition, sent_ids: list[int]) -> list[dict[str, Any]]:
    columns = [
        messages.c.id,
        messages.c.thread_id,
        messages.c.sent_at,
        messages.c.from_address,
        messages.c.from_name,
        messages.c.to_addresses,
        messages.c.subject,
        messages.c.snippet,
        messages.c.is_sent,
        messages.c.is_read,
        parsed_metadata.c.is_bulk,
        message_trust.c.verdict.label("trust_verdict"),
        message_trust.c.is_automated,
    ]
    joined = messages.outerjoin(
        parsed_metadata, parsed_metadata.c.message_id == messages.c.id
    ).outerjoin(message_trust, message_trust.c.message_id == messages.c.id)
    own_threads = select(messages.c.thread_id).where(condition, messages.c.thread_id.is_not(None))
    query = select(*columns).select_from(joined)
    # Their messages, and yours in their threads: not a third person's in a
    # shared (mailing-list) thread.
    mine_in_theirs = and_(messages.c.is_sent.is_(True), messages.c.thread_id.in_(own_threads))
    rows = {
        r["id"]: dict(r)
        for r in conn.execute(query.where(or_(condition, mine_in_theirs))).mappings()
    }
    missing = [i for i in sent_ids if i not in rows]
    for chunk in chunks(missing):
        rows.update(
            (r["id"], dict(r))
            for r in conn.execute(query.where(messages.c.id.in_(chunk))).mappings()
        )
    return sorted(rows.values(), key=lambda r: (r["sent_at"], r["id"]), reverse=True)


def _details(conn, ids: list[int]) -> tuple[list, list]:
    found_entities, found_files = [], []
    for chunk in chunks(ids):
        found_entities += [
            dict(r)
            for r in conn.execute(
                select(extracted_entities)
                .where(
                    extracted_entities.c.message_id.in_(chunk),
                    extracted_entities.c.entity_type.in_(("money", "date")),
                )
                .order_by(extracted_entities.c.message_id.desc(), extracted_entities.c.id)
            ).mappings()
        ]
        found_files += [
            dict(r)
            for r in conn.execute(
                select(attachments)
                .where(attachments.c.message_id.in_(chunk), attachments.c.is_inline.is_(False))
                .order_by(attachments.c.message_id.desc(), attachments.c.id)
            ).mappings()
        ]
    return found_entities, found_files


def _stored_threads(conn, thread_ids: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = {}
    columns = (
        threads.c.id,
        threads.c.subject,
        threads.c.awaiting_response_from,
        threads.c.last_sender,
    )
    for chunk in chunks(thread_ids):
        found.update(
            (r["id"], dict(r))
            for r in conn.execute(select(*columns).where(threads.c.id.in_(chunk))).mappings()
        )
    return found


def _gems_and_drafts(conn, identities: list[str], addresses: list[str], thread_ids: list[int]):
    conditions = [gems.c.sender_domain.in_(identities)]
    if addresses:
        conditions.append(gems.c.contact_email.in_(addresses[:CHUNK]))
    if thread_ids:
        conditions.append(gems.c.thread_id.in_(thread_ids[:CHUNK]))
    found = [
        dict(r)
        for r in conn.execute(
            select(gems).where(or_(*conditions)).order_by(gems.c.created_at.desc()).limit(200)
        ).mappings()
    ]
    ids = [g["id"] for g in found]
    drafts = []
    for chunk in chunks(ids):
        drafts += [
            dict(r)
            for r in conn.execute(
                select(
                    engagement_drafts.c.id,
                    engagement_drafts.c.gem_id,
                    engagement_drafts.c.strategy,
                    engagement_drafts.c.status,
                    engagement_drafts.c.subject_line,
                    engagement_drafts.c.generated_at,
                ).where(engagement_drafts.c.gem_id.in_(chunk))
            ).mappings()
        ]
    return found, drafts


def load_timeline(
    engine: Engine, sender: str, *, limit: int = 50, rules_dir=None
) -> dict[str, Any]:
    """The timeline of ``sender``: a company (a domain: all its people) or a
    contact (an address: every address of that person). Raises
    :class:`TimelineNotFound` when no message is from or to it,
    :class:`InvalidSender` when it is neither a domain nor an address."""
    rules = identity_rules(rules_dir)
    target = (sender or "").strip().lower()
    contact = clean_address(target) if "@" in target else None
    domain = None if contact else registered_domain(target.strip("."))
    if not contact and not domain:
        raise InvalidSender(
            f"{sender!r} is neither an address nor a domain: give e.g. acme.com or ann@acme.com"
        )
    with engine.connect() as conn:
        subject = subject_of(conn, contact, domain, rules)
        people, addresses = subject.people, subject.addresses
        condition, sent_ids = subject.condition, subject.sent_ids
        rows = _timeline_messages(conn, condition, sent_ids)
        if not rows:
            raise TimelineNotFound(
                f"no message from or to {target}: check the spelling, or import mail first "
                "(`inboxmine profiles` lists the senders)"
            )
        thread_ids = sorted({r["thread_id"] for r in rows if r["thread_id"] is not None})
        entities, files = _details(conn, [r["id"] for r in rows[:MAX_DETAIL_MESSAGES]])
        identities = sorted(
            {domain} if domain else {_identity(a, rules) for a in addresses} - {None}
        )
        found_gems, drafts = _gems_and_drafts(conn, identities, addresses, thread_ids)
        trust = [
            dict(r)
            for r in conn.execute(
                select(sender_trust).where(sender_trust.c.sender_domain.in_(identities))
            ).mappings()
        ]
        profile = conn.execute(
            select(sender_profiles.c.sender_domain, sender_profiles.c.company_name).where(
                sender_profiles.c.sender_domain.in_(identities)
            )
        ).first()
        stored_threads = _stored_threads(conn, thread_ids)
    timeline = build_timeline(
        messages=rows,
        stored_threads=stored_threads,
        entities=entities,
        attachments=files,
        gems=found_gems,
        drafts=drafts,
        limit=limit,
    )
    timeline.update(
        {
            "sender": contact or domain,
            "kind": "contact" if contact else "company",
            "company_name": profile.company_name if profile else None,
            "people": [p.as_dict() for p in people],
            "addresses": addresses,
            "trust": [_trust(t) for t in trust],
            "limit": limit,
        }
    )
    return timeline


def _identity(address: str, rules: IdentityRules) -> str | None:
    return sender_identity(address, rules.freemail).sender_domain


def _trust(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "sender_domain": row["sender_domain"],
        "verdict": row["verdict"],
        "risk_score": row["risk_score"],
        "message_count": row["message_count"],
        "source": row["source"],
        "signals": [
            s.get("signal") if isinstance(s, dict) else str(s) for s in (row.get("signals") or [])
        ][:8],
    }
