"""Benchmark the demo generator: python benchmarks/bench_generate.py [N ...]

Prints wall time, output size and peak RSS for each corpus size
(defaults: 10,000 and 100,000 messages)."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from inboxmine.demo import generate_demo


def main(sizes: list[int]) -> None:
    now = datetime(2026, 5, 4, 12, tzinfo=UTC)
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            result = generate_demo(Path(tmp), messages=n, now=now)
            elapsed = time.perf_counter() - t0
            size_mb = result.mbox_path.stat().st_size / 1e6
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{n:>7} messages  {elapsed:6.2f} s  {n / elapsed:8.0f} msg/s  mbox {size_mb:7.1f} MB  "
                f"peak RSS {peak_mb:6.0f} MB"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
