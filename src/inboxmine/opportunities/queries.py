"""Read and change opportunities: what the CLI and the web (Gem Explorer, Score
Inspector) use. Every function takes an engine and returns plain data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, delete, func, insert, or_, select, update

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.engage import engagement_drafts
from inboxmine.db.tables.opportunities import (
    domain_exclusions,
    gems,
    sender_profiles,
    sender_relationships,
    sender_segments,
)
from inboxmine.db.types import utcnow
from inboxmine.opportunities.gems import GEM_TYPES
from inboxmine.rules.loader import load_rules

GEM_STATUSES = ("new", "acted", "dismissed", "expired")
#: Statuses a user may set (expired is set by detection only).
SETTABLE_STATUSES = ("new", "acted", "dismissed")
URGENCIES = ("high", "medium", "low")
#: A draft's life: inboxmine writes ``draft``; the user approves, sends (outside
#: inboxmine) and archives.
DRAFT_STATUSES = ("draft", "approved", "sent", "archived")
#: Longest texts a user may store in a draft (a subject line, a plain-text body).
MAX_SUBJECT_CHARS = 300
MAX_BODY_CHARS = 20_000
#: Every relationship type, as ``rules/relationships.yaml`` lists them (one list).
RELATIONSHIP_TYPES = tuple(load_rules("relationships.yaml")["types"])
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


class NotFound(LookupError):
    """No such row; the message says how to find valid ids."""


class InvalidValue(ValueError):
    """A value outside the allowed ones; the message lists them."""


def _check(value: str | None, allowed, what: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidValue(f"unknown {what} {value!r}: choose one of {', '.join(allowed)}")


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
    _check(gem_type, GEM_TYPES, "gem type")
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


def set_gem_status(engine: Engine, gem_id: int, status: str) -> dict[str, Any]:
    """Mark a gem new, acted or dismissed (kept across re-detection).

    ``acted`` stamps ``acted_at``, ``dismissed`` stamps ``dismissed_at``; ``new``
    reopens the gem and clears both. ``expired`` is set by detection only.
    """
    if status == "expired":
        raise InvalidValue(
            "status 'expired' is set by detection when a gem's evidence disappears: "
            f"choose one of {', '.join(SETTABLE_STATUSES)}"
        )
    _check(status, SETTABLE_STATUSES, "status")
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status == "acted":
        values["acted_at"] = now
    if status == "dismissed":
        values["dismissed_at"] = now
    if status == "new":
        values.update(acted_at=None, dismissed_at=None)
    with write_tx(engine) as conn:
        changed = conn.execute(update(gems).where(gems.c.id == gem_id).values(**values)).rowcount
    if not changed:
        raise NotFound(f"gem {gem_id} does not exist: `inboxmine gems` lists the gems")
    return {"id": gem_id, "status": status}


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


def set_draft_status(engine: Engine, draft_id: int, status: str) -> dict[str, Any]:
    """Move a draft to draft, approved, sent or archived.

    ``sent`` stamps ``sent_at`` (the first time; inboxmine never sends, the user
    says it went out); back to ``draft`` or ``approved`` clears it; ``archived``
    keeps it, so an archived draft still tells whether it was sent.
    """
    _check(status, DRAFT_STATUSES, "draft status")
    now = utcnow()
    with write_tx(engine) as conn:
        row = conn.execute(
            select(engagement_drafts.c.sent_at).where(engagement_drafts.c.id == draft_id)
        ).first()
        if row is None:
            raise NotFound(f"draft {draft_id} does not exist: `inboxmine drafts` lists the drafts")
        sent_at = row[0]
        if status == "sent":
            sent_at = sent_at or now
        elif status in ("draft", "approved"):
            sent_at = None
        conn.execute(
            update(engagement_drafts)
            .where(engagement_drafts.c.id == draft_id)
            .values(status=status, sent_at=sent_at, updated_at=now)
        )
    return {"id": draft_id, "status": status, "sent_at": sent_at}


def update_draft_text(
    engine: Engine,
    draft_id: int,
    subject_line: str | None = None,
    body_text: str | None = None,
) -> dict[str, Any]:
    """Replace a draft's subject and/or body with the user's text.

    The first edit copies the AI's text to ``original_text`` (later edits keep
    that first copy), so the draft, its audit row and what the model wrote stay
    comparable. A sent draft is a record of what went out and is not edited.
    """
    if subject_line is None and body_text is None:
        raise InvalidValue("nothing to change: give a new subject line, a new body, or both")
    values: dict[str, Any] = {}
    if subject_line is not None:
        subject_line = " ".join(subject_line.split())
        if not subject_line:
            raise InvalidValue("the subject line is empty: give some text")
        if len(subject_line) > MAX_SUBJECT_CHARS:
            raise InvalidValue(
                f"the subject line has {len(subject_line)} characters: "
                f"keep it under {MAX_SUBJECT_CHARS}"
            )
        values["subject_line"] = subject_line
    if body_text is not None:
        body_text = body_text.replace("\r\n", "\n").strip()
        if not body_text:
            raise InvalidValue("the body is empty: give the text of the email")
        if len(body_text) > MAX_BODY_CHARS:
            raise InvalidValue(
                f"the body has {len(body_text)} characters: keep it under {MAX_BODY_CHARS}"
            )
        values["body_text"] = body_text
    now = utcnow()
    with write_tx(engine) as conn:
        row = (
            conn.execute(
                select(
                    engagement_drafts.c.status,
                    engagement_drafts.c.subject_line,
                    engagement_drafts.c.body_text,
                    engagement_drafts.c.original_text,
                ).where(engagement_drafts.c.id == draft_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"draft {draft_id} does not exist: `inboxmine drafts` lists the drafts")
        if row["status"] == "sent":
            raise InvalidValue(
                f"draft {draft_id} was sent: its text is the record of what went out "
                f"(`inboxmine drafts set-status {draft_id} approved` first to change it)"
            )
        if row["original_text"] is None:
            values["original_text"] = {
                "subject_line": row["subject_line"],
                "body_text": row["body_text"],
            }
        conn.execute(
            update(engagement_drafts)
            .where(engagement_drafts.c.id == draft_id)
            .values(edited_at=now, updated_at=now, **values)
        )
    return draft_detail(engine, draft_id)


def set_relationship(
    engine: Engine,
    sender_domain: str,
    relationship_type: str,
    note: str | None = None,
    suppress: bool = False,
) -> dict[str, Any]:
    """Set a sender's relationship by hand (source manual: detection never overwrites it)."""
    _check(relationship_type, RELATIONSHIP_TYPES, "relationship type")
    sender_domain = sender_domain.strip().lower()
    if not sender_domain:
        raise InvalidValue("the sender is empty: give a domain (acme.io) or a free-mail address")
    now = utcnow()
    values = {
        "relationship_type": relationship_type,
        "confidence": 1.0,
        "signals": ["set by hand"],
        "relationship_note": note,
        "suppress_gems": suppress,
        "source": "manual",
        "updated_at": now,
    }
    with write_tx(engine) as conn:
        conn.execute(
            delete(sender_relationships).where(
                sender_relationships.c.sender_domain == sender_domain
            )
        )
        conn.execute(
            insert(sender_relationships).values(
                sender_domain=sender_domain, created_at=now, **values
            )
        )
    return {"sender_domain": sender_domain, **values}


