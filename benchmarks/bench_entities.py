"""Entities (rules only) against the bare stdlib email parse of the same messages.

The target: rule-based extraction costs no more than 2x parsing the raw
messages with ``email.message_from_bytes(raw, policy=email.policy.default)``
plus reading their body (``get_body().get_content()``).

    PYTHONPATH=src python benchmarks/bench_entities.py [--messages 2000] [--spacy]

A demo mailbox is generated, ingested and run through the content stage in a
temporary SQLite database; then the stage's own ``load`` + ``transform``
are timed in one process (no pool), next to the stdlib parse of the raw bytes.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import mailbox
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def _stdlib_parse(raws: list[bytes]) -> None:
    for raw in raws:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        try:
            body = message.get_body(preferencelist=("plain", "html"))
            if body is not None:
                body.get_content()
        except Exception:  # malformed demo messages: the parse itself is what is timed
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spacy", action="store_true", help="also time the spaCy layer")
    args = parser.parse_args()

    from _common import demo_database
    from sqlalchemy import select

    from inboxmine.config import load_settings
    from inboxmine.db.tables.content import parsed_content
    from inboxmine.entities import nlp
    from inboxmine.runner.executor import run_stages
    from inboxmine.runner.stage import StageContext
    from inboxmine.stages import entities as stage

    for key in [k for k in os.environ if k.startswith("INBOXMINE_")]:
        del os.environ[key]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo, url, engine = demo_database(
            folder, messages=args.messages, now=datetime(2026, 5, 4, tzinfo=UTC)
        )
        raws = [m.as_bytes() for m in mailbox.mbox(str(demo.mbox_path))]
        settings = load_settings(database_url=url, me=demo.me)
        settings = settings.model_copy(
            update={"entities": settings.entities.model_copy(update={"use_spacy": False})}
        )
        run_stages(engine, settings, ["content"])
        ctx = StageContext(engine=engine, settings=settings, run=None)
        with engine.connect() as conn:
            ids = [row[0] for row in conn.execute(select(parsed_content.c.message_id))]
            items = stage._load(conn, ids, ctx)
        plan = stage._prepare(ctx)
        for item in items[:50]:  # warm up: compiled patterns, dateparser's lazy data
            stage.transform(item, plan)

        parse_times, entity_times, load_times = [], [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            _stdlib_parse(raws)
            parse_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            with engine.connect() as conn:
                stage._load(conn, ids, ctx)
            load_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            rows = 0
            for item in items:
                rows += len(stage.transform(item, plan).rows["extracted_entities"])
            entity_times.append(time.perf_counter() - started)
        parse_s, entity_s, load_s = (
            statistics.median(parse_times),
            statistics.median(entity_times),
            statistics.median(load_times),
        )
        n = len(items)
        print(f"messages: {len(raws)} raw, {n} with parsed content; {rows} entity rows")
        print(
            f"stdlib parse + body:      {parse_s * 1000:8.1f} ms  ({parse_s / len(raws) * 1e6:6.0f} us/msg)"
        )
        print(
            f"entities transform:       {entity_s * 1000:8.1f} ms  ({entity_s / n * 1e6:6.0f} us/msg)"
        )
        print(
            f"entities load (SQLite):   {load_s * 1000:8.1f} ms  ({load_s / n * 1e6:6.0f} us/msg)"
        )
        ratio = entity_s / parse_s
        print(f"transform / stdlib parse: {ratio:.2f}x (target <= 2x)")
        print(f"(transform + load) / parse: {(entity_s + load_s) / parse_s:.2f}x")

        if args.spacy:
            model, problem = nlp.load_model(settings.entities.spacy_model)
            if model is None:
                print(f"spaCy: {problem}")
            else:
                sample = items[: min(300, n)]
                started = time.perf_counter()
                for item in sample:
                    known = []
                    nlp.find_named_entities(model, item, plan.rules, known)
                spent = time.perf_counter() - started
                print(
                    f"spaCy NER:                {spent / len(sample) * 1000:8.1f} ms/msg ({len(sample)} msgs)"
                )
        engine.dispose()
    return 0 if ratio <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
