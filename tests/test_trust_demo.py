"""The demo mailbox stays sensible under message trust: its real-looking senders are
never spam or phishing, and the people of its planted thread gems are not robots."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from sqlalchemy import select
from tests.helpers import demo_database

from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.trust import message_trust

#: Gems built from one person's thread: their sender must be a person.
THREAD_GEMS = ("dormant_warm_thread", "unanswered_ask", "procurement_signal")


def test_demo_senders_are_not_junk_and_thread_contacts_are_people(engine, settings, demo_corpus):
    demo = demo_corpus(seed=7, messages=2000)
    demo_database(engine, settings, demo, stages=("metadata",))
    truth = json.loads(demo.truth_path.read_text())

    query = select(
        parsed_metadata.c.sender_domain, message_trust.c.verdict, message_trust.c.is_automated
    ).join(message_trust, message_trust.c.message_id == parsed_metadata.c.message_id)
    verdicts: dict[str, Counter] = defaultdict(Counter)
    automated: dict[str, Counter] = defaultdict(Counter)
    with engine.connect() as conn:
        for sender, verdict, is_automated in conn.execute(query):
            verdicts[sender][verdict] += 1
            automated[sender][is_automated] += 1

    everything = sum(verdicts.values(), Counter())
    assert everything["spam"] == 0 and everything["phishing"] == 0, everything
    assert everything["suspicious"] <= sum(everything.values()) * 0.01, everything
    assert everything["bulk"] > everything["legitimate"] > 0  # mostly newsletters, some people
    for gem in truth["gems"]:
        sender = gem["sender_domain"]
        assert verdicts[sender], f"no trust rows for planted sender {sender}"
        assert not {"spam", "phishing", "suspicious"} & verdicts[sender].keys(), (
            gem,
            verdicts[sender],
        )
        if gem["gem_type"] in THREAD_GEMS:
            assert automated[sender][True] == 0, (gem, automated[sender])
