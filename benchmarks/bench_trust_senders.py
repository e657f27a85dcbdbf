"""Sender trust on a labelled mailbox: spam/phishing senders caught, legitimate ones wrongly marked, gems left.

    PYTHONPATH=src:. python benchmarks/bench_trust_senders.py [--hostile 600]

The labelled set: real ham (``../shared/corpora``: SpamAssassin easy ham,
easy ham 2, hard ham and the 2023 ESP newsletters; every sender legitimate)
and the generated hostile set of ``tests/hostile_mail.py`` (every sender spam
or phishing), imported into one fresh SQLite database and put through stages
1-6 (offline model, rules-only entities), exactly as ``inboxmine run --all``
would. A sender identity is labelled by where its mail came from (one seen
in both sets is left out). Prints, per sender: the share of hostile senders
the rollup marks spam or phishing (and at least suspicious), the share of
ham senders wrongly marked so, and the gems each side ends up with.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import fresh_database
from bench_message_trust import _corpora, _hostile, _import
from sqlalchemy import select

STAGES = ["metadata", "content", "entities", "classify", "profile", "segment"]
JUNK = ("spam", "phishing")


def _labels(engine) -> dict[str, str]:
    """sender identity -> ham | hostile (identities seen in both are left out)."""
    from inboxmine.db.tables.ingest import messages
    from inboxmine.db.tables.metadata_stage import parsed_metadata

    seen: dict[str, set[str]] = {}
    query = select(parsed_metadata.c.sender_domain, messages.c.source_ref).join(
        messages, messages.c.id == parsed_metadata.c.message_id
    )
    with engine.connect() as conn:
        for sender, source in conn.execute(query):
            if sender:
                seen.setdefault(sender, set()).add("hostile" if source == "hostile" else "ham")
    return {sender: next(iter(kinds)) for sender, kinds in seen.items() if len(kinds) == 1}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hostile", type=int, default=600, help="generated spam/phishing messages")
    args = parser.parse_args()

    from inboxmine.config import load_settings
    from inboxmine.db.tables.opportunities import gems
    from inboxmine.db.tables.trust import sender_trust
    from inboxmine.runner.executor import run_stages

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-trust-senders-')) / 'bench.db'}"
    engine = fresh_database(url)
    _import(engine, _corpora(), _hostile(args.hostile))
    settings = load_settings(database_url=url, entities={"use_spacy": False})
    started = time.perf_counter()
    ok, runs = run_stages(engine, settings, STAGES)
    if not ok:
        print(f"stages failed (runs {runs})")
        return 1
    labels = _labels(engine)
    with engine.connect() as conn:
        verdicts = dict(
            conn.execute(select(sender_trust.c.sender_domain, sender_trust.c.verdict)).all()
        )
        open_gems = [
            (row.sender_domain, row.gem_type, row.trust_verdict)
            for row in conn.execute(
                select(gems.c.sender_domain, gems.c.gem_type, gems.c.trust_verdict).where(
                    gems.c.status != "expired"
                )
            )
        ]
    print(f"stages 1-6: {time.perf_counter() - started:.0f} s")
    for side in ("hostile", "ham"):
        senders = [s for s, label in labels.items() if label == side]
        counts = Counter(verdicts.get(s, "none") for s in senders)
        junk = sum(counts[v] for v in JUNK)
        suspicious = counts["suspicious"]
        side_gems = [g for g in open_gems if labels.get(g[0]) == side]
        word = "caught" if side == "hostile" else "wrongly marked"
        print(
            f"{side:8s} {len(senders):5d} senders  {word}: spam/phishing {junk / len(senders):6.1%}"
            f"  +suspicious {(junk + suspicious) / len(senders):6.1%}   {dict(counts)}"
        )
        print(f"{'':8s} gems: {len(side_gems)} {dict(Counter(g[1] for g in side_gems))}")
        flagged = [g for g in side_gems if g[2] not in (None, "legitimate", "bulk")]
        if flagged:
            print(
                f"{'':8s} of which flagged: {len(flagged)} {dict(Counter(g[2] for g in flagged))}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
