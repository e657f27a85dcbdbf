"""Database edges of stage 5: read the upstream tables into facts, write profiles and gems.

Senders are processed in batches of bounded size, so memory stays flat on a
100,000-message mailbox. Gems are synchronised by natural key: found gems are
updated in place (status and drafts kept), vanished ones become ``expired``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)

from inboxmine.classify.overrides import DIMENSION_FIELDS
from inboxmine.db.engine import read_tx
from inboxmine.db.rows import chunks, delete_except, delete_keys, replace_rows
from inboxmine.db.tables.classify import ai_classification, sender_classification
from inboxmine.db.tables.content import parsed_content
from inboxmine.db.tables.entities import extracted_entities
from inboxmine.db.tables.ingest import messages, threads
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.opportunities import (
    domain_exclusions,
    gems,
    sender_profiles,
    sender_relationships,
)
from inboxmine.forensics.domains import identity_rules, sender_key
from inboxmine.opportunities.facts import (
    MAX_TEXT_CHARS,
    EntityFacts,
    MessageFacts,
    SenderFacts,
    SenderTotals,
    ThreadFacts,
)
from inboxmine.opportunities.gems.base import GemCandidate
from inboxmine.opportunities.people import Me, identity_of, is_internal, organisation_of

#: About this many received messages per batch of senders.
BATCH_MESSAGES = 2000
#: Most received messages of one sender read for its profile (its most recent):
#: a decade of a busy list is one sender, and memory must not follow it. Its
#: counts, dates and frequency come from SQL over all of its mail.
MAX_SENDER_MESSAGES = BATCH_MESSAGES
#: Longest thread looked at (most recent messages kept).
MAX_THREAD_MESSAGES = 50


def _cols(tbl, names: list[str]) -> list:
    return [tbl.c[n] for n in names]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# ------------------------------------------------------------------ identity


def my_identities(engine: Engine, my_addresses: set[str]) -> set[str]:
    """The user's own identities: their addresses, and the identities of their sent mail."""
    ids = {a.lower() for a in my_addresses}
    pm = parsed_metadata
    rules = identity_rules()
    for address in my_addresses:
        identity = sender_key(address, rules)
        if identity:
            ids.add(identity)
    with read_tx(engine) as conn:
        query = (
            select(pm.c.sender_domain)
            .join(messages, messages.c.id == pm.c.message_id)
            .where(messages.c.is_sent.is_(True), pm.c.sender_domain.is_not(None))
            .distinct()
        )
        ids.update(r[0] for r in conn.execute(query))
    return ids


def excluded(conn: Connection) -> set[str]:
    """Exclusions kept in the database (CLI and admin)."""
    return {r[0].lower() for r in conn.execute(select(domain_exclusions.c.domain))}


def file_exclusions(rules_dir) -> set[str]:
    """Exclusions from rules/exclusions.yaml and the user's copy in ``rules_dir``."""
    from inboxmine.rules.loader import load_rules

    domains = load_rules("exclusions.yaml", rules_dir)["domains"]
    return {str(d).strip().lower() for d in domains if str(d).strip()}


def is_excluded(sender_domain: str, exclusions: set[str]) -> bool:
    """Excluded when the identity, its address domain or a parent domain is listed."""
    host = sender_domain.split("@")[-1]
    parts = host.split(".")
    candidates = {sender_domain} | {".".join(parts[i:]) for i in range(len(parts) - 1)}
    return bool(candidates & exclusions)


# ------------------------------------------------------------------- loading


def who_am_i(engine: Engine, my_addresses: set[str], include_internal: bool = False) -> Me:
    """The user for :func:`people.identity_of`: their addresses (``me`` and the
    From of their sent mail) and their own identities (see :func:`my_identities`)."""
    addresses = {a.lower() for a in my_addresses}
    with read_tx(engine) as conn:
        query = (
            select(func.lower(messages.c.from_address))
            .where(messages.c.is_sent.is_(True), messages.c.from_address.is_not(None))
            .distinct()
        )
        addresses.update(r[0] for r in conn.execute(query) if r[0])
    return Me(
        addresses=frozenset(addresses),
        identities=frozenset(i.lower() for i in my_identities(engine, my_addresses)),
        include_internal=include_internal,
    )


