"""Stage 1 - metadata: header forensics and a trust verdict for every message.

Reads ``messages`` (headers, From, send time, subject, folder labels, the head
of the body for link hosts and spam phrases, attachment names), writes one
``parsed_metadata`` and one ``message_trust`` row per message and rebuilds
``sender_temporal`` for the senders it touched. The intelligence lives in
:mod:`inboxmine.forensics` and :mod:`inboxmine.trust`; this file is the I/O
around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, select

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import attachments, messages
from inboxmine.db.tables.ledger import stage_items
from inboxmine.db.tables.metadata_stage import parsed_metadata, sender_temporal
from inboxmine.db.types import utcnow
from inboxmine.forensics.analyze import Prepared, analyze, prepare_rules
from inboxmine.forensics.links import HEAD_CHARS
from inboxmine.forensics.temporal import summarize
from inboxmine.rules.loader import RulesError, load_rules
from inboxmine.runner.registry import register
from inboxmine.runner.stage import Stage, StageContext
from inboxmine.runner.tracking import StageError
from inboxmine.trust.assess import assess
from inboxmine.trust.rules import TrustRules, load_trust_rules

#: Senders whose temporal rows are rebuilt per query/transaction.
SENDER_CHUNK = 500
#: Characters of a body read for link hosts (the content stage reads it all).
BODY_CHARS = HEAD_CHARS
#: Characters of the plain-text body read for trust phrases (the rules read
#: ``scan.text_chars`` of them).
TEXT_CHARS = 8_192
#: Attachments of one message whose names are read.
MAX_ATTACHMENTS = 32


@dataclass(frozen=True)
class MetadataRules:
    """Compiled rules of stage 1: forensics and message trust (pickled to workers)."""

    forensics: Prepared
    trust: TrustRules


def _items(ctx: StageContext):
    return select(messages.c.id.label("item_id"))


def _load(conn: Connection, ids: Sequence[int], ctx: StageContext) -> list[dict[str, Any]]:
    body = func.coalesce(
        func.substr(messages.c.body_html, 1, BODY_CHARS),
        func.substr(messages.c.body_text, 1, BODY_CHARS),
    ).label("body")
    query = select(
        messages.c.id,
        messages.c.headers,
        messages.c.from_address,
        messages.c.sent_at,
        messages.c.sent_at_source,
        messages.c.date_raw,
        messages.c.is_sent,
        messages.c.from_name,
        messages.c.reply_to,
        messages.c.subject,
        messages.c.labels,
        body,
        # Only beside HTML: a text-only message's text is ``body`` already.
        case(
            (messages.c.body_html.is_not(None), func.substr(messages.c.body_text, 1, TEXT_CHARS)),
            else_=None,
        ).label("body_text"),
    ).where(messages.c.id.in_(ids))
    rows = {row["id"]: dict(row) for row in conn.execute(query).mappings()}
    for row in rows.values():
        row["attachments"] = []
    named = select(attachments.c.message_id, attachments.c.filename, attachments.c.mime_type).where(
        attachments.c.message_id.in_(ids)
    )
    for message_id, filename, mime_type in conn.execute(named):
        found = rows[message_id]["attachments"]
        if len(found) < MAX_ATTACHMENTS:
            found.append((filename, mime_type))
    return [rows[item_id] for item_id in ids]


def _prepare(ctx: StageContext) -> MetadataRules:
    rules_dir = ctx.settings.rules_dir
    try:
        forensics = prepare_rules(
            load_rules("esp.yaml", rules_dir), load_rules("freemail.yaml", rules_dir)
        )
        tracking = frozenset(forensics.esp.hosts.get("link_domain", {}))
        return MetadataRules(forensics, load_trust_rules(rules_dir, tracking))
    except RulesError as exc:
        raise StageError(f"metadata: {exc}") from exc


def transform(item: dict[str, Any], prepared: MetadataRules) -> dict[str, list[dict[str, Any]]]:
    """One message -> its ``parsed_metadata`` and ``message_trust`` rows (pure;
    runs in worker processes)."""
    row = analyze(item, prepared.forensics)
    now = utcnow()
    row["parsed_at"] = now
    trust = assess(item, row, prepared.trust, prepared.forensics.freemail)
    trust["computed_at"] = now
    return {"parsed_metadata": [row], "message_trust": [trust]}


# ------------------------------------------------------------ sender_temporal


def _touched_senders(conn: Connection, run_id: int) -> list[str]:
    query = (
        select(parsed_metadata.c.sender_domain)
        .join(
            stage_items,
            and_(
                stage_items.c.item_id == parsed_metadata.c.message_id,
                stage_items.c.stage == "metadata",
            ),
        )
        .where(
            stage_items.c.pipeline_run_id == run_id, parsed_metadata.c.sender_domain.is_not(None)
        )
        .distinct()
    )
    return sorted(row[0] for row in conn.execute(query))


def _summaries(conn: Connection, senders: list[str]) -> list[dict[str, Any]]:
    query = (
        select(
            parsed_metadata.c.sender_domain,
            parsed_metadata.c.sent_at,
            parsed_metadata.c.sent_hour_utc,
            parsed_metadata.c.sent_hour_local,
            parsed_metadata.c.sent_weekday,
        )
        .where(parsed_metadata.c.sender_domain.in_(senders))
        .order_by(parsed_metadata.c.sender_domain, parsed_metadata.c.sent_at)
    )
    now = utcnow()
    summaries = []
    # Streamed: one sender's messages at a time, never the whole mailbox.
    result = conn.execution_options(yield_per=2_000).execute(query)
    for sender, rows in groupby(result, key=lambda row: row[0]):
        summary = summarize((row[1], row[2], row[3], row[4]) for row in rows)
        summary.update(sender_domain=sender, updated_at=now)
        summaries.append(summary)
    return summaries


def rebuild_sender_temporal(engine, run_id: int | None = None) -> int:
    """Recompute ``sender_temporal`` for the senders of run ``run_id`` (all when None).

    Returns the number of senders rebuilt. Rows of identities that no longer
    have any message (e.g. after free-mail rules changed) are removed.
    """
    with engine.connect() as conn:
        if run_id is None:
            senders = sorted(
                row[0]
                for row in conn.execute(
                    select(parsed_metadata.c.sender_domain)
                    .where(parsed_metadata.c.sender_domain.is_not(None))
                    .distinct()
                )
            )
        else:
            senders = _touched_senders(conn, run_id)
    for start in range(0, len(senders), SENDER_CHUNK):
        chunk = senders[start : start + SENDER_CHUNK]
        with engine.connect() as conn:
            summaries = _summaries(conn, chunk)
        with write_tx(engine) as conn:
            conn.execute(delete(sender_temporal).where(sender_temporal.c.sender_domain.in_(chunk)))
            if summaries:
                conn.execute(insert(sender_temporal), summaries)
    with write_tx(engine) as conn:
        still_used = select(parsed_metadata.c.sender_domain).where(
            parsed_metadata.c.sender_domain == sender_temporal.c.sender_domain
        )
        conn.execute(delete(sender_temporal).where(~still_used.exists()))
    return len(senders)


def _after(ctx: StageContext) -> None:
    rebuild_sender_temporal(ctx.engine, ctx.run.run_id)


STAGE = register(
    Stage(
        key="metadata",
        order=1,
        description=(
            "Stage 1: header forensics - sender domain, ESP, authentication, infrastructure, "
            "timing - and a trust verdict per message"
        ),
        output_tables=("parsed_metadata", "message_trust", "sender_temporal"),
        items=_items,
        load=_load,
        transform=transform,
        prepare=_prepare,
        after=_after,
    )
)
