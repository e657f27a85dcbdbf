"""Stage 3 - entities: people and roles, organizations, money, dates,
procurement signals, phones and URLs.

Reads ``parsed_content`` (body_clean, signature_block, footer_text) joined
with ``messages`` (subject, sender, Cc, Reply-To, sent_at); writes
``extracted_entities``. The intelligence lives in :mod:`inboxmine.entities`;
this file is the I/O around it.

Rules always run. spaCy adds named entities when installed; when it is not
(or its model fails to load) the stage says so once, extracts with rules
only and marks the messages ``partial``, so they are extracted again - with
NER - once the model loads.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from inboxmine.db.tables.content import parsed_content
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.types import utcnow
from inboxmine.entities import nlp
from inboxmine.entities.base import MAX_BODY_CHARS, MAX_SIGNATURE_CHARS, MessageText
from inboxmine.entities.extract import ExtractOptions, extract_with_rules
from inboxmine.entities.rules import EntityRules, load_entity_rules
from inboxmine.rules.loader import RulesError
from inboxmine.runner.registry import register
from inboxmine.runner.stage import Outcome, Stage, StageContext
from inboxmine.runner.tracking import StageError

log = logging.getLogger(__name__)

OUTPUT_TABLE = "extracted_entities"
#: Characters of a footer read (organization names in "© 2026 Acme Inc.").
FOOTER_CHARS = 10_000
#: Notes already printed by this process: each is said once, not per run.
_ANNOUNCED: set[str] = set()


@dataclass(frozen=True)
class EntityPlan:
    """What every worker needs (picklable): rules, options, the spaCy model."""

    rules: EntityRules
    options: ExtractOptions
    extracted_at: datetime
    #: The spaCy model to use, or None when NER is switched off in settings.
    spacy_model: str | None


def _items(ctx: StageContext):
    content = parsed_content
    return select(content.c.message_id.label("item_id")).join(
        messages, messages.c.id == content.c.message_id
    )


def _load(conn: Connection, ids: Sequence[int], ctx: StageContext) -> list[MessageText]:
    content = parsed_content
    # Bulk mail comes from stage 1 when it has run; NULL (not bulk) otherwise.
    is_bulk = parsed_metadata.c.is_bulk
    query = (
        select(
            messages.c.id,
            messages.c.sent_at,
            messages.c.subject,
            messages.c.from_address,
            messages.c.from_name,
            messages.c.reply_to,
            messages.c.cc_addresses,
            messages.c.to_addresses,
            messages.c.is_sent,
            # Capped in the database: a 1 MB body is not even read past the cap.
            func.substr(content.c.body_clean, 1, MAX_BODY_CHARS).label("body"),
            func.substr(content.c.signature_block, 1, MAX_SIGNATURE_CHARS).label("signature"),
            func.substr(content.c.footer_text, 1, FOOTER_CHARS).label("footer"),
            is_bulk.label("is_bulk"),
        )
        .join(content, content.c.message_id == messages.c.id)
        .where(messages.c.id.in_(ids))
    )
    query = query.outerjoin(parsed_metadata, parsed_metadata.c.message_id == messages.c.id)
    rows = {row["id"]: row for row in conn.execute(query).mappings()}
    return [_message_text(rows[item_id]) for item_id in ids]


def _message_text(row) -> MessageText:
    def addresses(value) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else []

    return MessageText(
        message_id=row["id"],
        sent_at=row["sent_at"],
        subject=row["subject"],
        from_address=row["from_address"],
        from_name=row["from_name"],
        reply_to=row["reply_to"],
        cc_addresses=addresses(row["cc_addresses"]),
        to_addresses=addresses(row["to_addresses"]) if row["is_sent"] else [],
        is_sent=bool(row["is_sent"]),
        is_bulk=bool(row["is_bulk"]),
        body=row["body"],
        signature=row["signature"],
        footer=row["footer"],
    )


def _spacy_model(ctx: StageContext) -> str | None:
    settings = ctx.settings.entities
    return settings.spacy_model if settings.use_spacy and settings.spacy_model else None


def announce(ctx: StageContext, note: str) -> None:
    """Say ``note`` once: in the log, on the run's live progress, and on stderr."""
    log.info("%s", note)
    ctx.note(note)
    if note not in _ANNOUNCED:
        _ANNOUNCED.add(note)
        print(f"entities: {note}", file=sys.stderr)


def _before(ctx: StageContext) -> None:
    model = _spacy_model(ctx)
    if model is None:
        return
    # Loading here (before the worker pool forks) also shares the model with workers.
    _nlp, problem = nlp.load_model(model, retry_failed=True)
    if problem:
        announce(ctx, problem)


def _prepare(ctx: StageContext) -> EntityPlan:
    settings = ctx.settings
    try:
        rules = load_entity_rules(settings.rules_dir)
    except RulesError as exc:
        raise StageError(f"entities: {exc}") from exc
    return EntityPlan(
        rules=rules,
        options=ExtractOptions(
            extract_monetary=settings.entities.extract_monetary,
            extract_dates=settings.entities.extract_dates,
            extract_procurement=settings.entities.extract_procurement,
            my_addresses=frozenset(settings.my_addresses),
        ),
        extracted_at=utcnow(),
        spacy_model=_spacy_model(ctx),
    )


def _redo_partial(ctx: StageContext) -> bool:
    """Messages extracted without NER are redone once the spaCy model loads."""
    model = _spacy_model(ctx)
    return model is not None and nlp.load_model(model)[0] is not None


def transform(item: MessageText, plan: EntityPlan) -> Outcome:
    """One message -> its ``extracted_entities`` rows (pure; runs in worker processes)."""
    entities = extract_with_rules(item, plan.rules, plan.options)
    status, note = "done", None
    if plan.spacy_model is not None:
        model, problem = nlp.load_model(plan.spacy_model)
        if model is None:
            status, note = "partial", problem
        else:
            entities += nlp.find_named_entities(model, item, plan.rules, entities)
    rows = [entity.as_row(item.message_id, plan.extracted_at) for entity in entities]
    return Outcome(rows={OUTPUT_TABLE: rows}, status=status, note=note)


STAGE = register(
    Stage(
        key="entities",
        order=3,
        description="Stage 3: entities - people and roles, organizations, money, dates, procurement signals",
        output_tables=(OUTPUT_TABLE,),
        items=_items,
        load=_load,
        transform=transform,
        prepare=_prepare,
        before=_before,
        redo_partial=_redo_partial,
    )
)
