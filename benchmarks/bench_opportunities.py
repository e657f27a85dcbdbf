"""Stages 5-7 (profile, segment, engage) on a generated mailbox: wall time of each.

    PYTHONPATH=src python benchmarks/bench_opportunities.py --messages 10000
    PYTHONPATH=src python benchmarks/bench_opportunities.py --db postgresql://... --top 20

Generates the demo mailbox, imports it, runs stages 1-4 (not timed), then
times profile, segment, a second profile run (the "nothing changed" case)
and engage for the best N gems with the offline heuristic provider.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import demo_database
from sqlalchemy import func, select

from inboxmine.config import load_settings
from inboxmine.db.tables.opportunities import gems, sender_profiles
from inboxmine.runner import ledger
from inboxmine.runner.executor import run_stages


def _timed(engine, settings, keys, **options) -> float:
    start = time.perf_counter()
    ok, ids = run_stages(engine, settings, keys, parameters=options)
    elapsed = time.perf_counter() - start
    if not ok:
        errors = [ledger.get_run(engine, i)["error_message"] for i in ids]
        raise SystemExit(f"{keys} failed: {errors}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--top", type=int, default=20, help="gems to draft in the engage run")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        demo, url, engine = demo_database(
            Path(tmp) / "demo", messages=args.messages, now=now, url=args.db
        )
        settings = load_settings(database_url=url, me=demo.me)
        settings.engagement.your_audience = "B2B SaaS founders and marketing teams"
        settings.engagement.max_outreach_per_day = max(args.top, 20)
        setup = _timed(engine, settings, ["metadata", "content", "entities", "classify"])
        times = {
            "profile": _timed(engine, settings, ["profile"]),
            "segment": _timed(engine, settings, ["segment"]),
            "profile (rerun)": _timed(engine, settings, ["profile"]),
            f"engage (top {args.top})": _timed(engine, settings, ["engage"], top=args.top),
        }
        with engine.connect() as conn:
            n_profiles = conn.execute(
                select(func.count()).select_from(sender_profiles)
            ).scalar_one()
            n_gems = conn.execute(select(func.count()).select_from(gems)).scalar_one()
    print(
        f"{demo.message_count} messages, {n_profiles} profiles, {n_gems} gems "
        f"({engine.dialect.name}; stages 1-4 took {setup:.1f} s, not counted)"
    )
    for name, seconds in times.items():
        print(f"  {name:<18} {seconds:7.2f} s")
    first = times["profile"] + times["segment"] + times[f"engage (top {args.top})"]
    print(
        f"  stages 5-7 total  {first:7.2f} s   peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
