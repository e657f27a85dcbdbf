"""Workers on a shared queue: one run executed by 1, 2, ... `inboxmine worker` processes.

    PYTHONPATH=src python benchmarks/bench_workers.py --source corpora --workers 1,2
    PYTHONPATH=src python benchmarks/bench_workers.py --source demo --messages 5000 \\
        --db postgresql://postgres@127.0.0.1:5432/postgres --redis redis://127.0.0.1:6379/0

Imports a mailbox into a fresh database (SQLite file, or a throwaway database
created and dropped on the PostgreSQL server ``--db`` names), then for each
worker count starts that many real worker processes on the Redis queue,
queues one run of ``--stage`` (reprocessing everything) and times it from
queueing to completion. Prints messages/second per worker count, the speed-up
over one worker, the workers' peak RSS, and the ratio to a bare stdlib parse
of the same message bytes measured in the same run.

``--source corpora`` replays the real mail in ../shared/corpora (old MTAs,
lists, newsletters); ``--source demo`` generates the demo mailbox.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from pathlib import Path

from _common import demo_database, fresh_database, stdlib_parse
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from inboxmine.db.engine import normalize_url
from inboxmine.db.tables.ingest import messages
from inboxmine.runner import ledger
from inboxmine.runner.executor import queue_runs

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


def _database(args, folder: Path) -> tuple[str, callable]:
    """A fresh database URL and the function that drops it afterwards."""
    if not args.db:
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    server = make_url(normalize_url(args.db))
    name = f"inboxmine_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def _import(args, folder: Path, url: str):
    if args.source == "demo":
        _, _, engine = demo_database(folder, messages=args.messages, url=url)
        return engine
    from inboxmine.sources.eml import read_eml
    from inboxmine.sources.importer import import_messages

    if not CORPORA.is_dir():
        sys.exit(f"no corpora at {CORPORA}: use --source demo")
    engine = fresh_database(url)
    import_messages(
        engine, read_eml(CORPORA), source_kind="eml", path=str(CORPORA), my_addresses=set()
    )
    return engine


def _start_worker(url: str, args, queue: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        INBOXMINE_QUEUE__URL=args.redis,
        INBOXMINE_QUEUE__NAME=queue,
        INBOXMINE_RUNNER__BATCH_SIZE=str(args.batch_size),
        INBOXMINE_ENTITIES__USE_SPACY="false",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "inboxmine", "--db", url, "worker", "--workers", "1"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _timed_run(engine, url: str, args, workers: int, folder: Path) -> float:
    from inboxmine.config import load_settings
    from inboxmine.web.queue import TaskQueue

    queue = f"inboxmine-bench-{uuid.uuid4().hex[:8]}"
    settings = load_settings(database_url=url, queue={"url": args.redis, "name": queue})
    processes = [
        _start_worker(url, args, queue, folder / f"worker-{workers}.log") for _ in range(workers)
    ]
    try:
        time.sleep(2.0)  # let every worker connect before the run is queued
        (run_id,) = queue_runs(engine, [args.stage], "cli", {"reprocess": True})
        started = time.perf_counter()
        TaskQueue(settings, engine, mode="enqueue").enqueue([run_id])
        while ledger.get_run(engine, run_id)["status"] not in ("completed", "failed"):
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        run = ledger.get_run(engine, run_id)
        if run["status"] != "completed":
            sys.exit(f"run {run_id} failed: {run['error_message']}")
        return elapsed
    finally:
        _stop(processes)


def _stdlib_seconds(engine) -> tuple[int, float]:
    with engine.connect() as conn:
        raws = [zlib.decompress(r[0]) for r in conn.execute(select(messages.c.raw_compressed))]
    started = time.perf_counter()
    for raw in raws:
        stdlib_parse(raw)
    return len(raws), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("corpora", "demo"), default="corpora")
    parser.add_argument("--messages", type=int, default=5000, help="demo mailbox size")
    parser.add_argument("--stage", default="content")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, e.g. 1,2,4")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--db", help="PostgreSQL server URL (a throwaway database is made)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, drop = _database(args, folder)
        try:
            engine = _import(args, folder, url)
            count, stdlib_s = _stdlib_seconds(engine)
            print(
                f"{count} messages ({args.source}), stage {args.stage}, "
                f"{'PostgreSQL' if args.db else 'SQLite'}, {os.cpu_count()} cores; "
                f"bare stdlib parse {stdlib_s:.2f} s ({count / stdlib_s:,.0f}/s)"
            )
            print(f"{'workers':>7} {'seconds':>8} {'msg/s':>8} {'speed-up':>8} {'x stdlib':>8}")
            first = None
            for workers in [int(n) for n in args.workers.split(",")]:
                seconds = _timed_run(engine, url, args, workers, folder)
                first = first or seconds
                print(
                    f"{workers:>7} {seconds:>8.2f} {count / seconds:>8,.0f} "
                    f"{first / seconds:>7.2f}x {seconds / stdlib_s:>7.2f}x"
                )
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"peak RSS of one worker process: {peak:.0f} MB")
            engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
