"""Database edges of stage 4 (classify): read a batch of senders, store their answers.

Everything here works on batches of senders - one query reads every message
of a batch, one statement stores their answers - so classify grows linearly
with the mailbox instead of issuing a dozen statements per sender.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, not_, or_, select

from inboxmine.classify.context import sample_messages
from inboxmine.classify.overrides import (
    DIMENSION_FIELDS,
    applicable,
    apply_overrides,
    model_values,
)
from inboxmine.classify.rollup import rollup
from inboxmine.db.rows import replace_rows
from inboxmine.db.tables.classify import (
    ai_classification,
    classification_overrides,
    sender_classification,
)
from inboxmine.db.tables.content import parsed_content
from inboxmine.db.tables.entities import extracted_entities
from inboxmine.db.tables.ingest import messages, threads
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.types import utcnow

MAX_ENTITIES_PER_MESSAGE = 30
#: Bounds of the stored evidence (dimensions, signals per dimension, characters per signal).
MAX_EVIDENCE_KEYS = 12
MAX_EVIDENCE_SIGNALS = 6
MAX_EVIDENCE_CHARS = 120
#: Ids / senders per IN (...) list: far below every backend's parameter limit.
ID_CHUNK = 2000
SENDER_CHUNK = 500
#: What a sender's rollup records about the call that classified it.
PROVENANCE_FIELDS = (
    "model_used",
    "prompt_template",
    "prompt_version",
    "audit_id",
    "pipeline_run_id",
)


def _not_mine(my_addresses: set[str]):
    conditions = [messages.c.is_sent.is_(False)]
    if my_addresses:
        conditions.append(
            or_(
                messages.c.from_address.is_(None),
                not_(func.lower(messages.c.from_address).in_(sorted(my_addresses))),
            )
        )
    pm = parsed_metadata
    conditions.append(or_(pm.c.is_sent.is_(None), pm.c.is_sent.is_(False)))
    return and_(*conditions)


def sender_versions(engine, my_addresses: set[str]) -> list[tuple[str, str]]:
    """Every sender of received mail with its version: its newest message id and
    its message count (``"812:40"``), which change whenever it has new mail."""
    pm = parsed_metadata
    query = (
        select(pm.c.sender_domain, func.max(messages.c.id), func.count())
        .select_from(pm.join(messages, messages.c.id == pm.c.message_id))
        .where(pm.c.sender_domain.is_not(None), pm.c.sender_domain != "", _not_mine(my_addresses))
        .group_by(pm.c.sender_domain)
        .order_by(pm.c.sender_domain)
    )
    with engine.connect() as conn:
        return [(row[0], f"{row[1]}:{row[2]}") for row in conn.execute(query)]


def read_senders(conn: Connection, senders: list[str], settings) -> list[tuple]:
    """(sender, its messages, its sample with details) for each of ``senders``."""
    found = senders_messages(conn, senders, settings.my_addresses)
    samples = {s: sample_messages(found[s], settings.ai.sample_messages) for s in senders}
    load_details(conn, [m for sample in samples.values() for m in sample])
    return [(s, found[s], samples[s]) for s in senders]


def senders_messages(
    conn: Connection, senders: list[str], my_addresses: set[str]
) -> dict[str, list[dict]]:
    """Each sender's received messages with their stage 1 signals (no bodies yet),
    for a whole batch of senders in one query."""
    pm = parsed_metadata
    cols = [
        pm.c.sender_domain.label("_sender"),
        messages.c.id.label("message_id"),
        messages.c.sent_at,
        messages.c.subject,
        messages.c.from_address,
        messages.c.from_name,
        messages.c.in_reply_to,
        messages.c.thread_id,
        ai_classification.c.message_id.label("classified"),
    ]
    wanted = {
        "esp_identified": "esp",
        "sender_subdomain": "sender_subdomain",
        "is_bulk": "is_bulk",
        "is_freemail": "is_freemail",
        "list_unsubscribe_url": "list_unsubscribe_url",
        "list_unsubscribe_email": "list_unsubscribe_email",
        "authentication_quality": "authentication_quality",
    }
    cols += [pm.c[name].label(label) for name, label in wanted.items()]
    query = (
        select(*cols)
        .select_from(
            pm.join(messages, messages.c.id == pm.c.message_id).outerjoin(
                ai_classification, ai_classification.c.message_id == messages.c.id
            )
        )
        .where(pm.c.sender_domain.in_(senders), _not_mine(my_addresses))
    )
    found: dict[str, list[dict]] = {sender: [] for sender in senders}
    for row in conn.execute(query).mappings():
        item = dict(row)
        sender = item.pop("_sender")
        item["classified"] = item["classified"] is not None
        item["has_list_unsubscribe"] = bool(
            item.pop("list_unsubscribe_url", None) or item.pop("list_unsubscribe_email", None)
        )
        subject = (item.get("subject") or "").lower()
        item["is_reply"] = bool(item.get("in_reply_to")) or subject.startswith(("re:", "aw:"))
        found[sender].append(item)
    return found


CONTENT_COLUMNS = (
    "body_clean",
    "primary_headline",
    "cta_texts",
    "offer_types",
    "link_intents",
    "utm_campaigns",
    "tracking_pixel_count",
    "has_personalization",
    "has_physical_address",
    "template_complexity_score",
    # Who the sender is: the footer's company line and address, the signature.
    "preheader_text",
    "footer_text",
    "physical_address_text",
    "signature_block",
)
ENTITY_COLUMNS = (
    "entity_type",
    "entity_value",
    "entity_normalized",
    "role",
    "relationship",
    "amount",
    "currency",
    "date_value",
    "date_kind",
    "is_future",
    "category",
    "confidence",
)


def load_details(conn: Connection, sample: list[dict]) -> None:
    """Add stage 2-3 signals, the clean body and thread facts to the sampled messages
    (of any number of senders: read in chunks of ``ID_CHUNK`` ids)."""
    for start in range(0, len(sample), ID_CHUNK):
        _load_details(conn, sample[start : start + ID_CHUNK])


def _load_details(conn: Connection, sample: list[dict]) -> None:
    ids = [m["message_id"] for m in sample]
    by_id = {m["message_id"]: m for m in sample}
    pc = parsed_content
    content: dict[int, dict] = {}
    cols = [pc.c[c] for c in CONTENT_COLUMNS]
    for row in conn.execute(
        select(pc.c.message_id, *cols).where(pc.c.message_id.in_(ids))
    ).mappings():
        content[row["message_id"]] = dict(row)
    fallback = dict(
        conn.execute(
            select(messages.c.id, messages.c.body_text).where(messages.c.id.in_(ids))
        ).all()
    )
    entities: dict[int, list[dict]] = defaultdict(list)
    ee = extracted_entities
    cols = [ee.c[c] for c in ENTITY_COLUMNS]
    for row in conn.execute(
        select(ee.c.message_id, *cols).where(ee.c.message_id.in_(ids))
    ).mappings():
        if len(entities[row["message_id"]]) < MAX_ENTITIES_PER_MESSAGE:
            entities[row["message_id"]].append(dict(row))
    thread_ids = {m["thread_id"] for m in sample if m.get("thread_id")}
    replied = {}
    if thread_ids:
        replied = dict(
            conn.execute(
                select(threads.c.id, threads.c.user_participated).where(
                    threads.c.id.in_(thread_ids)
                )
            ).all()
        )
    for message_id, message in by_id.items():
        extra = content.get(message_id, {})
        message.update({k: v for k, v in extra.items() if k != "message_id"})
        message["body"] = extra.get("body_clean") or fallback.get(message_id) or ""
        message["entities"] = entities.get(message_id, [])
        message["user_replied"] = bool(replied.get(message.get("thread_id")))


def load_overrides(engine) -> list[dict]:
    """Every override (few per user; read once per run)."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(classification_overrides)).mappings()]


