"""Messy spam and phishing (.eml tree): import and stages 1-3, messages/second, error rates, peak RSS.

    PYTHONPATH=src:. python benchmarks/bench_messy.py --files 8000 [--db URL] [--ner] [--huge-mb 30]

Builds the deterministic messy corpus of tests/messy_mail.py (demo mail and
spam/phishing templates, broken the ways real spam is broken: lying
charsets, junk header lines, bad base64, unclosed boundaries, CR-only line
ends, NUL bytes, truncation, zero-byte files, a JPEG named .eml, a huge
message), imports it as ``inboxmine ingest eml`` does, and runs stages 1-3
through the runner the CLI uses. Prints, per step: items, seconds,
items/second, items in item_errors (and their share), peak RSS; and whether
every file was accounted for. ``--db`` must name an empty database (it is
migrated here); the default is a SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/messy_mail.py

from _common import fresh_database  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from tests.messy_mail import MB, build_messy_corpus, eml_entries  # noqa: E402

from inboxmine.config import load_settings  # noqa: E402
from inboxmine.db.tables.ledger import item_errors  # noqa: E402
from inboxmine.runner import ledger  # noqa: E402
from inboxmine.runner.executor import run_stages  # noqa: E402
from inboxmine.sources.eml import eml_files, read_eml  # noqa: E402
from inboxmine.sources.importer import import_messages  # noqa: E402

STAGES = ["metadata", "content", "entities"]


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def errors_of(engine, stage: str, run_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(item_errors)
            .where(item_errors.c.stage == stage, item_errors.c.pipeline_run_id == run_id)
        ).scalar()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8000, help="about this many .eml files")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--huge-mb", type=int, default=30, help="size of the one huge message")
    parser.add_argument("--db", help="an empty database URL (default: SQLite in a temp folder)")
    parser.add_argument("--ner", action="store_true", help="entities with spaCy NER (if installed)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-messy-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        corpus = build_messy_corpus(
            folder / "mail", files=args.files, seed=args.seed, huge_bytes=args.huge_mb * MB
        )
        built = time.perf_counter() - start
        print(
            f"corpus: {len(corpus.files):,} files, {corpus.bytes_written / MB:,.0f} MB, "
            f"built in {built:.1f}s ({corpus.copies} copies, {corpus.not_email} not email, "
            f"{corpus.unreadable} unreadable)"
        )
        url = args.db or f"sqlite:///{folder / 'bench.db'}"
        engine = fresh_database(url)
        settings = load_settings(database_url=url, entities={"use_spacy": args.ner})

        rows = []
        start = time.perf_counter()
        files = eml_files(corpus.root)
        summary = import_messages(
            engine,
            read_eml(corpus.root, files),
            source_kind="eml",
            path=str(corpus.root),
            my_addresses={"me@example.com"},
            total=len(files),
        )
        counts = summary.counts
        rows.append(
            (
                "ingest",
                counts.read,
                time.perf_counter() - start,
                counts.failed,
                peak_rss_mb(),
            )
        )
        accounted = counts.stored + counts.duplicates + counts.unreadable
        entries = len(eml_entries(corpus.root))
        print(
            f"ingest: read {counts.read:,} of {entries:,} .eml entries; stored {counts.stored:,} "
            f"(unparseable {counts.unparseable:,}, with notes {counts.with_problems:,}), "
            f"duplicates {counts.duplicates:,}, unreadable {counts.unreadable:,}: "
            + ("every file accounted for" if accounted == counts.read == entries else "FILES LOST")
        )

        ok, run_ids = run_stages(engine, settings, STAGES, "cli")
        for run_id in run_ids:
            run = ledger.get_run(engine, run_id)
            rows.append(
                (
                    run["stage"],
                    run["items_processed"],
                    ledger.run_duration_seconds(run),
                    errors_of(engine, run["stage"], run_id),
                    peak_rss_mb(),
                )
            )
            if run["status"] != "completed":
                print(f"run {run_id} {run['stage']}: {run['status']}: {run['error_message']}")
        engine.dispose()

    print(
        f"{'step':10} {'items':>8} {'seconds':>9} {'items/s':>9} {'errors':>7} {'error %':>8} {'peak RSS MB':>12}"
    )
    for stage, items, seconds, errors, rss in rows:
        rate = items / seconds if seconds else float("inf")
        share = 100 * errors / items if items else 0.0
        print(
            f"{stage:10} {items:>8,} {seconds:>9.1f} {rate:>9.0f} {errors:>7,} {share:>7.2f}% {rss:>12.0f}"
        )
    stage_rows = rows[1:]
    total = sum(seconds for _, _, seconds, _, _ in stage_rows)
    items = stage_rows[0][1] if stage_rows else 0
    print(
        f"stages 1-3 together: {items / total if total else 0:,.0f} messages/s; all completed: {ok}"
    )


if __name__ == "__main__":
    main()
