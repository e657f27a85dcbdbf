"""Database edges of sender trust: read message verdicts in batches, write ``sender_trust``.

Stage 5 calls :func:`roll_up_senders` and :func:`write_sender_trust` once per
batch of senders (one query per 2,000 senders, one insert per batch), so a
100,000-message mailbox costs a few statements, never one per sender. A
sender identity is ``parsed_metadata.sender_domain``, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from inboxmine.db.rows import chunks, delete_except, replace_rows
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.trust import message_trust, sender_trust, trust_overrides
from inboxmine.db.types import utcnow
from inboxmine.trust.rollup import SenderTrust, roll_up


def message_verdicts(conn: Connection, sender_domains: list[str]) -> dict[str, list[dict]]:
    """The ``message_trust`` rows of these senders' received messages, by sender."""
    by_sender: dict[str, list[dict]] = {}
    for chunk in chunks(sender_domains):
        query = (
            select(
                parsed_metadata.c.sender_domain,
                message_trust.c.message_id,
                message_trust.c.verdict,
                message_trust.c.risk_score,
                message_trust.c.signals,
                message_trust.c.is_automated,
            )
            .select_from(
                message_trust.join(
                    parsed_metadata, parsed_metadata.c.message_id == message_trust.c.message_id
                ).join(messages, messages.c.id == message_trust.c.message_id)
            )
            .where(parsed_metadata.c.sender_domain.in_(chunk), messages.c.is_sent.is_(False))
            .order_by(message_trust.c.message_id)
        )
        for row in conn.execute(query).mappings():
            by_sender.setdefault(row["sender_domain"], []).append(dict(row))
    return by_sender


def overrides_for(conn: Connection, sender_domains: list[str]) -> dict[str, dict[str, Any]]:
    """The user's corrections of these senders."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sender_domains):
        rows = conn.execute(
            select(trust_overrides).where(trust_overrides.c.sender_domain.in_(chunk))
        ).mappings()
        found.update({r["sender_domain"]: dict(r) for r in rows})
    return found


def roll_up_senders(
    conn: Connection,
    sender_domains: list[str],
    rules: dict[str, Any],
    overrides: dict[str, dict[str, Any]] | None = None,
) -> dict[str, SenderTrust]:
    """The trust of each sender that has message verdicts or an override.

    A sender with neither is left out: it has no verdict and is never blocked.
    ``overrides`` (all of them, or None to read this batch's) decide the verdict.
    """
    by_sender = message_verdicts(conn, sender_domains)
    if overrides is None:
        overrides = overrides_for(conn, sender_domains)
    trusts = {}
    for domain in sender_domains:
        rows, override = by_sender.get(domain, []), overrides.get(domain)
        if rows or override:
            trusts[domain] = roll_up(domain, rows, rules, override)
    return trusts


def write_sender_trust(
    conn: Connection,
    sender_domains: list[str],
    trusts: Iterable[SenderTrust],
    now: datetime | None = None,
) -> None:
    """Replace the ``sender_trust`` rows of these senders with ``trusts``
    (a sender of the list without a trust loses its row)."""
    now = now or utcnow()
    rows = [{**t.row(), "computed_at": now} for t in trusts]
    replace_rows(conn, sender_trust.c.sender_domain, sender_domains, rows)


def delete_sender_trust_except(conn: Connection, keep: set[str]) -> int:
    """Remove the trust of senders that are gone (trust is derived data)."""
    return delete_except(conn, sender_trust.c.sender_domain, keep)


def sender_verdicts(conn: Connection, sender_domains: list[str]) -> dict[str, str]:
    """``{sender_domain: verdict}`` of these senders (those without one are left out)."""
    verdicts: dict[str, str] = {}
    for chunk in chunks(sender_domains):
        query = select(sender_trust.c.sender_domain, sender_trust.c.verdict).where(
            sender_trust.c.sender_domain.in_(chunk)
        )
        verdicts.update(dict(conn.execute(query).all()))
    return verdicts


def reapply(conn: Connection, sender_domain: str, rules: dict[str, Any]) -> SenderTrust | None:
    """Roll one sender up again now (after the user set or cleared an override)."""
    trusts = roll_up_senders(conn, [sender_domain], rules)
    write_sender_trust(conn, [sender_domain], trusts.values())
    return trusts.get(sender_domain)


__all__ = [
    "delete_sender_trust_except",
    "message_verdicts",
    "overrides_for",
    "reapply",
    "roll_up_senders",
    "sender_verdicts",
    "write_sender_trust",
]
