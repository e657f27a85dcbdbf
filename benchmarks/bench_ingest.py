"""Import throughput: messages/second and peak memory of `ingest mbox`.

    PYTHONPATH=src python benchmarks/bench_ingest.py --messages 5000
    PYTHONPATH=src python benchmarks/bench_ingest.py --source synthetic \
        --db postgresql://postgres@127.0.0.1:5432/postgres

Writes an mbox (the demo generator's realistic mailbox, or synthetic
marketing mail of ~20-50 KB each), imports it into a fresh database as the
CLI does (parse, dedupe, store, threads, ledger run) and prints messages per
second, MB per second and peak RSS. A PostgreSQL URL names the server: the
benchmark creates a throwaway database there (its user needs CREATEDB) and
drops it at the end. ``--profile`` prints the top functions;
``--statements`` the time spent in each kind of SQL statement.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from inboxmine.db.engine import make_engine, normalize_url
from inboxmine.db.migrate import upgrade
from inboxmine.sources import store
from inboxmine.sources.importer import import_messages
from inboxmine.sources.mbox import read_mbox

ME = "alex@northwind-consulting.com"
WORDS = [
    "spring",
    "sale",
    "exclusive",
    "offer",
    "members",
    "save",
    "today",
    "only",
    "free",
    "shipping",
    "new",
    "arrivals",
    "discover",
    "collection",
    "limited",
    "edition",
    "upgrade",
    "your",
    "plan",
    "webinar",
    "register",
    "now",
    "partner",
    "program",
    "renew",
    "subscription",
    "invoice",
    "quarterly",
    "report",
    "analytics",
    "dashboard",
]


def synthetic_message(rng: random.Random, index: int, when: datetime) -> bytes:
    """One marketing-style message: headers of a real ESP, text + HTML alternative."""
    domain = f"brand{rng.randrange(300)}.com"
    paragraphs = []
    for _ in range(rng.randrange(15, 45)):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(30, 70)))
        paragraphs.append(words.capitalize() + ".")
    text = "\n\n".join(paragraphs)
    cells = "".join(
        f'<tr><td style="padding:12px;font-family:Arial"><a href="https://{domain}/p/{i}?utm_source=email'
        f'&utm_campaign=spring">{p}</a></td></tr>'
        for i, p in enumerate(paragraphs)
    )
    html = f"<html><head><style>td{{color:#333}}</style></head><body><table>{cells}</table></body></html>"
    received = "".join(
        f"Received: from mta{h}.{domain} (mta{h}.{domain} [10.0.{h}.{index % 250}]) by mx.google.com "
        f"with ESMTPS id x{index}; {format_datetime(when)}\n"
        for h in range(4)
    )
    return (
        f"{received}"
        f"DKIM-Signature: v=1; a=rsa-sha256; d={domain}; s=s1; h=from:to:subject; bh=abc; b={'x' * 340}\n"
        f"From: {domain.split('.')[0].title()} Team <news@{domain}>\n"
        f"To: {ME}\n"
        f"Subject: Offer #{index}: {' '.join(rng.choice(WORDS) for _ in range(6))}\n"
        f"Date: {format_datetime(when)}\n"
        f"Message-ID: <{index}.{rng.getrandbits(48):x}@{domain}>\n"
        f"List-Unsubscribe: <https://{domain}/unsub/{index}>, <mailto:unsub@{domain}>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="alt"\n\n'
        "--alt\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{text}\n"
        "--alt\nContent-Type: text/html; charset=utf-8\n\n"
        f"{html}\n"
        "--alt--\n"
    ).encode()


def write_synthetic(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("wb") as handle:
        for i in range(count):
            when = start + timedelta(minutes=17 * i)
            handle.write(b"From news@x " + when.strftime("%a %b %d %H:%M:%S %Y").encode() + b"\n")
            raw = synthetic_message(rng, i, when)
            handle.write(
                b"".join(
                    b">" + line if line.startswith(b"From ") else line
                    for line in raw.splitlines(True)
                )
            )
            handle.write(b"\n")


def write_demo(directory: Path, count: int) -> Path | None:
    try:
        from inboxmine.demo.generator import generate_demo
    except ImportError:
        return None
    generate_demo(directory, seed=7, messages=count)
    return directory / "demo.mbox"


@contextmanager
def fresh_database(url: str | None, directory: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in ``directory``, or a
    database created on the PostgreSQL server of ``url`` and dropped after."""
    if not url:
        yield f"sqlite:///{directory / 'bench.db'}"
        return
    server = make_url(normalize_url(url))
    if server.get_backend_name() != "postgresql":
        yield url
        return
    name = f"inboxmine_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def time_statements(engine) -> collections.Counter:
    """Seconds per kind of statement (its first words), filled while the engine runs."""
    spent: collections.Counter = collections.Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        kind = " ".join(statement.split()[:3])[:48] + (" (many)" if executemany else "")
        spent[kind] += time.perf_counter() - conn.info.pop("bench_started")

    # PostgreSQL's messages insert runs on the driver's cursor (a pipelined
    # executemany), out of sight of the engine's events: time it here.
    pipelined = getattr(store, "_PipelinedInsert", None)
    if pipelined is not None and not hasattr(pipelined, "bench_timed"):
        untimed = pipelined.__call__

        def timed(self, conn, rows):
            started = time.perf_counter()
            try:
                return untimed(self, conn, rows)
            finally:
                spent["INSERT INTO messages (pipelined)"] += time.perf_counter() - started

        pipelined.__call__ = timed
        pipelined.bench_timed = True
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--source", choices=("demo", "synthetic"), default="demo")
    parser.add_argument(
        "--db", help="database URL (default: a fresh SQLite file; PostgreSQL: the server)"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--statements", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        mbox = write_demo(directory, args.messages) if args.source == "demo" else None
        source = "demo generator"
        if mbox is None:
            mbox = directory / "synthetic.mbox"
            write_synthetic(mbox, args.messages)
            source = "synthetic marketing mail"
        size = mbox.stat().st_size
        with fresh_database(args.db, directory) as url:
            run(url, mbox, size, source, args)
    return 0


def run(url: str, mbox: Path, size: int, source: str, args) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        spent = time_statements(engine) if args.statements else None
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        summary = import_messages(
            engine, read_mbox(mbox), source_kind="mbox", path=str(mbox), my_addresses={ME}
        )
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"source: {source}, {summary.read:,} messages, {size / 1e6:.1f} MB ({size / max(summary.read, 1) / 1024:.1f} KB/message)"
        )
        print(f"database: {engine.dialect.name}")
        print(
            f"stored {summary.stored:,}, duplicates {summary.duplicates:,}, unparseable {summary.unparseable:,}, threads {summary.threads_updated:,}"
        )
        print(
            f"time: {elapsed:.2f} s  ->  {summary.read / elapsed:,.0f} messages/s, {size / 1e6 / elapsed:.1f} MB/s"
        )
        print(f"peak RSS: {peak_mb:.0f} MB (before import: {rss_before / 1024:.0f} MB)")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        if spent is not None:
            print("SQL time by statement:")
            for kind, seconds in spent.most_common(10):
                print(f"  {seconds:7.2f} s  {kind}")
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