def sender_weights(engine: Engine, me: Me | set[str]) -> dict[str, int]:
    """Each sender identity (the user's own left out, colleagues per person when
    ``me.include_internal``) with its number of received messages, in order.

    Stage 5 reads senders in batches of about ``BATCH_MESSAGES`` messages."""
    if not isinstance(me, Me):  # a plain set of the user's identities
        me = Me(identities=frozenset(i.lower() for i in me))
    pm = parsed_metadata
    address = func.lower(messages.c.from_address)
    query = (
        select(pm.c.sender_domain, address, func.count())
        .join(messages, messages.c.id == pm.c.message_id)
        .where(messages.c.is_sent.is_(False), pm.c.sender_domain.is_not(None))
        .group_by(pm.c.sender_domain, address)
    )
    counts: dict[str, int] = {}
    with read_tx(engine) as conn:
        for sender_domain, from_address, n in conn.execute(query):
            identity = identity_of(sender_domain, from_address, False, me)
            if identity:
                counts[identity] = counts.get(identity, 0) + n
    return dict(sorted(counts.items()))


def discussion_lists(conn: Connection, min_senders: int) -> frozenset[str]:
    """List-Ids that relay mail from at least ``min_senders`` sender identities:
    discussion lists, where a post is a person talking to a community (a
    newsletter's List-Id carries one sender)."""
    pm = parsed_metadata
    query = (
        select(pm.c.list_id)
        .where(pm.c.list_id.is_not(None), pm.c.sender_domain.is_not(None))
        .group_by(pm.c.list_id)
        .having(func.count(pm.c.sender_domain.distinct()) >= min_senders)
    )
    return frozenset(row[0] for row in conn.execute(query))


def _message_query(where):
    pm = parsed_metadata
    pc = parsed_content
    columns = [
        messages.c.id,
        messages.c.message_id,
        messages.c.thread_id,
        messages.c.sent_at,
        messages.c.is_sent,
        messages.c.from_address,
        messages.c.from_name,
        messages.c.reply_to,
        messages.c.subject,
        messages.c.to_addresses,
        func.substr(messages.c.body_text, 1, MAX_TEXT_CHARS).label("body_text"),
    ]
    columns += _cols(
        pm,
        [
            "sender_domain",
            "esp_identified",
            "spf_result",
            "dkim_domain",
            "dmarc_result",
            "authentication_quality",
            "list_unsubscribe_url",
            "list_id",
            "is_bulk",
            "is_freemail",
        ],
    )
    query = select(*columns).select_from(messages.outerjoin(pm, pm.c.message_id == messages.c.id))
    extra = _cols(
        pc,
        [
            "primary_headline",
            "offer_types",
            "offer_evidence",
            "link_intents",
            "utm_campaigns",
            "cta_texts",
            "has_personalization",
            "template_complexity_score",
            "tracking_pixel_count",
            "social_links",
            "physical_address_text",
        ],
    )
    if "body_clean" in pc.c:
        extra.append(func.substr(pc.c.body_clean, 1, MAX_TEXT_CHARS).label("body_clean"))
    query = query.add_columns(*extra).outerjoin(pc, pc.c.message_id == messages.c.id)
    return query.where(where)


def _to_facts(row: dict[str, Any]) -> MessageFacts:
    to = []
    for item in _list(row.get("to_addresses")):
        address = item.get("address") or item.get("email") if isinstance(item, dict) else item
        if address:
            to.append(str(address).lower())
    return MessageFacts(
        id=row["id"],
        sent_at=row["sent_at"],
        is_sent=bool(row["is_sent"]),
        thread_id=row["thread_id"],
        message_id=row["message_id"],
        from_address=(row.get("from_address") or "").lower() or None,
        from_name=row.get("from_name"),
        reply_to=row.get("reply_to"),
        subject=(row.get("subject") or "")[:500],
        text=row.get("body_clean") or row.get("body_text") or "",
        to_addresses=to,
        sender_domain=row.get("sender_domain"),
        esp=row.get("esp_identified"),
        spf_result=row.get("spf_result"),
        dkim_domain=row.get("dkim_domain"),
        dmarc_result=row.get("dmarc_result"),
        authentication_quality=row.get("authentication_quality"),
        unsubscribe_url=row.get("list_unsubscribe_url"),
        list_id=row.get("list_id"),
        is_bulk=bool(row.get("is_bulk")),
        is_freemail=bool(row.get("is_freemail")),
        headline=row.get("primary_headline"),
        offer_types=[str(o) for o in _list(row.get("offer_types"))],
        offer_evidence=_dict(row.get("offer_evidence")),
        link_intents=_dict(row.get("link_intents")),
        utm_campaigns=_list(row.get("utm_campaigns")),
        cta_texts=[str(c) for c in _list(row.get("cta_texts"))],
        has_personalization=bool(row.get("has_personalization")),
        template_complexity=row.get("template_complexity_score"),
        tracking_pixel_count=row.get("tracking_pixel_count") or 0,
        social_links=_dict(row.get("social_links")),
        physical_address=row.get("physical_address_text"),
    )


