"""Latency of the admin's list pages and the API lists with many messages.

    PYTHONPATH=src python benchmarks/bench_web.py --messages 100000

Bulk-loads a SQLite database (messages, threads, runs, item errors, gems),
then times each page in-process (no network) and prints p50/p95 per page.
The goal (issue 6): p95 < 200 ms for list pages and API lists at 100,000 messages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from inboxmine.config import load_settings
from inboxmine.db.engine import make_engine
from inboxmine.db.migrate import upgrade
from inboxmine.db.tables.ingest import messages, threads
from inboxmine.db.tables.ledger import item_errors, pipeline_runs
from inboxmine.sources.store import compress_raw
from inboxmine.web.app import create_app
from inboxmine.web.models import table

PASSWORD = "bench"
DOMAINS = [f"sender{i}.example" for i in range(2000)]
STAGES = ("metadata", "content", "entities", "classify", "profile", "segment")


def bulk_load(engine, count: int) -> None:
    """Rows shaped like a real mailbox, written in big batches (one transaction each)."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    raw = compress_raw(b"Subject: x\n\nbody\n")
    with engine.begin() as conn:
        conn.execute(
            insert(threads),
            [
                {
                    "thread_key": f"t{i}",
                    "subject": f"Thread {i}",
                    "message_count": 5,
                    "participant_count": 2,
                    "last_message_at": start + timedelta(hours=i),
                    "user_participated": i % 3 == 0,
                    "awaiting_response_from": "none",
                    "days_dormant": i % 400,
                }
                for i in range(count // 5)
            ],
        )
    batch = 10_000
    for first in range(0, count, batch):
        rows = []
        for i in range(first, min(first + batch, count)):
            domain = DOMAINS[i % len(DOMAINS)]
            rows.append(
                {
                    "message_id": f"m{i}@{domain}",
                    "thread_id": (i // 5) + 1,
                    "content_hash": f"{i:064x}",
                    "source_kind": "mbox",
                    "source_ref": "bench.mbox",
                    "sent_at": start + timedelta(minutes=17 * i),
                    "sent_at_source": "date",
                    "from_address": f"news{i % 7}@{domain}",
                    "from_name": f"Sender {i % 2000}",
                    "subject": f"Offer number {i} for you",
                    "body_text": "Hello, this is a newsletter. " * 20,
                    "size_bytes": 4000,
                    "is_sent": False,
                    "raw_compressed": raw,
                    "ingested_at": start,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(messages), rows)
    with engine.begin() as conn:
        runs = []
        for i in range(3000):
            begun = start + timedelta(hours=i)
            runs.append(
                {
                    "stage": STAGES[i % len(STAGES)],
                    "status": "failed" if i % 17 == 0 else "completed",
                    "triggered_by": "web" if i % 2 else "cli",
                    "created_at": begun,
                    "started_at": begun,
                    "completed_at": begun + timedelta(seconds=30),
                    "items_processed": i * 7 % 5000,
                    "items_failed": 0,
                    "cancel_requested": False,
                    "error_message": "boom" if i % 17 == 0 else None,
                }
            )
        conn.execute(insert(pipeline_runs), runs)
        conn.execute(
            insert(item_errors),
            [
                {
                    "pipeline_run_id": 1 + i % 3000,
                    "stage": "content",
                    "item_id": str(i),
                    "error": "ValueError: bad charset",
                    "created_at": start,
                }
                for i in range(5000)
            ],
        )
        gems = table("gems")
        if gems is not None:
            rows = []
            for i, domain in enumerate(DOMAINS):
                row = {
                    "gem_type": ("partner_program", "renewal_leverage", "dormant_warm_thread")[
                        i % 3
                    ],
                    "sender_domain": domain,
                    "thread_key": "",
                    "status": "new",
                    "score": i % 100,
                    "detector_score": i % 100,
                    "summary": f"Gem for {domain}",
                    "urgency": ("high", "medium", "low")[i % 3],
                    "estimated_value": ("high", "medium", "low")[i % 3],
                    "created_at": start,
                }
                rows.append({k: v for k, v in row.items() if k in gems.c})
            conn.execute(insert(gems), rows)


PAGES = [
    "/admin/messages/list",
    "/admin/messages/list?page=2000",
    "/admin/messages/list?sortBy=from_address&sort=asc",
    "/admin/messages/list?search=Offer%20number%2099999",
    "/admin/threads/list",
    "/admin/pipeline-runs/list",
    "/admin/pipeline-runs/list?search=failed",
    "/admin/pipeline-runs/list?sortBy=items_processed&sort=desc",
    "/admin/item-errors/list",
    "/admin/gems/list",
    "/admin/gem-explorer",
    "/admin/gem-explorer?urgency=high&min_score=50",
    "/admin/",
    "/admin/pipeline",
    "/api/messages",
    "/api/messages?offset=90000",
    "/api/messages?q=sender1999",
    "/api/pipeline/runs",
    "/api/pipeline/runs?status=failed&sort=items_processed",
    "/api/gems?urgency=high",
    "/api/stats",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="inboxmine-bench-web-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    bulk_load(engine, args.messages)
    print(f"loaded {args.messages} messages in {time.perf_counter() - t0:.1f} s ({folder})")
    settings = load_settings(database_url=url)
    app = create_app(settings, engine, password=PASSWORD, queue_mode="immediate")
    worst = 0.0
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/admin/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post("/admin/login", data={"password": PASSWORD, "csrf_token": token})
        print(f"{'page':60} {'p50 ms':>8} {'p95 ms':>8}")
        for path in PAGES:
            assert client.get(path).status_code == 200, path  # warm up
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, path
            times.sort()
            p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
            worst = max(worst, p95)
            print(f"{path:60} {statistics.median(times):8.1f} {p95:8.1f}")
    print(f"worst p95: {worst:.1f} ms (goal < 200 ms)")
    return 0 if worst < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