# ------------------------------------------------------------------ writing


@dataclass
class SenderAnswer:
    """One sender's validated answer and what it applies to."""

    sender_domain: str
    message_ids: list[int]
    answer: dict[str, Any]
    provenance: dict[str, Any]
    sample_ids: list[int] = field(default_factory=list)


def store_answers(conn: Connection, answers: list[SenderAnswer], overrides: list[dict]) -> None:
    """Write a batch of senders' answers to their messages (overrides applied) and
    refresh their rollups: a few statements per batch, not per sender."""
    now = utcnow()
    rows = []
    for item in answers:
        values = answer_values(item.answer)
        evidence = compact_evidence(item.answer.get("evidence"))
        for message_id in item.message_ids:
            applied, originals, has_override = apply_overrides(
                values, applicable(overrides, item.sender_domain, message_id)
            )
            rows.append(
                {
                    "message_id": message_id,
                    "sender_domain": item.sender_domain,
                    **applied,
                    "ai_confidence": item.answer.get("confidence"),
                    **item.provenance,
                    "has_override": has_override,
                    "original_values": originals or None,
                    "evidence": evidence,
                    "classified_at": now,
                }
            )
    replace_rows(conn, ai_classification.c.message_id, [r["message_id"] for r in rows], rows)
    refresh_senders(
        conn,
        [a.sender_domain for a in answers],
        overrides,
        provenance={a.sender_domain: a.provenance for a in answers},
        sample_ids={a.sender_domain: a.sample_ids for a in answers},
    )


