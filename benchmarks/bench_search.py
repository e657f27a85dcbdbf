"""Search latency at scale: a 100k-message database of replayed real mail, typical queries.

    PYTHONPATH=src:. python benchmarks/bench_search.py --messages 100000
    PYTHONPATH=src:. python benchmarks/bench_search.py --messages 100000 \\
        --db postgresql://postgres@127.0.0.1:5432/bench_search

The mailbox is built as benchmarks/bench_scale.py builds it: every message of
../shared/corpora replayed as many times as needed, each copy with its own
Message-IDs, sender domains and dates. It is imported as ``inboxmine ingest
mbox`` does (the index is built by the import itself; its time is printed),
then each query runs ``--repeat`` times as ``inboxmine search`` runs it (20
answers with snippets, sender and gem links): median and p95 milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fresh_database  # noqa: E402
from bench_scale import ME, build_mailbox, seed_messages  # noqa: E402

from inboxmine.search.index import indexed_count  # noqa: E402
from inboxmine.search.searcher import search  # noqa: E402
from inboxmine.sources.importer import import_messages  # noqa: E402
from inboxmine.sources.mbox import read_mbox  # noqa: E402

QUERIES = {
    "word": "razor",
    "word (rare)": "invoice",
    "word (very common)": "the",
    "phrase": '"mailing list"',
    "prefix": "unsubscrib*",
    "from:": "from:fork",
    "domain:": "domain:taint.org",
    "subject:": "subject:linux",
    "word + exclusion": "razor -spamassassin",
    "phrase + from: + date": '"mailing list" from:taint.org after:2002-09-01',
    "word + has:attachment": "linux has:attachment",
    "operators only": "has:attachment after:2002-10-01 before:2003-01-01",
    "exclusion only": "-razor",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--messy", type=int, default=0, help="messy spam/phishing seeds too")
    parser.add_argument("--spread", type=int, default=40, help="sender variants per sender")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each query")
    parser.add_argument("--db", help="an empty database URL (default: SQLite in the folder)")
    parser.add_argument("--keep", help="folder to build in and keep (default: a temporary one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        seeds = seed_messages(folder, args.messy)
        mbox = folder / "mailbox.mbox"
        size, _ = build_mailbox(mbox, seeds, args.messages, args.spread)
        url = args.db or f"sqlite:///{folder / 'search.db'}"
        engine = fresh_database(url)
        started = time.perf_counter()
        summary = import_messages(
            engine, read_mbox(mbox), source_kind="mbox", path=str(mbox), my_addresses={ME}
        )
        ingest_s = time.perf_counter() - started
        print(
            f"{engine.dialect.name}: {summary.stored:,} messages ({size / 2**20:,.0f} MB) imported "
            f"and indexed in {ingest_s:.0f} s ({summary.stored / ingest_s:,.0f}/s); "
            f"{indexed_count(engine):,} in the index"
        )
        print(f"{'query':24} {'total':>8} {'median ms':>10} {'p95 ms':>8}  text")
        medians = []
        for name, text in QUERIES.items():
            timings = []
            total = 0
            for _ in range(args.repeat):
                began = time.perf_counter()
                total = search(engine, text, limit=20).total
                timings.append((time.perf_counter() - began) * 1000)
            median = statistics.median(timings)
            medians.append(median)
            print(
                f"{name:24} {total:>8,} {median:>10.1f} {percentile(timings, 0.95):>8.1f}  {text}"
            )
        print(
            f"all {len(QUERIES)} queries: median of medians {statistics.median(medians):.1f} ms, "
            f"slowest median {max(medians):.1f} ms"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
