"""Reading habits and timelines on a large mailbox: how long one page takes.

Fills a fresh database with N synthetic received messages (2,000 senders,
one in three with a one-click List-Unsubscribe, read state mixed) plus the
user's replies, then times ``reading_habits`` (every sender, and the
never-read report) and ``load_timeline`` of a busy company and a contact.

    PYTHONPATH=src python benchmarks/bench_habits_timeline.py [--messages 100000] [--db URL]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from inboxmine.db.engine import make_engine, write_tx
from inboxmine.db.migrate import upgrade
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.habits.queries import habits_page, reading_habits
from inboxmine.sources.store import compress_raw
from inboxmine.timeline.queries import load_timeline

SENDERS = 2000
BATCH = 5000


def fill(engine, total: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    raw = compress_raw(b"Subject: x\n\nbody\n")
    now = datetime.now(UTC)
    for start in range(0, total, BATCH):
        rows, meta = [], []
        for n in range(start, min(total, start + BATCH)):
            s = rng.randrange(SENDERS)
            sent = n % 50 == 0
            sender = "me@mine.example" if sent else f"person{rng.randrange(5)}@sender{s}.example"
            rows.append(
                {
                    "id": n + 1,
                    "message_id": f"m{n}@bench.example",
                    "content_hash": hashlib.sha256(str(n).encode()).hexdigest(),
                    "source_kind": "imap",
                    "source_ref": "bench",
                    "sent_at": t0 + timedelta(minutes=n),
                    "sent_at_source": "date",
                    "from_address": sender,
                    "from_name": f"Person {s}",
                    "to_addresses": [f"person0@sender{s}.example"] if sent else ["me@mine.example"],
                    "subject": f"Message {n}",
                    "in_reply_to": f"m{n - 1}@bench.example" if sent else None,
                    "is_sent": sent,
                    "is_read": None if n % 7 == 0 else rng.random() < (0.1 if s % 3 else 0.7),
                    "raw_compressed": raw,
                    "size_bytes": 20,
                    "ingested_at": now,
                }
            )
        for row in rows:
            domain = row["from_address"].rsplit("@", 1)[1]
            sent = row["is_sent"]
            one_click = not sent and int(domain[6:].split(".")[0]) % 3 == 0
            meta.append(
                {
                    "message_id": row["id"],
                    "sender_domain": domain,
                    "is_sent": sent,
                    "list_id": f"<news.{domain}>" if one_click else None,
                    "list_unsubscribe_url": f"https://{domain}/u/{row['id']}"
                    if one_click
                    else None,
                    "list_unsubscribe_one_click": one_click,
                    "is_bulk": one_click,
                    "authentication_quality": "unknown",
                    "is_freemail": False,
                    "parsed_at": now,
                }
            )
        with write_tx(engine) as conn:
            conn.execute(insert(messages), rows)
            conn.execute(insert(parsed_metadata), meta)


def timed(label: str, fn, repeat: int = 3):
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label}: {best * 1000:.0f} ms (best of {repeat})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="an empty database URL (default: a temp SQLite)")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    t = time.perf_counter()
    fill(engine, args.messages)
    print(
        f"filled {args.messages:,} messages in {time.perf_counter() - t:.1f} s ({engine.dialect.name})"
    )
    rows = timed("habits, every sender", lambda: reading_habits(engine))
    timed("habits, first page of 50", lambda: habits_page(engine, limit=50))
    never = timed("never-read report", lambda: reading_habits(engine, never_read_only=True))
    timed("habits per list", lambda: reading_habits(engine, by="list", limit=50))
    print(f"  {len(rows):,} senders, {len(never):,} never read")
    company = timed("timeline of a company", lambda: load_timeline(engine, "sender3.example"))
    timed("timeline of a contact", lambda: load_timeline(engine, "person1@sender3.example"))
    print(f"  company: {company['totals']['messages']} messages, {len(company['people'])} people")


if __name__ == "__main__":
    main()
