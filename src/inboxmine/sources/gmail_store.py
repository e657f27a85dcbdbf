"""Gmail's ids and labels on stored messages.

Both ways into Gmail use them: the Gmail API source
(:mod:`inboxmine.sources.gmail`) and IMAP on a Gmail server
(:mod:`inboxmine.sources.imap`, which reads X-GM-MSGID and X-GM-LABELS).
Gmail's labels are the live state of a message, so a sync replaces the
stored ones; the ids let a sync skip what is stored already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Boolean, Engine, bindparam, func, select, update

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages
from inboxmine.sources.parse import content_hash, normalize_message_id
from inboxmine.sources.read_state import GMAIL_UNREAD

_CHUNK = 500  # bound parameters per IN query


@dataclass(slots=True)
class GmailRef:
    """A fetched message as Gmail knows it, to attach to the stored row."""

    raw: bytes
    message_id: str | None
    gmail_id: str
    labels: list[str] | None
    #: The live read state (API: no UNREAD label; IMAP: \\Seen); None: unknown.
    is_read: bool | None = None


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID of raw bytes (headers only, bounded)."""
    head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    value = None
    for line in head.splitlines():
        if line[:11].lower() == b"message-id:":
            value = line[11:].decode("utf-8", "replace")
        elif value is not None and line[:1] in (b" ", b"\t"):
            value += line.decode("utf-8", "replace")
        elif value is not None:
            break
    return normalize_message_id(value)


def attach_gmail_refs(engine: Engine, refs: Sequence[GmailRef]) -> None:
    """Record Gmail ids and current labels on the stored rows of ``refs``.

    Matched by content hash (the row this fetch stored or an identical copy),
    else by Message-ID (the same message imported from elsewhere, e.g. a
    Takeout mbox whose extra headers change the hash). Gmail's labels are
    the live state, so they replace what was stored.
    """
    if not refs:
        return
    by_hash = [
        {"h": content_hash(r.raw), "gid": r.gmail_id, "labels": r.labels, "read": r.is_read}
        for r in refs
    ]
    by_mid = [
        {"mid": r.message_id, "gid": r.gmail_id, "labels": r.labels, "read": r.is_read}
        for r in refs
        if r.message_id
    ]
    # An unknown read state keeps the stored one.
    is_read = func.coalesce(bindparam("read", type_=Boolean), messages.c.is_read)
    with write_tx(engine) as conn:
        conn.execute(
            update(messages)
            .where(messages.c.content_hash == bindparam("h"))
            .values(gmail_id=bindparam("gid"), labels=bindparam("labels"), is_read=is_read),
            by_hash,
        )
        if by_mid:
            conn.execute(
                update(messages)
                .where(messages.c.message_id == bindparam("mid"), messages.c.gmail_id.is_(None))
                .values(gmail_id=bindparam("gid"), labels=bindparam("labels"), is_read=is_read),
                by_mid,
            )


def stored_gmail_ids(engine: Engine, gmail_ids: Sequence[str]) -> set[str]:
    """Which of ``gmail_ids`` are stored already (so they are not fetched again)."""
    found: set[str] = set()
    ids = sorted(set(gmail_ids))
    with engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            found.update(
                conn.execute(
                    select(messages.c.gmail_id).where(messages.c.gmail_id.in_(chunk))
                ).scalars()
            )
    return found


def stored_labels(engine: Engine, gmail_ids: Sequence[str]) -> dict[str, list[str]]:
    """The stored labels of each stored message among ``gmail_ids``."""
    found: dict[str, list[str]] = {}
    ids = sorted(set(gmail_ids))
    with engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for gid, labels in conn.execute(
                select(messages.c.gmail_id, messages.c.labels).where(messages.c.gmail_id.in_(chunk))
            ):
                found[gid] = list(labels or [])
    return found


def set_labels(engine: Engine, labels: dict[str, list[str]]) -> int:
    """Store new label lists by Gmail id, and the read state they mean (no
    ``UNREAD`` label: read); returns how many messages changed."""
    if not labels:
        return 0
    rows = [
        {"gid": gid, "labels": value, "read": GMAIL_UNREAD not in value}
        for gid, value in labels.items()
    ]
    with write_tx(engine) as conn:
        conn.execute(
            update(messages)
            .where(messages.c.gmail_id == bindparam("gid"))
            .values(labels=bindparam("labels"), is_read=bindparam("read")),
            rows,
        )
    return len(rows)
