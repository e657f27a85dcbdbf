"""Corrections the user makes: of a classification, and of a sender's trust.

Classification overrides (``inboxmine override``, the admin's Overrides view):
the value is validated against its dimension in ``rules/classify_dimensions.yaml``,
the override is stored, and every stored classification of that sender is
corrected in the same transaction (future classify runs apply it too, in
:mod:`inboxmine.classify.store`). Editing or deleting an override re-applies
the sender's overrides the same way.

Trust overrides (``inboxmine trust set``, ``/api/trust/overrides``, the
Suspicious senders page, a gem rated bad as spam): a sender identity and the
verdict the user gives it, winning over every computed verdict.
:mod:`inboxmine.trust.service` applies them to ``sender_trust``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from inboxmine.ai.schemas import load_dimensions
from inboxmine.classify.overrides import (
    OverrideError,
    applicable,
    apply_overrides,
    model_values,
    validate_override,
)
from inboxmine.classify.store import refresh_senders
from inboxmine.db.tables.classify import (
    ai_classification,
    classification_overrides,
    sender_classification,
)
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.trust import TRUST_VERDICTS, trust_overrides
from inboxmine.db.types import utcnow
from inboxmine.services.base import Db, InvalidValue, NotFound, check_choice, writing

# ------------------------------------------------------ classification overrides


class OverrideTargetError(ValueError):
    """The message or sender of an override does not exist."""


def add_override(
    db: Db,
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
    if (sender_domain is None) == (message_id is None):
        raise OverrideTargetError("give either --sender DOMAIN or --message ID (one of them)")
    typed = validate_override(field, value, load_dimensions(rules_dir))
    with writing(db) as conn:
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


def _override(conn: Connection, override_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(classification_overrides).where(classification_overrides.c.id == override_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(
            f"override {override_id} does not exist: `inboxmine overrides` lists the overrides"
        )
    return dict(row)


def edit_override(db: Db, override_id: int, value: str, rules_dir=None) -> dict[str, Any]:
    """Give override ``override_id`` a new corrected value and apply it at once.

    The value is validated like ``inboxmine override`` validates it
    (:class:`OverrideError` names the override, the field and what is allowed);
    the sender's stored classifications are corrected in the same transaction.
    Returns the override with ``updated`` (message classifications changed).
    """
    dimensions = load_dimensions(rules_dir)
    with writing(db) as conn:
        row = _override(conn, override_id)
        try:
            typed = validate_override(row["field_name"], str(value), dimensions)
        except OverrideError as exc:
            raise OverrideError(
                f"override {override_id} ({row['sender_domain']}, {row['field_name']}): {exc}"
            ) from None
        conn.execute(
            update(classification_overrides)
            .where(classification_overrides.c.id == override_id)
            .values(corrected_value=typed)
        )
        updated = reapply_overrides(conn, row["sender_domain"])
    return {**row, "corrected_value": typed, "updated": updated}


def delete_override(db: Db, override_id: int) -> dict[str, Any]:
    """Remove an override; the sender's classifications go back to the model's
    values (or to its other overrides) at once. Returns the removed override
    with ``updated``."""
    with writing(db) as conn:
        row = _override(conn, override_id)
        conn.execute(
            delete(classification_overrides).where(classification_overrides.c.id == override_id)
        )
        updated = reapply_overrides(conn, row["sender_domain"])
    return {**row, "updated": updated}


# -------------------------------------------------------------- trust overrides

#: Where a trust override came from.
TRUST_OVERRIDE_SOURCES = ("cli", "web", "rating")


class InvalidOverride(InvalidValue):
    """A verdict or source that does not exist; the message lists the valid ones."""


def _check_trust(verdict: str, source: str) -> None:
    check_choice(verdict, TRUST_VERDICTS, "trust verdict", InvalidOverride, required=True)
    check_choice(source, TRUST_OVERRIDE_SOURCES, "override source", InvalidOverride, required=True)


def set_trust_override(
    conn: Connection,
    sender_domain: str,
    verdict: str,
    reason: str | None = None,
    source: str = "cli",
) -> None:
    """Give ``sender_domain`` the ``verdict`` from now on (insert or replace).

    Only stores it: :func:`inboxmine.trust.service.set_verdict` also applies it
    to ``sender_trust``."""
    _check_trust(verdict, source)
    now = utcnow()
    values = {
        "sender_domain": sender_domain,
        "verdict": verdict,
        "reason": reason,
        "source": source,
        "created_at": now,
    }
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(trust_overrides).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["sender_domain"],
        set_={"verdict": verdict, "reason": reason, "source": source, "updated_at": now},
    )
    conn.execute(statement)


def clear_trust_override(conn: Connection, sender_domain: str) -> bool:
    """Remove the user's verdict for ``sender_domain``; True when there was one."""
    result = conn.execute(
        delete(trust_overrides).where(trust_overrides.c.sender_domain == sender_domain)
    )
    return result.rowcount > 0


def get_trust_override(conn: Connection, sender_domain: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(trust_overrides).where(trust_overrides.c.sender_domain == sender_domain)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


__all__ = [
    "TRUST_OVERRIDE_SOURCES",
    "InvalidOverride",
    "OverrideError",
    "OverrideTargetError",
    "add_override",
    "clear_trust_override",
    "delete_override",
    "edit_override",
    "get_trust_override",
    "reapply_overrides",
    "set_trust_override",
]
