"""What the benchmarks share: the stdlib yardstick and a demo mailbox in a fresh database.

Imported as ``from _common import ...``: a benchmark runs as a script
(``PYTHONPATH=src python benchmarks/bench_x.py``), so this folder is on the path.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from inboxmine.db.engine import make_engine
from inboxmine.db.migrate import upgrade
from inboxmine.demo import generate_demo
from inboxmine.sources.importer import import_messages
from inboxmine.sources.mbox import read_mbox


def stdlib_parse(raw: bytes) -> None:
    """The yardstick: the stdlib's parse of one message and the decoding of its text parts."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_maintype() == "text":
            with contextlib.suppress(LookupError, ValueError):
                part.get_content()


def fresh_database(url: str):
    """An engine on ``url`` with every table created."""
    engine = make_engine(url)
    upgrade(engine)
    return engine


def ingest_demo(engine, demo):
    """Import the generated mailbox ``demo`` as ``inboxmine ingest mbox`` does."""
    return import_messages(
        engine,
        read_mbox(demo.mbox_path),
        source_kind="mbox",
        path=str(demo.mbox_path),
        my_addresses=set(demo.me),
    )


def demo_database(
    folder: Path,
    *,
    messages: int,
    seed: int = 7,
    now: datetime | None = None,
    url: str | None = None,
):
    """Generate a demo mailbox in ``folder`` and import it into a fresh database
    (``url``, default a SQLite file in ``folder``). Returns ``(demo, url, engine)``."""
    demo = generate_demo(folder, seed=seed, messages=messages, now=now)
    url = url or f"sqlite:///{folder / 'bench.db'}"
    engine = fresh_database(url)
    ingest_demo(engine, demo)
    return demo, url, engine


@dataclass
class Window:
    """What :meth:`MemorySampler.window` measured."""

    peak_mb: float = 0.0
    cpu_s: float = 0.0


class MemorySampler:
    """The resident memory of this process and all its descendants together
    (parse and stage workers included), sampled a few times a second.

    ``with sampler.window() as window:`` measures one stretch: afterwards
    ``window.peak_mb`` is the highest total RSS seen inside it and
    ``window.cpu_s`` the CPU time the process tree spent in it. Linux only
    (reads /proc).
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.current_peak = 0.0
        self.overall_peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = total_rss_mb()
            self.current_peak = max(self.current_peak, total)
            self.overall_peak = max(self.overall_peak, total)
            self._stop.wait(self.interval)

    @contextlib.contextmanager
    def window(self):
        self.current_peak = total_rss_mb()
        window = Window()
        cpu_before = total_cpu_s()
        try:
            yield window
        finally:
            window.cpu_s = total_cpu_s() - cpu_before
            window.peak_mb = max(self.current_peak, total_rss_mb())
            self.overall_peak = max(self.overall_peak, window.peak_mb)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def total_rss_mb() -> float:
    """RSS of this process and every descendant, in MB (from /proc)."""
    return sum(fields[21] for fields in _process_tree().values()) * _PAGE_KB / 1024


def total_cpu_s() -> float:
    """CPU seconds of this process and every descendant so far, those that
    ended included (their time is in their parent's cutime and cstime)."""
    ticks = sum(sum(fields[11:15]) for fields in _process_tree().values())
    return ticks / _TICKS


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
_TICKS = os.sysconf("SC_CLK_TCK")


def _process_tree() -> dict[int, list[int]]:
    """The numeric /proc stat fields (after the name; 0 is the state) of this
    process and its descendants, by pid."""
    stats: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                rest = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = [0] + [int(value) for value in rest[1:]]
    mine = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, fields in stats.items():
            if fields[1] in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return {pid: stats[pid] for pid in mine if pid in stats}
