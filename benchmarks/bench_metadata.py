"""Stage 1 (metadata) throughput: messages/second and peak memory.

    PYTHONPATH=src python benchmarks/bench_metadata.py --messages 5000
    PYTHONPATH=src python benchmarks/bench_metadata.py --db postgresql://... --workers 4

Generates the demo mailbox, imports it into a fresh database, then measures
on the same messages:

* the bare stdlib parse (``email.message_from_bytes``, policy=default) - the
  yardstick: stages 1+2 together should cost at most 3x this;
* the pure forensics (``analyze``) over the loaded items, no database;
* the whole stage as ``inboxmine run metadata`` runs it (load, transform,
  write, sender_temporal), in a child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import multiprocessing
import resource
import sys
import tempfile
import time
import zlib
from pathlib import Path

from _common import demo_database
from sqlalchemy import select

from inboxmine.config import load_settings
from inboxmine.db.engine import make_engine
from inboxmine.db.tables.ingest import messages


def _peak_rss_mb() -> float:
    """Peak RSS of this process (Linux: VmHWM; ru_maxrss would include the
    parent's memory, which a spawned child inherits across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _run_stage(url: str, workers: int, out) -> None:
    from inboxmine.runner.executor import run_stages

    settings = load_settings(database_url=url)
    settings = settings.model_copy(
        update={"runner": settings.runner.model_copy(update={"workers": workers})}
    )
    engine = make_engine(url)
    started = time.perf_counter()
    ok, _ = run_stages(engine, settings, ["metadata"])
    out.send((ok, time.perf_counter() - started, _peak_rss_mb()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (0 = one per core)"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-metadata-"))
    demo, url, engine = demo_database(work, messages=args.messages, url=args.db)
    with engine.connect() as conn:
        raws = [zlib.decompress(r[0]) for r in conn.execute(select(messages.c.raw_compressed))]
    count = len(raws)

    started = time.perf_counter()
    for raw in raws:
        email.message_from_bytes(raw, policy=email.policy.default)
    stdlib_s = time.perf_counter() - started
    del raws

    from inboxmine.forensics.analyze import analyze
    from inboxmine.runner.stage import StageContext
    from inboxmine.stages.metadata import STAGE

    settings = load_settings(database_url=url)
    ctx = StageContext(engine=engine, settings=settings, run=None)
    prepared = STAGE.prepare(ctx)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(messages.c.id))]
        items = STAGE.load(conn, ids, ctx)
    started = time.perf_counter()
    for item in items:
        analyze(item, prepared.forensics)
    analyze_s = time.perf_counter() - started
    del items

    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("spawn").Process(
        target=_run_stage, args=(url, args.workers, send)
    )
    child.start()
    ok, stage_s, rss = receive.recv()
    child.join()

    print(f"messages:                 {count}")
    print(f"stdlib email parse:       {stdlib_s:6.2f} s  {count / stdlib_s:8.0f} msg/s")
    print(
        f"forensics (pure analyze): {analyze_s:6.2f} s  {count / analyze_s:8.0f} msg/s"
        f"  = {analyze_s / stdlib_s:.2f}x stdlib parse"
    )
    print(
        f"stage 1 end to end:       {stage_s:6.2f} s  {count / stage_s:8.0f} msg/s"
        f"  = {stage_s / stdlib_s:.2f}x stdlib parse  (workers={args.workers}, ok={ok})"
    )
    print(f"stage 1 peak RSS:         {rss:6.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
