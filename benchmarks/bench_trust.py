"""Sender trust at scale: stage 5's rollup of message verdicts into sender_trust.

    PYTHONPATH=src python benchmarks/bench_trust.py --messages 100000 --senders 20000
    PYTHONPATH=src python benchmarks/bench_trust.py --db postgresql://... --messages 100000

Plants ``--messages`` message verdicts (message_trust, as stage 1 writes them:
a tenth phishing or spam, with signals) over ``--senders`` sender identities,
then rolls every sender up in stage 5's batches (about 4,000 messages each)
and writes sender_trust; prints the wall time and the number of SQL
statements (a few per batch, never one per sender).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import fresh_database
from sqlalchemy import event, func, insert, select

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.trust import message_trust, sender_trust
from inboxmine.opportunities.store import BATCH_MESSAGES
from inboxmine.rules.loader import load_rules
from inboxmine.sources.store import compress_raw
from inboxmine.trust import store

SIGNALS = [
    {"signal": "brand_impersonation", "weight": 45, "detail": "PayPal on gmail", "evidence": "From: PayPal <x@gmail.com>"},
    {"signal": "dmarc_fail", "weight": 25, "detail": "DMARC failed", "evidence": "dmarc=fail"},
]  # fmt: skip


def plant(engine, n: int, senders: int, chunk: int = 20_000) -> None:
    now = datetime.now(UTC)
    raw = compress_raw(b"Subject: x\n\nx\n")
    for start in range(0, n, chunk):
        ids = range(start + 1, min(n, start + chunk) + 1)
        with write_tx(engine) as conn:
            conn.execute(
                insert(messages),
                [
                    {"id": i, "message_id": f"m{i}@bench", "content_hash": f"{i:064d}",
                     "source_kind": "eml", "source_ref": "bench", "sent_at": now,
                     "sent_at_source": "date", "from_address": f"a@s{i % senders}.example",
                     "subject": "x", "raw_compressed": raw, "size_bytes": 10, "is_sent": False,
                     "ingested_at": now}
                    for i in ids
                ],
            )  # fmt: skip
            conn.execute(
                insert(parsed_metadata),
                [
                    {"message_id": i, "sender_domain": f"s{i % senders}.example", "parsed_at": now}
                    for i in ids
                ],
            )
            conn.execute(
                insert(message_trust),
                [
                    {"message_id": i, "verdict": "phishing" if i % 10 == 0 else "bulk",
                     "risk_score": 90.0 if i % 10 == 0 else 5.0,
                     "signals": SIGNALS if i % 10 == 0 else [], "is_automated": i % 7 == 0,
                     "computed_at": now}
                    for i in ids
                ],
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=20_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    rules = load_rules("sender_trust.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = fresh_database(url)
        start = time.perf_counter()
        plant(engine, args.messages, args.senders)
        planted = time.perf_counter() - start
        per_sender = max(1, args.messages // args.senders)
        size = max(1, BATCH_MESSAGES // per_sender)
        domains = [f"s{i}.example" for i in range(args.senders)]
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        start = time.perf_counter()
        for i in range(0, len(domains), size):
            batch = domains[i : i + size]
            with write_tx(engine) as conn:
                trusts = store.roll_up_senders(conn, batch, rules, {})
                store.write_sender_trust(conn, batch, trusts.values())
        elapsed = time.perf_counter() - start
        with engine.connect() as conn:
            rows = conn.execute(
                select(sender_trust.c.verdict, func.count()).group_by(sender_trust.c.verdict)
            ).all()
        print(f"database: {engine.url.get_backend_name()}")
        print(
            f"planted {args.messages:,} message verdicts over {args.senders:,} senders in {planted:.1f} s"
        )
        print(
            f"rolled up {args.senders:,} senders in {elapsed:.2f} s "
            f"({args.messages / elapsed:,.0f} messages/s), {len(statements)} SQL statements "
            f"for {-(-len(domains) // size)} batches"
        )
        print("sender verdicts: " + ", ".join(f"{v} {n:,}" for v, n in sorted(rows)))
        engine.dispose()


if __name__ == "__main__":
    main()
