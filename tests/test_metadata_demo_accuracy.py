"""Stage 1 against the demo mailbox's planted truth: ESPs and sender identities."""

import json

from sqlalchemy import select
from tests.helpers import demo_database

from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata, sender_temporal


def test_esps_and_identities_match_the_planted_truth(engine, settings, demo_corpus):
    demo = demo_corpus(seed=3, messages=360)
    demo_database(engine, settings, demo, ["metadata"])
    truth = json.loads(demo.truth_path.read_text())["messages"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                messages.c.message_id.label("mid"),
                parsed_metadata.c.sender_domain,
                parsed_metadata.c.esp_identified,
            ).join(parsed_metadata, parsed_metadata.c.message_id == messages.c.id)
        ).all()
        senders = {r[0] for r in conn.execute(select(sender_temporal.c.sender_domain))}
    checked = [(truth[r.mid], r) for r in rows if r.mid in truth]
    assert len(checked) >= 300

    via_esp = [(t, r) for t, r in checked if t["esp"]]
    found = sum(1 for t, r in via_esp if r.esp_identified == t["esp"])
    assert found / len(via_esp) >= 0.98
    wrong = [
        (t["esp"], r.esp_identified)
        for t, r in checked
        if r.esp_identified is not None and r.esp_identified != t["esp"]
    ]
    assert wrong == []

    same_identity = sum(1 for t, r in checked if t["sender_domain"] == r.sender_domain)
    assert same_identity / len(checked) >= 0.99
    assert {t["sender_domain"] for t, _ in checked if t["sender_domain"]} <= senders
    # A newsletter on Substack or beehiiv is its own sender (its address), never
    # merged with every other publication of the platform into "substack.com".
    publications = [(t, r) for t, r in checked if t["esp"] in ("substack", "beehiiv")]
    assert publications
    assert all(r.sender_domain == t["sender_domain"] for t, r in publications)
    assert all("@" in r.sender_domain for _, r in publications)