def _entity(row: dict[str, Any]) -> EntityFacts:
    return EntityFacts(
        entity_type=row.get("entity_type") or "",
        value=(row.get("entity_value") or "")[:300],
        normalized=row.get("entity_normalized"),
        role=row.get("role"),
        relationship=row.get("relationship"),
        context=(row.get("context") or "")[:400],
        amount=row.get("amount"),
        currency=row.get("currency"),
        date_value=_date(row.get("date_value")),
        date_kind=row.get("date_kind"),
        category=row.get("category"),
        confidence=row.get("confidence"),
        source=row.get("source"),
    )


CLASSIFICATION_COLUMNS = [*DIMENSION_FIELDS, "ai_confidence", "model_used"]


def _ways(identities: Iterable[str], me: Me) -> list[tuple[ColumnElement, ColumnElement, list]]:
    """How the received messages of these identities are found, as (key, condition,
    identities): by ``sender_domain``, and a colleague (a person identity at the
    user's domains, with ``include_internal``) by their address at those domains."""
    pm = parsed_metadata
    identities = list(identities)
    received = messages.c.is_sent.is_(False)
    if not (me.include_internal and me.domains):
        return [(pm.c.sender_domain, received, identities)]
    internal = {i for i in identities if is_internal(i, me)}
    colleagues = [i for i in identities if i in internal]
    others = [i for i in identities if i not in internal]
    at_my_domains = and_(pm.c.sender_domain.in_(sorted(me.domains)), received)
    return [
        (pm.c.sender_domain, received, others),
        (func.lower(messages.c.from_address), at_my_domains, colleagues),
    ]


def large_senders(conn: Connection, identities: list[str], me: Me) -> dict[str, SenderTotals]:
    """The totals of the senders among ``identities`` (colleagues too) with more
    than ``MAX_SENDER_MESSAGES`` received messages (the user's own identities,
    whose mail counts per colleague, are never among them)."""
    pm = parsed_metadata
    bulk = func.sum(case((pm.c.is_bulk.is_(True), 1), else_=0))
    found: dict[str, SenderTotals] = {}
    for key, received, names in _ways([i for i in identities if i not in me.identities], me):
        for chunk in chunks(names):
            query = (
                select(key, func.count(), bulk, func.min(pm.c.sent_at), func.max(pm.c.sent_at))
                .select_from(pm.join(messages, messages.c.id == pm.c.message_id))
                .where(key.in_(chunk), received)
                .group_by(key)
                .having(func.count() > MAX_SENDER_MESSAGES)
            )
            for identity, count, bulk_count, first_at, last_at in conn.execute(query):
                found[identity] = SenderTotals(count, int(bulk_count or 0), first_at, last_at)
    return found


def _received_rows(
    conn: Connection, identities: list[str], me: Me, large: Iterable[str] = ()
) -> Iterator[dict]:
    """The received messages of these identities (see :func:`_ways`); of the
    ``large`` senders, the most recent ``MAX_SENDER_MESSAGES``."""
    pm = parsed_metadata
    large = set(large)
    for key, received, names in _ways(identities, me):
        for chunk in chunks([i for i in names if i not in large]):
            yield from conn.execute(_message_query(and_(key.in_(chunk), received))).mappings()
        for identity in sorted(large.intersection(names)):
            recent = _message_query(and_(key == identity, received)).order_by(
                pm.c.sent_at.desc(), messages.c.id.desc()
            )
            yield from conn.execute(recent.limit(MAX_SENDER_MESSAGES)).mappings()


