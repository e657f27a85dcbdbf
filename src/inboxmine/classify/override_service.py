"""Classification overrides: the user's corrections, recorded and applied at once.

One service for the CLI (``inboxmine override``) and any other caller: the
value is validated against the dimension, the override is stored, and every
stored classification of that sender is corrected in the same transaction
(future runs apply it too, in :mod:`inboxmine.classify.store`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select

from inboxmine.ai.schemas import load_dimensions
from inboxmine.classify.overrides import applicable, apply_overrides, model_values
from inboxmine.classify.store import refresh_senders
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.classify import (
    ai_classification,
    classification_overrides,
    sender_classification,
)
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.types import utcnow


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
    pm = parsed_metadata
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
    pm = parsed_metadata
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
    refresh_senders(conn, [sender_domain], overrides)
    return changed