def answer_values(answer: dict[str, Any]) -> dict[str, Any]:
    return {field: answer.get(field) for field in DIMENSION_FIELDS}


def compact_evidence(evidence: Any) -> dict[str, Any] | None:
    """The answer's evidence, bounded: a model may answer with anything here.

    Keeps the dimensions' ``confidence`` and up to ``MAX_EVIDENCE_SIGNALS``
    short signal strings each; other shapes are cut to short strings.
    """
    if not isinstance(evidence, dict) or not evidence:
        return None
    out: dict[str, Any] = {}
    for key, value in list(evidence.items())[:MAX_EVIDENCE_KEYS]:
        key = str(key)[:64]
        if isinstance(value, dict):
            item: dict[str, Any] = {}
            if isinstance(value.get("confidence"), int | float):
                item["confidence"] = round(max(0.0, min(1.0, float(value["confidence"]))), 2)
            signals = value.get("signals")
            if isinstance(signals, list):
                item["signals"] = [
                    str(s)[:MAX_EVIDENCE_CHARS] for s in signals[:MAX_EVIDENCE_SIGNALS]
                ]
            out[key] = item
        elif isinstance(value, bool | int | float) or value is None:
            out[key] = value
        elif isinstance(value, list):
            out[key] = [str(s)[:MAX_EVIDENCE_CHARS] for s in value[:MAX_EVIDENCE_SIGNALS]]
        else:
            out[key] = str(value)[:MAX_EVIDENCE_CHARS]
    return out


def refresh_senders(
    conn: Connection,
    senders: list[str],
    overrides: list[dict],
    provenance: dict[str, dict[str, Any]] | None = None,
    sample_ids: dict[str, list[int]] | None = None,
) -> None:
    """Recompute ``sender_classification`` of ``senders`` from their message rows.

    ``provenance`` and ``sample_ids`` (by sender) come from the answers just
    stored; without them the newest message row's provenance and the sample
    already recorded are kept.
    """
    provenance = provenance or {}
    sample_ids = sample_ids or {}
    stored: dict[str, list[dict]] = defaultdict(list)
    existing: dict[str, dict] = {}
    for start in range(0, len(senders), SENDER_CHUNK):
        chunk = senders[start : start + SENDER_CHUNK]
        for row in conn.execute(
            select(ai_classification).where(ai_classification.c.sender_domain.in_(chunk))
        ).mappings():
            stored[row["sender_domain"]].append(dict(row))
        for row in conn.execute(
            select(sender_classification).where(sender_classification.c.sender_domain.in_(chunk))
        ).mappings():
            existing[row["sender_domain"]] = dict(row)
        conn.execute(
            delete(sender_classification).where(sender_classification.c.sender_domain.in_(chunk))
        )
    rows = [
        _rollup_row(
            sender,
            stored[sender],
            overrides,
            provenance.get(sender),
            sample_ids.get(sender),
            existing.get(sender),
        )
        for sender in senders
        if stored.get(sender)
    ]
    if rows:
        conn.execute(insert(sender_classification), rows)


def _rollup_row(
    sender_domain: str,
    stored: list[dict],
    overrides: list[dict],
    provenance: dict[str, Any] | None,
    sample_ids: list[int] | None,
    existing: dict | None,
) -> dict[str, Any]:
    # Roll up the model's own values, then apply the sender-scoped overrides.
    model_rows = [{**r, **model_values(r)} for r in stored]
    rolled = rollup(model_rows)
    dims = {field: rolled.get(field) for field in DIMENSION_FIELDS}
    applied, originals, has_override = apply_overrides(
        dims, applicable(overrides, sender_domain, None)
    )
    newest = max(stored, key=lambda r: (r["classified_at"], r["message_id"]))
    if provenance is None:
        provenance = {key: newest.get(key) for key in PROVENANCE_FIELDS}
    return {
        "sender_domain": sender_domain,
        **applied,
        "ai_confidence": rolled.get("ai_confidence"),
        **provenance,
        "has_override": has_override,
        "original_values": originals or None,
        "evidence": newest.get("evidence"),
        "classified_at": newest["classified_at"],
        "message_count": len(stored),
        "sample_message_ids": sample_ids
        if sample_ids is not None
        else (existing["sample_message_ids"] if existing else None),
    }