def _rekey(facts: MessageFacts, me: Me) -> MessageFacts:
    """A received message under the identity it counts for (a colleague's address)."""
    if not facts.is_sent and facts.sender_domain:
        identity = identity_of(facts.sender_domain, facts.from_address, False, me)
        if identity and identity != facts.sender_domain:
            facts.sender_domain = identity
    return facts


def _recent_thread_message_ids(conn: Connection, thread_ids: Iterable[int]) -> list[int]:
    """The ids of each thread's most recent ``MAX_THREAD_MESSAGES`` messages:
    a mailing-list thread spans many senders' batches, and only its end is looked at."""
    rank = (
        func.row_number()
        .over(
            partition_by=messages.c.thread_id,
            order_by=(messages.c.sent_at.desc(), messages.c.id.desc()),
        )
        .label("rank")
    )
    ranked = select(messages.c.id, rank).where(messages.c.thread_id.in_(thread_ids)).subquery()
    query = select(ranked.c.id).where(ranked.c.rank <= MAX_THREAD_MESSAGES)
    return [row[0] for row in conn.execute(query)]


def _threads(
    conn: Connection, thread_ids: list[int], by_id: dict[int, MessageFacts], me: Me
) -> tuple[dict[int, str | None], dict[int, list[MessageFacts]]]:
    """The subjects of these threads and their most recent messages; a message
    already read (in ``by_id``) is not read again."""
    subjects: dict[int, str | None] = {}
    found: dict[int, list[MessageFacts]] = {}
    for chunk in chunks(thread_ids):
        query = select(threads.c.id, threads.c.subject).where(threads.c.id.in_(chunk))
        subjects.update((thread_id, subject) for thread_id, subject in conn.execute(query))
        recent = _recent_thread_message_ids(conn, chunk)
        known = [by_id[i] for i in recent if i in by_id]
        unknown = sorted(i for i in recent if i not in by_id)
        read = [
            _rekey(_to_facts(dict(row)), me)
            for ids in chunks(unknown)
            for row in conn.execute(_message_query(messages.c.id.in_(ids))).mappings()
        ]
        for facts in known + read:
            found.setdefault(facts.thread_id, []).append(facts)
    return subjects, found


