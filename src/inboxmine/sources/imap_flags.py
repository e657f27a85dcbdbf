"""Keep the read state of stored IMAP messages current.

A message is fetched once, but the user reads it later: at every sync the
\\Seen flag of the messages already stored from a folder is read again (one
``UID FETCH 1:N (FLAGS)``, no bodies) and the changed ones are updated.
"""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, select, update

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages
from inboxmine.sources.read_state import imap_seen

#: Updates per statement.
_CHUNK = 500
#: UIDs per FETCH command (a listed UID set keeps the command line short).
_FETCH_CHUNK = 2000


def stored_read_state(engine: Engine, source_ref: str, uidvalidity: str) -> dict[int, tuple]:
    """UID -> (messages.id, is_read) of the messages stored from one folder."""
    prefix = f"{uidvalidity}:"
    found: dict[int, tuple] = {}
    query = select(messages.c.id, messages.c.source_position, messages.c.is_read).where(
        messages.c.source_kind == "imap", messages.c.source_ref == source_ref
    )
    with engine.connect() as conn:
        for row_id, position, is_read in conn.execute(query):
            if position and position.startswith(prefix) and position[len(prefix) :].isdigit():
                found[int(position[len(prefix) :])] = (row_id, is_read)
    return found


def read_state_changes(stored: dict[int, tuple], fetched: dict) -> list[dict]:
    """``[{"row_id", "is_read"}]`` for the stored messages whose \\Seen flag changed."""
    changes = []
    for uid, (row_id, was_read) in stored.items():
        item = fetched.get(uid)
        if item is None:
            continue
        seen = imap_seen(item.get(b"FLAGS"))
        if seen is not None and seen != was_read:
            changes.append({"row_id": row_id, "is_read": seen})
    return changes


def refresh_read_state(
    client, engine: Engine, source_ref: str, uidvalidity: str, up_to_uid: int
) -> int:
    """Read the flags of the folder's stored messages up to ``up_to_uid`` (the
    folder is selected) and store the changed read states; returns how many
    changed."""
    if up_to_uid <= 0:
        return 0
    stored = stored_read_state(engine, source_ref, uidvalidity)
    if not stored:
        return 0
    uids = sorted(uid for uid in stored if uid <= up_to_uid)
    fetched: dict = {}
    for start in range(0, len(uids), _FETCH_CHUNK):
        fetched.update(client.fetch(uids[start : start + _FETCH_CHUNK], ["FLAGS"]))
    changes = read_state_changes(stored, fetched)
    statement = (
        update(messages)
        .where(messages.c.id == bindparam("row_id"))
        .values(is_read=bindparam("is_read"))
    )
    for start in range(0, len(changes), _CHUNK):
        with write_tx(engine) as conn:
            conn.execute(statement, changes[start : start + _CHUNK])
    return len(changes)
