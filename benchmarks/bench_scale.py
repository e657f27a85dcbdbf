"""Real-shaped mail at scale: a 100k (or 500k) mailbox through stages 0-6.

    PYTHONPATH=src:. python benchmarks/bench_scale.py --messages 100000
    PYTHONPATH=src:. python benchmarks/bench_scale.py --messages 500000 --keep /tmp/scale

The mailbox is built by replaying real mail - every message of
../shared/corpora (2002 personal mail, lists, newsletters; 2023 ESP
newsletters) and the messy spam/phishing generator of tests/messy_mail.py -
as many times as needed, each replay a different mailbox: every copy gets its
own Message-IDs (replies keep pointing at their copy's parents, so threads
stay threads), its own sender domains (``example.com`` -> ``example-17.com``:
distinct senders) and dates shifted by a few days a copy. It is written as
one mbox and imported as ``inboxmine ingest mbox`` does, then stages 1-6 run
through the runner the CLI uses (rules-only entities, or spaCy NER with
``--spacy``; offline classifier).

Prints, per stage: items, seconds, messages/second, the ratio to a bare
stdlib parse of the same bytes (``email.message_from_bytes`` and the text
parts, measured in this run), the cores it kept busy (CPU seconds of this process and its
workers over wall seconds) and its peak memory (the RSS of this process and
its parse and stage workers together); then stages 0-6 together.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import json
import multiprocessing
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/messy_mail.py

from _common import MemorySampler, fresh_database, stdlib_parse  # noqa: E402
from tests.messy_mail import build_messy_corpus  # noqa: E402

from inboxmine.config import load_settings  # noqa: E402
from inboxmine.demo.mbox_writer import MboxWriter  # noqa: E402
from inboxmine.runner import ledger  # noqa: E402
from inboxmine.runner.executor import run_stages  # noqa: E402
from inboxmine.sources.eml import read_eml  # noqa: E402
from inboxmine.sources.importer import import_messages  # noqa: E402
from inboxmine.sources.mbox import read_mbox  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
STAGES = ["metadata", "content", "entities", "classify", "profile", "segment"]
ME = "me@example.com"

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_IDS = re.compile(rb"<([^<>\s]{1,250})>")
_ID_HEADER = re.compile(rb"^(message-id|in-reply-to|references):", re.I)
_FROM_HEADER = re.compile(rb"^(from|reply-to|return-path|sender):", re.I)
_DATE_HEADER = re.compile(rb"^date:\s*(.*)$", re.I)
_DOMAIN = re.compile(rb"@([A-Za-z0-9-]{1,63})\.")


def seed_messages(folder: Path, messy: int, corpora: Path = CORPORA) -> list[bytes]:
    """The real messages replayed: the corpora, then the messy spam/phishing set."""
    if not corpora.is_dir():
        # Without the real mail the figures would be of generated mail only.
        sys.exit(f"no corpora at {corpora}: pass --corpora with the folder of real mail")
    seeds = [item.raw for item in read_eml(corpora) if item.raw]
    real = len(seeds)
    if messy:
        corpus = build_messy_corpus(folder / "messy", files=messy, seed=14, huge_bytes=0)
        seeds += [item.raw for item in read_eml(corpus.root) if item.raw]
    print(f"seeds: {real:,} real messages from {corpora}, {len(seeds) - real:,} messy", flush=True)
    return seeds


def replay(raw: bytes, copy: int, spread: int) -> bytes:
    """``raw`` as copy number ``copy``: its own ids, senders and dates (header block only)."""
    if copy == 0:
        return raw
    found = _HEADER_END.search(raw)
    head, body = (raw[: found.start()], raw[found.start() :]) if found else (raw, b"")
    tag = b"c%d." % copy
    variant = b"-%d." % (copy % spread)
    lines = head.split(b"\n")
    current = None
    for index, line in enumerate(lines):
        if line[:1] not in (b" ", b"\t"):
            current = line
        if _ID_HEADER.match(current):
            lines[index] = _IDS.sub(lambda m: b"<" + tag + m.group(1) + b">", line)
        elif _FROM_HEADER.match(current) and copy % spread:
            lines[index] = _DOMAIN.sub(lambda m: b"@" + m.group(1) + variant, line)
        elif line is current and (date := _DATE_HEADER.match(line)):
            lines[index] = b"Date: " + _shifted(date.group(1), copy)
    lines.append(b"X-Replay: %d" % copy)  # no two copies share a content hash
    return b"\n".join(lines) + body


def _shifted(value: bytes, copy: int) -> bytes:
    try:
        when = email.utils.parsedate_to_datetime(value.decode("ascii", "replace").strip())
    except (TypeError, ValueError, IndexError):
        return value
    if when is None:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return email.utils.format_datetime(when + timedelta(days=3 * copy, minutes=copy)).encode()


def build_mailbox(path: Path, seeds: list[bytes], messages: int, spread: int) -> tuple[int, float]:
    """Write ``messages`` replayed messages to the mbox ``path``; returns (bytes, stdlib s)."""
    size = 0
    stdlib_s = 0.0
    when = datetime(2024, 1, 1, tzinfo=UTC)
    with MboxWriter(path) as writer:
        for index in range(messages):
            raw = replay(seeds[index % len(seeds)], index // len(seeds), spread)
            writer.write(raw, envelope="replay@example.com", when=when)
            size += len(raw)
            started = time.perf_counter()
            with contextlib.suppress(Exception):  # the stdlib gives up on some spam
                stdlib_parse(raw)
            stdlib_s += time.perf_counter() - started
    return size, stdlib_s


def _build(folder: Path, mbox: Path, messy: int, messages: int, spread: int, corpora: Path):
    seeds = seed_messages(folder, messy, corpora)
    size, stdlib_s = build_mailbox(mbox, seeds, messages, spread)
    return size, stdlib_s, len(seeds)


def _reused(built: Path, args) -> tuple[int, float, int]:
    """The mailbox an earlier run built in the ``--keep`` folder, if it was built
    with these options (its bare-parse time was measured then)."""
    found = json.loads(built.read_text())
    wanted = {"messages": args.messages, "messy": args.messy, "spread": args.spread}
    if any(found.get(key) != value for key, value in wanted.items()):
        sys.exit(f"{built} was built with other options ({found}); drop --reuse")
    print("reusing the mailbox built earlier in this folder, and its bare-parse time")
    return found["bytes"], found["stdlib_s"], found["seeds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--messy", type=int, default=3000, help="messy spam/phishing seeds")
    parser.add_argument("--spread", type=int, default=40, help="sender variants per sender")
    parser.add_argument(
        "--corpora", type=Path, default=CORPORA, help=f"the real mail (default: {CORPORA})"
    )
    parser.add_argument("--db", help="an empty database URL (default: SQLite in the folder)")
    parser.add_argument(
        "--spacy", action="store_true", help="entities with spaCy NER (default: rules only)"
    )
    parser.add_argument("--keep", help="folder to build in and keep (default: a temporary one)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: run on the mailbox built there before (a fresh database each time)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        mbox = folder / "mailbox.mbox"
        started = time.perf_counter()
        built = folder / "mailbox.json"
        if args.reuse and built.is_file() and mbox.is_file():
            size, stdlib_s, seed_count = _reused(built, args)
        else:
            # Built in a child process: this one, whose memory is measured, never holds the seeds.
            with multiprocessing.get_context("fork").Pool(1) as pool:
                size, stdlib_s, seed_count = pool.apply(
                    _build, (folder, mbox, args.messy, args.messages, args.spread, args.corpora)
                )
            built.write_text(
                json.dumps(
                    {
                        "messages": args.messages,
                        "messy": args.messy,
                        "spread": args.spread,
                        "bytes": size,
                        "stdlib_s": stdlib_s,
                        "seeds": seed_count,
                    }
                )
            )
        print(
            f"mailbox: {args.messages:,} messages replayed from {seed_count:,} real seeds, "
            f"{size / 2**20:,.0f} MB, built in {time.perf_counter() - started:.0f} s; "
            f"bare stdlib parse {stdlib_s:.1f} s ({args.messages / stdlib_s:,.0f}/s)"
        )
        if not args.db:  # a fresh database each run, also on a reused mailbox
            for old in folder.glob("scale.db*"):
                old.unlink()
        url = args.db or f"sqlite:///{folder / 'scale.db'}"
        engine = fresh_database(url)
        settings = load_settings(database_url=url, me=[ME], entities={"use_spacy": args.spacy})
        rows = []
        memory = MemorySampler()
        started = time.perf_counter()
        with memory.window() as window:
            summary = import_messages(
                engine, read_mbox(mbox), source_kind="mbox", path=str(mbox), my_addresses={ME}
            )
        rows.append(("ingest", summary.read, time.perf_counter() - started, window))
        print(f"ingest: stored {summary.stored:,}, duplicates {summary.duplicates:,}", flush=True)
        for key in STAGES:
            with memory.window() as window:
                ok, (run_id,) = run_stages(engine, settings, [key], "cli")
            run = ledger.get_run(engine, run_id)
            rows.append((key, run["items_processed"], ledger.run_duration_seconds(run), window))
            print(f"{key}: {run['status']} in {rows[-1][2]:.1f} s", flush=True)
            if not ok:
                print(f"run {run_id} failed: {run['error_message']}")
                break
        engine.dispose()
        memory.close()

    print(
        f"{'stage':10} {'items':>9} {'seconds':>9} {'msg/s':>8} {'x stdlib':>9} "
        f"{'cores':>6} {'peak MB':>8}"
    )
    for key, items, seconds, window in rows:
        rate = args.messages / seconds if seconds else float("inf")
        cores = window.cpu_s / seconds if seconds else 0.0
        print(
            f"{key:10} {items:>9,} {seconds:>9.1f} {rate:>8,.0f} {seconds / stdlib_s:>8.2f}x "
            f"{cores:>6.1f} {window.peak_mb:>8.0f}"
        )
    total = sum(seconds for _, _, seconds, _ in rows)
    one_two = sum(seconds for key, _, seconds, _ in rows if key in ("metadata", "content"))
    print(
        f"stages 0-6: {total:.0f} s, {args.messages / total:,.0f} messages/s; "
        f"stages 1+2 {one_two / stdlib_s:.2f}x the bare parse; peak memory {memory.overall_peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
