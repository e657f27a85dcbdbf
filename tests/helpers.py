"""Small builders for tests (plain data in, rows out)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime
from itertools import count

from sqlalchemy import insert

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages

_seq = count(1)


def insert_message(engine, **fields) -> int:
    """Insert one message with sensible defaults; returns its id."""
    n = next(_seq)
    raw = fields.pop("raw", f"Subject: test {n}\n\nbody {n}\n".encode())
    row = {
        "message_id": f"m{n}@example.com",
        "content_hash": hashlib.sha256(raw + str(n).encode()).hexdigest(),
        "source_kind": "eml",
        "source_ref": "test",
        "sent_at": datetime(2026, 1, 1, tzinfo=UTC),
        "sent_at_source": "date",
        "from_address": "someone@example.org",
        "subject": f"test {n}",
        "raw_compressed": zlib.compress(raw),
        "size_bytes": len(raw),
        "is_sent": False,
        "ingested_at": datetime.now(UTC),
    }
    row.update(fields)
    with write_tx(engine) as conn:
        return int(conn.execute(insert(messages).values(**row)).inserted_primary_key[0])
