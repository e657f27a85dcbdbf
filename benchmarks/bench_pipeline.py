"""The whole pipeline on the demo corpus: messages/second and peak memory per stage.

    PYTHONPATH=src python benchmarks/bench_pipeline.py --messages 10000 [--db URL]

Generates the demo mailbox (seeded, reproducible), imports it into a fresh
database, then runs stages 1-6 and engage (20 best gems) through the same
runner the CLI uses, timing each run. In the same process it times the bare
stdlib parse of the same messages (``email.message_from_bytes`` with the
default policy, plus decoding the text parts) and reports stages 1-3 against
it: a ratio that survives noisy machines. Peak RSS is the largest of this
process and of its worker processes.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import fresh_database, ingest_demo, stdlib_parse

from inboxmine.config import load_settings
from inboxmine.demo import generate_demo
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages
from inboxmine.sources.mbox import read_mbox

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temporary folder)")
    parser.add_argument(
        "--spacy", action="store_true", help="entities with spaCy NER (default: rules only)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        demo = generate_demo(Path(tmp), seed=args.seed, messages=args.messages, now=NOW)
        url = args.db or f"sqlite:///{tmp}/bench.db"
        engine = fresh_database(url)
        settings = load_settings(database_url=url, me=demo.me, entities={"use_spacy": args.spacy})

        start = time.perf_counter()
        summary = ingest_demo(engine, demo)
        rows = [("ingest", summary.counts.read, time.perf_counter() - start, peak_rss_mb())]

        start = time.perf_counter()
        count = 0
        for item in read_mbox(demo.mbox_path):
            stdlib_parse(item.raw)
            count += 1
        bare = time.perf_counter() - start

        for stage, params in [
            ("metadata", {}),
            ("content", {}),
            ("entities", {}),
            ("classify", {}),
            ("profile", {}),
            ("segment", {}),
            ("engage", {"top": 20}),
        ]:
            ok, [run_id] = run_stages(engine, settings, [stage], "cli", params)
            run = ledger.get_run(engine, run_id)
            if not ok:
                raise SystemExit(f"{stage} failed: {run['error_message']}")
            rows.append(
                (stage, run["items_processed"], ledger.run_duration_seconds(run), peak_rss_mb())
            )

    print(
        f"{args.messages:,} demo messages (seed {args.seed}), {os.cpu_count()} cores, {engine.dialect.name}"
    )
    print(f"{'stage':10} {'items':>8} {'seconds':>9} {'items/s':>9} {'peak RSS MB':>12}")
    for stage, items, seconds, rss in rows:
        rate = items / seconds if seconds else float("inf")
        print(f"{stage:10} {items:>8,} {seconds:>9.2f} {rate:>9,.0f} {rss:>12.0f}")
    by_stage = {stage: seconds for stage, _, seconds, _ in rows}
    print(f"bare stdlib parse: {bare:.2f} s ({count / bare:,.0f} msg/s)")
    one_two = by_stage["metadata"] + by_stage["content"]
    print(
        f"stages 1+2 = {one_two / bare:.2f}x the bare parse (target <= 3x); "
        f"entities = {by_stage['entities'] / bare:.2f}x (target <= 2x); "
        f"stages 1-3 = {(one_two + by_stage['entities']) / bare:.2f}x"
    )
    print(f"stages 5-7: {by_stage['profile'] + by_stage['segment'] + by_stage['engage']:.2f} s")


if __name__ == "__main__":
    main()
