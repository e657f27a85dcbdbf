"""Stage 4 - classify: industry, size, sophistication, intent, product, audience per sender.

A whole stage: each sender with unclassified messages (its domain, or its
address for free-mail senders; never the user's own mail) gets one AI call on
a sample of its most recent messages and their stage 1-3 signals. The answer,
validated against the dimensions, is written to every pending message of the
sender (``ai_classification``, overrides applied) and rolled up per sender
(``sender_classification``). A bad answer is an item error (nothing stored,
retried next run); a provider that cannot work fails the run.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, not_, or_, select

from inboxmine.ai import AIError, ProviderUnavailable, client_for
from inboxmine.ai.errors import AITimeout, ModelSpecError, ProviderError, RateLimited
from inboxmine.ai.schemas import classification_model, load_dimensions
from inboxmine.ai.templates import load_template
from inboxmine.classify.context import build_signals, render_emails, sample_messages
from inboxmine.classify.overrides import (
    DIMENSION_FIELDS,
    applicable,
    apply_overrides,
    corrections,
    model_values,
)
from inboxmine.classify.rollup import rollup
from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables import metadata as schema
from inboxmine.db.tables.classify import (
    ai_classification,
    classification_overrides,
    sender_classification,
)
from inboxmine.db.tables.ingest import messages, threads
from inboxmine.db.types import utcnow
from inboxmine.runner.stage import Stage, StageContext
from inboxmine.runner.tracking import StageError

TEMPLATE = "classify"
#: This many transport failures (timeouts, 429, 5xx) in a row mean the provider is down.
MAX_CONSECUTIVE_TRANSPORT_FAILURES = 3
RETRAIN_CORRECTIONS = 10
MAX_ENTITIES_PER_MESSAGE = 30
#: Bounds of the stored evidence (dimensions, signals per dimension, characters per signal).
MAX_EVIDENCE_KEYS = 12
MAX_EVIDENCE_SIGNALS = 6
MAX_EVIDENCE_CHARS = 120


def _table(name: str):
    return schema.tables.get(name)


def execute(ctx: StageContext) -> None:
    settings = ctx.settings
    try:
        client = client_for(settings, ctx.engine, ctx.run.run_id, "classify")
    except ModelSpecError as exc:
        raise StageError(f"classify cannot start: {exc}") from exc
    version = load_template(TEMPLATE, rules_dir=settings.rules_dir).version
    dimensions = load_dimensions(settings.rules_dir)
    answer_model = classification_model(settings.rules_dir)
    allowed = allowed_values_text(dimensions)
    overrides = load_overrides(ctx.engine)
    few_shot = corrections(overrides, RETRAIN_CORRECTIONS) if ctx.options.get("retrain") else []

    pending = pending_senders(ctx.engine, settings.my_addresses, ctx.reprocess)
    ctx.run.set_total(len(pending))
    transport_failures = 0
    for sender_domain in pending:
        try:
            with read_tx(ctx.engine) as conn:
                candidates = sender_messages(conn, sender_domain, settings.my_addresses)
                targets = [
                    m["message_id"] for m in candidates if ctx.reprocess or not m["classified"]
                ]
                sample = sample_messages(candidates, settings.ai.sample_messages)
                load_details(conn, sample)
        except Exception as exc:  # odd data for one sender must not stop the others
            ctx.run.item_error(sender_domain, f"{sender_domain}: cannot read its messages: {exc}")
            ctx.run.advance(1, failed=1)
            continue
        if not targets:
            ctx.run.advance(1)
            continue
        variables = {
            "sender_domain": sender_domain,
            "signals": build_signals(
                sender_domain,
                sample,
                len(candidates),
                settings.ai.max_body_chars,
                all_messages=candidates,
            ),
            "emails": render_emails(sample, settings.ai.max_body_chars),
            "corrections": few_shot or "none",
            "allowed_values": allowed,
        }
        try:
            result = client.ask(TEMPLATE, variables, answer_model, sender_domain=sender_domain)
        except ProviderUnavailable as exc:
            raise StageError(f"classify stopped at sender {sender_domain}: {exc}") from exc
        except AIError as exc:
            ctx.run.item_error(sender_domain, f"{sender_domain}: {exc} - retried on the next run")
            ctx.run.advance(1, failed=1)
            if isinstance(exc, AITimeout | RateLimited | ProviderError):
                transport_failures += 1
                if transport_failures >= MAX_CONSECUTIVE_TRANSPORT_FAILURES:
                    raise StageError(
                        f"classify stopped: the AI provider failed for {transport_failures} "
                        f"senders in a row (last: {exc}); senders classified so far are kept - "
                        f"run the stage again later"
                    ) from exc
            continue
        transport_failures = 0
        answer = result.answer.model_dump(mode="json")
        with write_tx(ctx.engine) as conn:
            store_classification(
                conn,
                sender_domain,
                targets,
                answer,
                overrides,
                provenance={
                    "model_used": result.model_used,
                    "prompt_template": TEMPLATE,
                    "prompt_version": version,
                    "audit_id": result.audit_id,
                    "pipeline_run_id": ctx.run.run_id,
                },
                sample_ids=[m["message_id"] for m in sample],
            )
        ctx.run.advance(1)


def allowed_values_text(dimensions: dict[str, dict[str, Any]]) -> str:
    """The allowed values of each choice dimension, one line each, for the prompt."""
    lines = []
    for name, spec in dimensions.items():
        kind = spec.get("kind")
        if kind == "choice":
            lines.append(f"- {name}: " + " | ".join(str(v) for v in spec["values"]))
        elif kind in ("int", "float"):
            lines.append(f"- {name}: {spec.get('min')} to {spec.get('max')}")
    return "\n".join(lines)


# ------------------------------------------------------------------ reading


def _not_mine(my_addresses: set[str]):
    conditions = [messages.c.is_sent.is_(False)]
    if my_addresses:
        conditions.append(
            or_(
                messages.c.from_address.is_(None),
                not_(func.lower(messages.c.from_address).in_(sorted(my_addresses))),
            )
        )
    pm = _table("parsed_metadata")
    if pm is not None and "is_sent" in pm.c:
        conditions.append(or_(pm.c.is_sent.is_(None), pm.c.is_sent.is_(False)))
    return and_(*conditions)


def pending_senders(engine, my_addresses: set[str], reprocess: bool) -> list[str]:
    """Senders with unclassified received messages (all senders when reprocessing)."""
    pm = _table("parsed_metadata")
    if pm is None:
        raise StageError("classify needs stage 1 (metadata): run `inboxmine run metadata` first")
    query = (
        select(pm.c.sender_domain)
        .select_from(pm.join(messages, messages.c.id == pm.c.message_id))
        .where(pm.c.sender_domain.is_not(None), pm.c.sender_domain != "", _not_mine(my_addresses))
        .group_by(pm.c.sender_domain)
        .order_by(pm.c.sender_domain)
    )
    if not reprocess:
        query = query.where(
            ~select(ai_classification.c.message_id)
            .where(ai_classification.c.message_id == messages.c.id)
            .exists()
        )
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


def sender_messages(conn: Connection, sender_domain: str, my_addresses: set[str]) -> list[dict]:
    """The sender's received messages with their stage 1 signals (no bodies yet)."""
    pm = _table("parsed_metadata")
    cols = [
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
    cols += [pm.c[name].label(label) for name, label in wanted.items() if name in pm.c]
    query = (
        select(*cols)
        .select_from(
            pm.join(messages, messages.c.id == pm.c.message_id).outerjoin(
                ai_classification, ai_classification.c.message_id == messages.c.id
            )
        )
        .where(pm.c.sender_domain == sender_domain, _not_mine(my_addresses))
    )
    rows = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["classified"] = item["classified"] is not None
        item["has_list_unsubscribe"] = bool(
            item.pop("list_unsubscribe_url", None) or item.pop("list_unsubscribe_email", None)
        )
        subject = (item.get("subject") or "").lower()
        item["is_reply"] = bool(item.get("in_reply_to")) or subject.startswith(("re:", "aw:"))
        rows.append(item)
    return rows


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
    """Add stage 2-3 signals, the clean body and thread facts to the sampled messages."""
    ids = [m["message_id"] for m in sample]
    by_id = {m["message_id"]: m for m in sample}
    pc = _table("parsed_content")
    content: dict[int, dict] = {}
    if pc is not None:
        cols = [pc.c[c] for c in CONTENT_COLUMNS if c in pc.c]
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
    ee = _table("extracted_entities")
    if ee is not None:
        cols = [ee.c[c] for c in ENTITY_COLUMNS if c in ee.c]
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


def store_classification(
    conn: Connection,
    sender_domain: str,
    message_ids: list[int],
    answer: dict[str, Any],
    overrides: list[dict],
    provenance: dict[str, Any],
    sample_ids: list[int] | None = None,
) -> None:
    """Write one sender's answer to its messages (overrides applied) and refresh its rollup."""
    values = answer_values(answer)
    evidence = compact_evidence(answer.get("evidence"))
    now = utcnow()
    rows = []
    for message_id in message_ids:
        applied, originals, has_override = apply_overrides(
            values, applicable(overrides, sender_domain, message_id)
        )
        rows.append(
            {
                "message_id": message_id,
                "sender_domain": sender_domain,
                **applied,
                "ai_confidence": answer.get("confidence"),
                **provenance,
                "has_override": has_override,
                "original_values": originals or None,
                "evidence": evidence,
                "classified_at": now,
            }
        )
    conn.execute(delete(ai_classification).where(ai_classification.c.message_id.in_(message_ids)))
    if rows:
        conn.execute(insert(ai_classification), rows)
    refresh_sender(conn, sender_domain, overrides, provenance, sample_ids)


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


def refresh_sender(
    conn: Connection,
    sender_domain: str,
    overrides: list[dict],
    provenance: dict[str, Any] | None = None,
    sample_ids: list[int] | None = None,
) -> None:
    """Recompute ``sender_classification`` for one sender from its message rows."""
    stored = [
        dict(r)
        for r in conn.execute(
            select(ai_classification).where(ai_classification.c.sender_domain == sender_domain)
        ).mappings()
    ]
    existing = (
        conn.execute(
            select(sender_classification).where(
                sender_classification.c.sender_domain == sender_domain
            )
        )
        .mappings()
        .first()
    )
    conn.execute(
        delete(sender_classification).where(sender_classification.c.sender_domain == sender_domain)
    )
    if not stored:
        return
    # Roll up the model's own values, then apply the sender-scoped overrides.
    model_rows = [{**r, **model_values(r)} for r in stored]
    rolled = rollup(model_rows)
    dims = {field: rolled.get(field) for field in DIMENSION_FIELDS}
    applied, originals, has_override = apply_overrides(
        dims, applicable(overrides, sender_domain, None)
    )
    newest = max(stored, key=lambda r: (r["classified_at"], r["message_id"]))
    if provenance is None:
        provenance = {
            k: newest.get(k)
            for k in (
                "model_used",
                "prompt_template",
                "prompt_version",
                "audit_id",
                "pipeline_run_id",
            )
        }
    conn.execute(
        insert(sender_classification).values(
            sender_domain=sender_domain,
            **applied,
            ai_confidence=rolled.get("ai_confidence"),
            **provenance,
            has_override=has_override,
            original_values=originals or None,
            evidence=newest.get("evidence"),
            classified_at=newest["classified_at"],
            message_count=len(stored),
            sample_message_ids=sample_ids
            if sample_ids is not None
            else (existing["sample_message_ids"] if existing else None),
        )
    )


STAGE = Stage(
    key="classify",
    order=4,
    description="industry, size, sophistication, intent, product, audience per sender",
    output_tables=("ai_classification", "sender_classification"),
    uses_ai=True,
    execute=execute,
)


# ---------------------------------------------------------------- overrides


class OverrideTargetError(ValueError):
    """The message or sender of an override does not exist."""


def add_override(
    engine,
    field: str,
    value: str,
    sender_domain: str | None = None,
    message_id: int | None = None,
    rules_dir=None,
) -> dict[str, Any]:
    """Record an override and apply it at once to the stored classifications.

    Exactly one of ``sender_domain`` / ``message_id``. The value is validated
    against the dimension's allowed values (:class:`OverrideError`). Returns
    the override row plus ``updated`` (how many message classifications changed).
    """
    from inboxmine.classify.overrides import validate_override

    if (sender_domain is None) == (message_id is None):
        raise OverrideTargetError("give either --sender DOMAIN or --message ID (one of them)")
    typed = validate_override(field, value, load_dimensions(rules_dir))
    with write_tx(engine) as conn:
        if message_id is not None:
            sender_domain = _message_sender(conn, message_id)
            original_row = (
                conn.execute(
                    select(ai_classification).where(ai_classification.c.message_id == message_id)
                )
                .mappings()
                .first()
            )
            scope = "message"
        else:
            sender_domain = sender_domain.strip().lower()
            original_row = (
                conn.execute(
                    select(sender_classification).where(
                        sender_classification.c.sender_domain == sender_domain
                    )
                )
                .mappings()
                .first()
            )
            known = (
                original_row is not None
                or conn.execute(
                    select(func.count())
                    .select_from(ai_classification)
                    .where(ai_classification.c.sender_domain == sender_domain)
                ).scalar_one()
            )
            if not known and not _sender_exists(conn, sender_domain):
                raise OverrideTargetError(
                    f"no sender {sender_domain!r} in this mailbox: check the spelling with "
                    f"`inboxmine overrides` or the profiles (free-mail senders are full addresses)"
                )
            scope = "sender"
        original = model_values(dict(original_row)).get(field) if original_row else None
        row = {
            "override_scope": scope,
            "sender_domain": sender_domain,
            "message_id": message_id,
            "field_name": field,
            "original_value": original,
            "corrected_value": typed,
            "created_at": utcnow(),
        }
        new_id = conn.execute(insert(classification_overrides).values(**row)).inserted_primary_key[
            0
        ]
        updated = reapply_overrides(conn, sender_domain)
    return {"id": int(new_id), **row, "updated": updated}


def _message_sender(conn: Connection, message_id: int) -> str:
    pm = _table("parsed_metadata")
    domain = None
    if pm is not None:
        domain = conn.execute(
            select(pm.c.sender_domain).where(pm.c.message_id == message_id)
        ).scalar_one_or_none()
    if domain is None:
        domain = conn.execute(
            select(ai_classification.c.sender_domain).where(
                ai_classification.c.message_id == message_id
            )
        ).scalar_one_or_none()
    if domain is None:
        exists = conn.execute(select(messages.c.id).where(messages.c.id == message_id)).first()
        if not exists:
            raise OverrideTargetError(
                f"message {message_id} does not exist: use a messages.id from the admin or exports"
            )
        raise OverrideTargetError(
            f"message {message_id} has no sender identity yet: run `inboxmine run metadata` first"
        )
    return domain


def _sender_exists(conn: Connection, sender_domain: str) -> bool:
    pm = _table("parsed_metadata")
    if pm is None:
        return False
    return (
        conn.execute(
            select(pm.c.message_id).where(pm.c.sender_domain == sender_domain).limit(1)
        ).first()
        is not None
    )


def reapply_overrides(conn: Connection, sender_domain: str) -> int:
    """Re-apply every override of a sender to its stored rows; returns rows changed."""
    overrides = [
        dict(r)
        for r in conn.execute(
            select(classification_overrides).where(
                classification_overrides.c.sender_domain == sender_domain
            )
        ).mappings()
    ]
    changed = 0
    stored = conn.execute(
        select(ai_classification).where(ai_classification.c.sender_domain == sender_domain)
    ).mappings()
    for row in [dict(r) for r in stored]:
        values = model_values(row)
        applied, originals, has_override = apply_overrides(
            values, applicable(overrides, sender_domain, row["message_id"])
        )
        update = {**applied, "has_override": has_override, "original_values": originals or None}
        if any(row.get(k) != v for k, v in update.items()):
            conn.execute(
                ai_classification.update()
                .where(ai_classification.c.message_id == row["message_id"])
                .values(**update)
            )
            changed += 1
    refresh_sender(conn, sender_domain, overrides)
    return changed
