"""What the benchmarks share: the stdlib yardstick and a demo mailbox in a fresh database.

Imported as ``from _common import ...``: a benchmark runs as a script
(``PYTHONPATH=src python benchmarks/bench_x.py``), so this folder is on the path.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
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