def load_senders(
    conn: Connection,
    sender_domains: list[str],
    lists: frozenset[str] = frozenset(),
    me: Me | None = None,
) -> list[SenderFacts]:
    """The facts of these senders: their messages, threads (with the user's replies),
    entities and classifications; messages relayed by one of the discussion
    ``lists`` are marked as such. ``me`` decides which messages count under
    which identity (:func:`people.identity_of`); colleagues' messages count
    under their address and use their organisation's classification. Of a
    sender with more than ``MAX_SENDER_MESSAGES`` received messages the most
    recent are read, and its :class:`SenderTotals` cover all of them."""
    me = me or Me()
    wanted = set(sender_domains)
    totals = large_senders(conn, sender_domains, me)
    by_id: dict[int, MessageFacts] = {}
    for row in _received_rows(conn, sender_domains, me, totals):
        facts = _rekey(_to_facts(dict(row)), me)
        if facts.sender_domain in wanted:
            by_id[row["id"]] = facts
    for message in by_id.values():
        message.via_discussion_list = message.list_id in lists
    thread_ids = sorted({m.thread_id for m in by_id.values() if m.thread_id is not None})
    subjects, thread_messages = _threads(conn, thread_ids, by_id, me)
    received_ids = sorted(by_id)
    ent = extracted_entities
    names = [
        "message_id",
        "entity_type",
        "entity_value",
        "entity_normalized",
        "role",
        "relationship",
        "context",
        "amount",
        "currency",
        "date_value",
        "date_kind",
        "category",
        "confidence",
        "source",
    ]
    for chunk in chunks(received_ids):
        query = select(*_cols(ent, names)).where(ent.c.message_id.in_(chunk))
        for row in conn.execute(query).mappings():
            by_id[row["message_id"]].entities.append(_entity(dict(row)))
    ai = ai_classification
    for chunk in chunks(received_ids):
        query = select(ai.c.message_id, *_cols(ai, CLASSIFICATION_COLUMNS)).where(
            ai.c.message_id.in_(chunk)
        )
        for row in conn.execute(query).mappings():
            by_id[row["message_id"]].classification = dict(row)
    rollups: dict[str, dict] = {}
    sc = sender_classification
    # A colleague has no rollup of their own: their organisation's is theirs.
    organisation = {d: org for d in sender_domains if (org := organisation_of(d, me))}
    for chunk in chunks(sorted(set(sender_domains) | set(organisation.values()))):
        query = select(sc.c.sender_domain, *_cols(sc, CLASSIFICATION_COLUMNS)).where(
            sc.c.sender_domain.in_(chunk)
        )
        for row in conn.execute(query).mappings():
            rollups[row["sender_domain"]] = dict(row)
    senders: dict[str, SenderFacts] = {
        d: SenderFacts(
            sender_domain=d,
            classification=rollups.get(d) or rollups.get(organisation.get(d, ""), {}),
            is_internal=d in organisation,
            totals=totals.get(d),
        )
        for d in sender_domains
    }
    for message in sorted(by_id.values(), key=lambda m: (m.sent_at, m.id)):
        sender = senders.get(message.sender_domain)
        if sender is not None:
            sender.messages.append(message)
            sender.is_freemail = sender.is_freemail or message.is_freemail
    for sender in senders.values():
        own = sorted({m.thread_id for m in sender.messages if m.thread_id is not None})
        for thread_id in own:
            items = sorted(thread_messages.get(thread_id, []), key=lambda m: (m.sent_at, m.id))
            sender.threads.append(
                ThreadFacts(
                    id=thread_id,
                    subject=(subjects.get(thread_id) or "")[:300],
                    messages=items,
                )
            )
    return [s for s in senders.values() if s.messages]


# ------------------------------------------------------------------- writing