#: Where a relationship came from. Manual and imported rows are the user's word
#: and are never overwritten by detection; auto and known_entities rows are.
RELATIONSHIP_SOURCES = ("manual", "import", "auto", "known_entities")
DETECTED_SOURCES = ("auto", "known_entities")


def read_relationship_file(path: str | Path, rules_dir: str | Path | None = None) -> dict[str, str]:
    """``{sender_domain: relationship_type}`` from a YAML file ``type: [senders]``.

    A missing, unreadable or malformed file raises :class:`InvalidValue` naming
    the file and the problem - never an empty import.
    """
    import yaml

    from inboxmine.forensics.domains import identity_rules
    from inboxmine.opportunities.relationships import ImportFileError, parse_import

    path = Path(path).expanduser()
    if not path.is_file():
        raise InvalidValue(
            f"relationships file {path} does not exist: give the path of a YAML file "
            "like `my_vendor: [stripe.com]`"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidValue(f"cannot read relationships file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise InvalidValue(
            f"relationships file {path} is not valid YAML{at}: fix it, e.g. `my_vendor: [stripe.com]`"
        ) from exc
    try:
        return parse_import(data, RELATIONSHIP_TYPES, identity_rules(rules_dir), str(path))
    except ImportFileError as exc:
        raise InvalidValue(str(exc)) from exc


def import_relationships(
    engine: Engine, path: str | Path, rules_dir: str | Path | None = None
) -> dict[str, Any]:
    """Import relationships from a YAML file (``source = import``).

    Types listed under ``suppress_gems_types`` in rules/relationships.yaml
    (my_infrastructure, institutional) suppress the sender's gems. A
    relationship set by hand is kept (the file does not overrule it); the
    result says how many were imported, updated and kept.
    """

    wanted = read_relationship_file(path, rules_dir)
    rules = load_rules("relationships.yaml", rules_dir)
    suppressing = set(rules.get("suppress_gems_types") or ())
    now = utcnow()
    imported, updated, kept = [], [], []
    with write_tx(engine) as conn:
        current = {
            r[0]: r[1]
            for r in conn.execute(
                select(sender_relationships.c.sender_domain, sender_relationships.c.source)
            )
        }
        for sender_domain, kind in wanted.items():
            values = {
                "relationship_type": kind,
                "confidence": 1.0,
                "signals": [f"imported from {Path(path).name}"],
                "relationship_note": f"Imported from {Path(path).name}",
                "suppress_gems": kind in suppressing,
                "source": "import",
                "updated_at": now,
            }
            source = current.get(sender_domain)
            if source == "manual":
                kept.append(sender_domain)
            elif source is None:
                conn.execute(
                    insert(sender_relationships).values(
                        sender_domain=sender_domain, created_at=now, **values
                    )
                )
                imported.append(sender_domain)
            else:
                conn.execute(
                    update(sender_relationships)
                    .where(sender_relationships.c.sender_domain == sender_domain)
                    .values(**values)
                )
                updated.append(sender_domain)
    return {"imported": imported, "updated": updated, "kept_manual": kept}


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


def confirm_relationship(engine: Engine, sender_domain: str) -> dict[str, Any]:
    """Accept a detected relationship: it becomes ``manual`` (never overwritten again),
    keeping its type, its signals and whether it suppresses gems."""
    sender_domain = sender_domain.strip().lower()
    now = utcnow()
    with write_tx(engine) as conn:
        row = (
            conn.execute(
                select(sender_relationships).where(
                    sender_relationships.c.sender_domain == sender_domain
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(
                f"{sender_domain} has no relationship yet: `inboxmine relationships review` "
                f"lists detected ones; `inboxmine relationship set {sender_domain} TYPE` sets one"
            )
        if row["source"] not in DETECTED_SOURCES:
            return dict(row)  # already the user's word (manual or imported)
        signals = list(row["signals"] or [])
        values = {
            "source": "manual",
            "confidence": 1.0,
            "signals": signals + ["confirmed by hand"],
            "relationship_note": f"Confirmed by hand; {row['relationship_note'] or 'detected'}",
            "updated_at": now,
        }
        conn.execute(
            update(sender_relationships)
            .where(sender_relationships.c.sender_domain == sender_domain)
            .values(**values)
        )
    return {**dict(row), **values}


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


def add_exclusion(
    engine: Engine, domain: str, reason: str | None = None, rules_dir: str | None = None
) -> dict[str, Any]:
    """Exclude a sender or domain from gem detection (its gems expire at the next run).

    ``mail.acme.io`` and ``bob@acme.io`` mean the sender ``acme.io``; a free-mail
    address stays that one person, and so does a colleague's address at your own
    domain (the domain of your sent mail): with ``include_internal`` each
    colleague is a sender of their own.
    """
    from inboxmine.forensics.domains import identity_rules, sender_key
    from inboxmine.opportunities.store import my_identities

    entry = domain.strip().lower()
    domain = sender_key(entry, identity_rules(rules_dir)) if entry else None
    if domain and "@" in entry and "@" not in domain and domain in my_identities(engine, set()):
        domain = entry
    if not domain:
        raise InvalidValue(
            f"{entry!r} is not a domain or an address: give a domain (acme.io) or an address"
        )
    now = utcnow()
    with write_tx(engine) as conn:
        conn.execute(delete(domain_exclusions).where(domain_exclusions.c.domain == domain))
        conn.execute(insert(domain_exclusions).values(domain=domain, reason=reason, created_at=now))
    return {"domain": domain, "reason": reason, "created_at": now}


def remove_exclusion(engine: Engine, domain: str) -> bool:
    with write_tx(engine) as conn:
        return bool(
            conn.execute(
                delete(domain_exclusions).where(
                    domain_exclusions.c.domain == domain.strip().lower()
                )
            ).rowcount
        )


def list_exclusions(engine: Engine) -> list[dict[str, Any]]:
    with read_tx(engine) as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(domain_exclusions).order_by(domain_exclusions.c.domain)
            ).mappings()
        ]
