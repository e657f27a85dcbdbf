"""Stages 5-6 with planted message verdicts: spam and phishing senders give no gems,
suspicious ones are flagged and scored lower, robots give no conversation gem, and
the user's correction brings the gems back on the next run."""

from sqlalchemy import select
from tests.trust_data import PHISHING_SIGNALS, partner_mail, plant, run_5_and_6, warm_thread

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.trust import sender_trust
from inboxmine.opportunities import queries
from inboxmine.services.gems import set_gem_status
from inboxmine.trust.overrides import set_override


def _gems(engine, sender=None):
    return {
        (g["sender_domain"], g["gem_type"]): g for g in queries.list_gems(engine, sender=sender)
    }


def _trust(engine, sender):
    with read_tx(engine) as conn:
        row = (
            conn.execute(select(sender_trust).where(sender_trust.c.sender_domain == sender))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def test_without_message_verdicts_every_gem_is_found_and_no_sender_is_judged(engine, settings):
    partner_mail(engine)
    warm_thread(engine)
    run_5_and_6(engine, settings)
    found = _gems(engine)
    assert set(found) == {
        ("acme.io", "partner_program"),
        ("brightlane.io", "dormant_warm_thread"),
    }
    assert all(g["trust_verdict"] is None for g in found.values())
    assert _trust(engine, "acme.io") is None


def test_a_phishing_sender_gives_no_gem_and_its_gem_expires(engine, settings):
    partner_mail(engine)
    warm_thread(engine)
    run_5_and_6(engine, settings)
    [partner] = queries.list_gems(engine, sender="acme.io")
    set_gem_status(engine, partner["id"], "acted")

    ids = plant(engine, "acme.io", "phishing", risk_score=92, signals=PHISHING_SIGNALS)
    run_5_and_6(engine, settings)

    assert queries.list_gems(engine, sender="acme.io") == []
    assert queries.gem_detail(engine, partner["id"])["status"] == "expired"
    assert set(_gems(engine)) == {("brightlane.io", "dormant_warm_thread")}
    trust = _trust(engine, "acme.io")
    assert (trust["verdict"], trust["source"], trust["message_count"]) == ("phishing", "auto", 1)
    assert trust["signals"][0]["signal"] == "brand_impersonation"
    assert trust["signals"][0]["message_ids"] == ids


def test_a_spam_thread_sender_gives_no_thread_gem(engine, settings):
    warm_thread(engine)
    plant(engine, "brightlane.io", "spam", risk_score=70)
    run_5_and_6(engine, settings)
    assert _gems(engine) == {}


def test_a_suspicious_sender_keeps_its_gem_marked_and_scored_lower(engine, settings):
    partner_mail(engine)
    run_5_and_6(engine, settings)
    [clean] = queries.list_gems(engine)

    plant(engine, "acme.io", "suspicious", risk_score=40)
    run_5_and_6(engine, settings)
    [flagged] = queries.list_gems(engine)
    detail = queries.gem_detail(engine, flagged["id"])

    assert flagged["id"] == clean["id"] and detail["trust_verdict"] == "suspicious"
    assert 0 <= flagged["score"] < clean["score"]
    trust_tier = detail["score_breakdown"]["tiers"][-1]
    assert trust_tier["name"] == "trust" and trust_tier["value"] < 0
    assert flagged["score"] == clean["score"] + trust_tier["value"]


def test_an_automated_sender_never_gives_a_thread_gem(engine, settings):
    warm_thread(engine)
    plant(engine, "brightlane.io", "automated", is_automated=True)
    run_5_and_6(engine, settings)
    assert _gems(engine) == {}
    assert _trust(engine, "brightlane.io")["automated_ratio"] == 1.0


def test_an_automated_sender_still_gives_its_other_gems(engine, settings):
    partner_mail(engine)
    plant(engine, "acme.io", "automated", is_automated=True)
    run_5_and_6(engine, settings)
    [gem] = queries.list_gems(engine)
    assert gem["gem_type"] == "partner_program"
    assert queries.gem_detail(engine, gem["id"])["trust_verdict"] == "automated"


def test_overriding_a_phishing_verdict_brings_the_gem_back_with_its_status(engine, settings):
    partner_mail(engine)
    run_5_and_6(engine, settings)
    [gem] = queries.list_gems(engine)
    set_gem_status(engine, gem["id"], "dismissed")
    plant(engine, "acme.io", "phishing", risk_score=90, signals=PHISHING_SIGNALS)
    run_5_and_6(engine, settings)
    assert queries.gem_detail(engine, gem["id"])["status"] == "expired"

    with write_tx(engine) as conn:
        set_override(conn, "acme.io", "legitimate", "our real partner")
    run_5_and_6(engine, settings)

    back = queries.gem_detail(engine, gem["id"])
    assert back["status"] == "dismissed" and back["trust_verdict"] == "legitimate"
    trust = _trust(engine, "acme.io")
    assert (trust["verdict"], trust["source"]) == ("legitimate", "override")
    assert trust["signals"][0]["signal"] == "user_override"
    assert "the messages alone say phishing" in trust["signals"][0]["detail"]


def test_an_override_to_spam_set_after_stage_5_is_enforced_by_stage_6(engine, settings):
    from inboxmine.rules.loader import load_rules
    from inboxmine.runner.executor import run_stages
    from inboxmine.trust import store

    partner_mail(engine)
    run_5_and_6(engine, settings)
    [gem] = queries.list_gems(engine)
    with write_tx(engine) as conn:
        set_override(conn, "acme.io", "spam", "not a partner")
        store.reapply(conn, "acme.io", load_rules("sender_trust.yaml"))
    ok, _ = run_stages(engine, settings, ["segment"])
    assert ok
    assert queries.gem_detail(engine, gem["id"])["status"] == "expired"


def test_trust_is_read_and_written_in_batches_not_per_sender(engine, settings):
    from sqlalchemy import event
    from tests.helpers import insert_message
    from tests.trust_data import _metadata

    from inboxmine.rules.loader import load_rules
    from inboxmine.trust import store

    senders = [f"sender{i}.example" for i in range(60)]
    for sender in senders:
        _metadata(engine, insert_message(engine, from_address=f"a@{sender}"), sender)
        plant(engine, sender, "spam", risk_score=60)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with write_tx(engine) as conn:
        trusts = store.roll_up_senders(conn, senders, load_rules("sender_trust.yaml"))
        store.write_sender_trust(conn, senders, trusts.values())
    assert len(trusts) == 60 and {t.verdict for t in trusts.values()} == {"spam"}
    skip = ("BEGIN", "SAVEPOINT", "RELEASE")
    work = [s for s in statements if not s.lstrip().upper().startswith(skip)]
    # One read of the verdicts, one of the overrides, one delete, one insert.
    assert len(work) <= 4, work
