"""Stage 2 (content) speed: messages/second and peak RSS, against the bare stdlib parse.

    PYTHONPATH=src python benchmarks/bench_content.py --messages 2000
    PYTHONPATH=src python benchmarks/bench_content.py --corpus ../shared/corpora

Generates the demo mailbox, parses every message once with inboxmine's
parser (stage 0, not timed) and then times, on the same messages:

* ``stdlib``   - ``email.message_from_bytes(raw, policy=default)`` and the
  body parts (the yardstick),
* ``stage 1``  - :func:`inboxmine.forensics.analyze.analyze` (metadata),
* ``stage 2``  - :func:`inboxmine.content.analyze.analyze_content`.

The target is stages 1+2 at no more than 3x the stdlib time. ``--profile``
prints the top functions of stage 2.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import stdlib_parse

from inboxmine.content.analyze import MessageContent, analyze_content, load_content_rules
from inboxmine.demo import generate_demo
from inboxmine.forensics.analyze import analyze as analyze_metadata
from inboxmine.forensics.analyze import prepare_rules
from inboxmine.rules.loader import load_rules
from inboxmine.sources.mbox import read_mbox
from inboxmine.sources.parse import parse_message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--corpus", help="a folder of real message files instead of the demo")
    args = parser.parse_args()

    if args.corpus:
        files = sorted(p for p in Path(args.corpus).rglob("*") if p.is_file())
        raws = [p.read_bytes() for p in files if p.suffix.lower() not in (".md", ".txt")]
        me: set[str] = set()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            demo = generate_demo(
                Path(tmp), messages=args.messages, now=datetime(2026, 5, 4, 12, tzinfo=UTC)
            )
            raws = [item.raw for item in read_mbox(demo.mbox_path) if item.raw]
        me = set(demo.me)
    parsed = [parse_message(raw, my_addresses=me) for raw in raws]
    meta_rules = prepare_rules(load_rules("esp.yaml"), load_rules("freemail.yaml"))
    content_rules = load_content_rules()
    meta_items = [
        {
            "id": i,
            "headers": p.headers,
            "from_address": p.from_address,
            "sent_at": p.sent_at,
            "sent_at_source": p.sent_at_source,
            "date_raw": p.date_raw,
            "is_sent": p.is_sent,
            "body": (p.body_html or p.body_text or "")[:65_536],
        }
        for i, p in enumerate(parsed)
    ]
    content_items = [
        MessageContent(
            message_id=i,
            subject=p.subject,
            body_html=p.body_html,
            body_text=p.body_text,
            recipient_addresses=p.to_addresses,
            sender_name=p.from_name,
        )
        for i, p in enumerate(parsed)
    ]
    analyze_content(content_items[0], content_rules)  # load the language model outside the timing

    def timed(label: str, fn, items) -> float:
        start = time.perf_counter()
        for item in items:
            fn(item)
        seconds = time.perf_counter() - start
        print(f"{label:8} {seconds:7.2f} s  {len(items) / seconds:8.0f} msg/s")
        return seconds

    n = len(raws)
    size_mb = sum(map(len, raws)) / 1e6
    print(f"{n} messages, {size_mb:.1f} MB")
    base = timed("stdlib", stdlib_parse, raws)
    one = timed("stage 1", lambda m: analyze_metadata(m, meta_rules), meta_items)
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
    two = timed("stage 2", lambda m: analyze_content(m, content_rules), content_items)
    if args.profile:
        profile.disable()
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(20)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"stages 1+2 = {(one + two) / base:.2f}x the stdlib parse (target <= 3x); "
        f"stage 2 alone {two / base:.2f}x; peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