def relationships(conn: Connection, sender_domains: list[str]) -> dict[str, dict[str, Any]]:
    """The stored relationships of these senders."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sender_domains):
        query = select(sender_relationships).where(sender_relationships.c.sender_domain.in_(chunk))
        found.update((r["sender_domain"], dict(r)) for r in conn.execute(query).mappings())
    return found


def write_profiles(conn: Connection, rows: list[dict[str, Any]]) -> None:
    replace_rows(conn, sender_profiles.c.sender_domain, [r["sender_domain"] for r in rows], rows)


def delete_profiles(conn: Connection, senders: list[str]) -> None:
    """Remove the profiles of these senders (their mail went)."""
    delete_keys(conn, sender_profiles.c.sender_domain, senders)


def delete_profiles_except(conn: Connection, keep: set[str]) -> int:
    """Remove profiles of senders that no longer exist (profiles are derived data)."""
    return delete_except(conn, sender_profiles.c.sender_domain, keep)


#: What an automatic relationship sets (the update names them ``new_<column>``).
_AUTO_RELATIONSHIP_COLUMNS = (
    "relationship_type",
    "confidence",
    "signals",
    "suppress_gems",
    "source",
    "relationship_note",
    "updated_at",
)


def write_relationships(conn: Connection, proposals: dict[str, Any], now: datetime) -> None:
    """Store automatic relationships (sender -> proposal) in a few statements; a
    manual or imported one is never touched."""
    existing: dict[str, str] = {}
    for chunk in chunks(sorted(proposals)):
        query = select(sender_relationships.c.sender_domain, sender_relationships.c.source)
        where = sender_relationships.c.sender_domain.in_(chunk)
        existing.update((row[0], row[1]) for row in conn.execute(query.where(where)))
    new, changed = [], []
    for sender_domain, proposal in proposals.items():
        values = {
            "relationship_type": proposal.relationship_type,
            "confidence": proposal.confidence,
            "signals": proposal.signals,
            "suppress_gems": proposal.suppress_gems,
            "source": proposal.source,
            "relationship_note": "Auto-detected: " + "; ".join(proposal.signals[:3]),
            "updated_at": now,
        }
        if sender_domain not in existing:
            new.append({"sender_domain": sender_domain, "created_at": now, **values})
        elif existing[sender_domain] not in ("manual", "import"):
            changed.append({"domain": sender_domain, **{f"new_{k}": v for k, v in values.items()}})
    if new:
        conn.execute(insert(sender_relationships), new)
    if changed:
        conn.execute(
            update(sender_relationships)
            .where(sender_relationships.c.sender_domain == bindparam("domain"))
            .values({c: bindparam(f"new_{c}") for c in _AUTO_RELATIONSHIP_COLUMNS}),
            changed,
        )


def gem_values(candidate: GemCandidate, breakdown: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "summary": candidate.summary[:2000],
        "explanation": candidate.explanation(),
        "confidence": candidate.confidence,
        "estimated_value": candidate.estimated_value,
        "urgency": candidate.urgency,
        "urgency_reason": candidate.urgency_reason,
        "recommended_actions": candidate.recommended_actions,
        "source_message_ids": candidate.source_message_ids[:200],
        "detector_score": candidate.detector_score,
        "score": breakdown["total"],
        "score_breakdown": breakdown,
        "thread_id": candidate.thread_id,
        "contact_email": candidate.contact_email,
        "contact_name": candidate.contact_name,
        "trust_verdict": candidate.trust_verdict,
        "updated_at": now,
        "last_detected_at": now,
    }


def sync_gems(
    conn: Connection,
    sender_domains: list[str],
    found: list[tuple[GemCandidate, dict[str, Any]]],
    now: datetime,
) -> dict[str, int]:
    """Upsert the gems found for these senders; expire their gems that were not found.

    Returns counts: ``{"new": n, "updated": n, "expired": n, "revived": n}``.
    """
    existing: dict[tuple[str, str, str], dict[str, Any]] = {}
    for chunk in chunks(sender_domains):
        for row in conn.execute(
            select(
                gems.c.id,
                gems.c.sender_domain,
                gems.c.gem_type,
                gems.c.thread_key,
                gems.c.status,
                gems.c.status_before_expiry,
            ).where(gems.c.sender_domain.in_(chunk))
        ).mappings():
            existing[(row["sender_domain"], row["gem_type"], row["thread_key"])] = dict(row)
    counts = {"new": 0, "updated": 0, "expired": 0, "revived": 0}
    seen: set[tuple[str, str, str]] = set()
    for candidate, breakdown in found:
        key = (candidate.sender_domain, candidate.gem_type, candidate.thread_key)
        if key in seen:
            continue
        seen.add(key)
        values = gem_values(candidate, breakdown, now)
        row = existing.get(key)
        if row is None:
            conn.execute(
                insert(gems).values(
                    gem_type=candidate.gem_type,
                    sender_domain=candidate.sender_domain,
                    thread_key=candidate.thread_key,
                    status="new",
                    created_at=now,
                    **values,
                )
            )
            counts["new"] += 1
            continue
        if row["status"] == "expired":
            # The evidence is back: the gem returns with the status it had.
            values["status"] = row["status_before_expiry"] or "new"
            values["status_before_expiry"] = None
            values["expired_at"] = None
            counts["revived"] += 1
        else:
            counts["updated"] += 1
        conn.execute(update(gems).where(gems.c.id == row["id"]).values(**values))
    for key, row in existing.items():
        if key not in seen and row["status"] != "expired":
            expire(conn, row["id"], row["status"], now)
            counts["expired"] += 1
    return counts


def expire(conn: Connection, gem_id: int, status: str, now: datetime) -> None:
    conn.execute(
        update(gems)
        .where(gems.c.id == gem_id)
        .values(status="expired", status_before_expiry=status, expired_at=now, updated_at=now)
    )


def expire_gems_except(conn: Connection, senders: set[str], now: datetime) -> int:
    """Expire open gems of senders that were not profiled this run (excluded, suppressed, gone)."""
    rows = conn.execute(
        select(gems.c.id, gems.c.sender_domain, gems.c.status).where(gems.c.status != "expired")
    ).all()
    count = 0
    for gem_id, sender_domain, status in rows:
        if sender_domain not in senders:
            expire(conn, gem_id, status, now)
            count += 1
    return count
