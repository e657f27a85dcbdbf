"""What real mail taught about senders: a person posting to a discussion list is
not a marketer, a link to someone else's site is not the sender's partner
program, and a newsletter footer does not name the company."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from tests.helpers import insert_message

from inboxmine.db.engine import write_tx
from inboxmine.db.tables import metadata
from inboxmine.forensics.unsubscribe import legacy_list_id
from inboxmine.opportunities import queries
from inboxmine.opportunities.facts import EntityFacts, MessageFacts, SenderFacts
from inboxmine.opportunities.profiles import company_name, partner_evidence
from inboxmine.opportunities.relationships import detect, list_member
from inboxmine.rules.loader import load_rules
from inboxmine.runner.executor import run_stages

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
RULES = load_rules("relationships.yaml")
_ids = iter(range(1, 100_000))


def msg(sender="techdirt.com", *, via_list=False, list_id=None, links=None, orgs=(), days=5):
    return MessageFacts(
        id=next(_ids),
        sent_at=NOW - timedelta(days=days),
        sender_domain=sender,
        from_address=f"mike@{sender}" if "@" not in sender else sender,
        from_name="Mike",
        list_id=list_id or ("Friends <fork.xent.com>" if via_list else None),
        via_discussion_list=via_list,
        link_intents={"partner_program": links} if links else {},
        entities=[
            EntityFacts("organization", value=o, normalized=o.lower(), source="signature")
            for o in orgs
        ],
    )


def test_legacy_list_headers_name_the_list():
    assert (
        legacy_list_id(
            "list zzzzteana@yahoogroups.com; contact zzzzteana-owner@yahoogroups.com", None, None
        )
        == "zzzzteana@yahoogroups.com"
    )
    assert legacy_list_id(None, "<Exmh-Users@redhat.com>", None) == "exmh-users@redhat.com"
    assert legacy_list_id(None, None, "spamassassin-talk@lists.sourceforge.net") == (
        "spamassassin-talk@lists.sourceforge.net"
    )
    assert legacy_list_id(None, None, None) is None
    assert legacy_list_id("no address here", "", None) is None


def test_a_sender_writing_mostly_through_discussion_lists_is_a_list_member():
    sender = SenderFacts("techdirt.com", messages=[msg(via_list=True) for _ in range(3)] + [msg()])
    proposal = list_member(sender, RULES)
    assert proposal is not None and proposal.relationship_type == "list_member"
    assert "3 of 4 messages" in proposal.signals[0] and "fork.xent.com" in proposal.signals[0]
    assert detect(sender, {}, [], {}, RULES).relationship_type == "list_member"


def test_a_sender_with_few_list_posts_is_not_a_list_member():
    sender = SenderFacts(
        "acme.io", messages=[msg("acme.io", via_list=True)] + [msg("acme.io") for _ in range(3)]
    )
    assert list_member(sender, RULES) is None
    assert detect(sender, {}, [], {}, RULES).relationship_type != "list_member"


def test_list_member_is_a_relationship_type_everywhere():
    assert "list_member" in queries.RELATIONSHIP_TYPES
    gems = load_rules("gems.yaml")
    assert set(gems["eligibility"]["list_member"]) == {"dormant_warm_thread", "unanswered_ask"}
    assert "list_member" in load_rules("scoring.yaml")["opportunity"]["relationship_caps"]


def test_partner_links_count_only_on_the_senders_own_domain_or_platform_tracking():
    tracking = frozenset({"list-manage.com"})
    own = msg("acme.io", links=["https://www.acme.io/partners?utm_source=x"])
    foreign = msg("acme.io", links=["http://polymer.example.edu/~amaral/partners.html"])
    tracked = msg("acme.io", links=["https://acme.us1.list-manage.com/track/click?u=1"])
    urls, ids = partner_evidence(SenderFacts("acme.io", messages=[own, foreign, tracked]), tracking)
    assert urls == ["https://www.acme.io/partners", "https://acme.us1.list-manage.com/track/click"]
    assert ids == [own.id, tracked.id]
    # A person on free mail runs no program of the mail host's.
    person = msg("bob@aol.com", links=["https://www.aol.com/partners"])
    assert partner_evidence(SenderFacts("bob@aol.com", messages=[person]), tracking) == ([], [])
    broken = msg("acme.io", links=["http://[::1/partners"])
    assert partner_evidence(SenderFacts("acme.io", messages=[broken]), tracking) == ([], [])


def test_a_newsletter_footer_does_not_name_the_company():
    issues = [msg("online.com", orgs=[f"Product {n}"]) for n in range(8)]
    issues += [msg("online.com", orgs=["Unsubscribe"]) for _ in range(2)]
    assert company_name(SenderFacts("online.com", messages=issues)) == "Online"
    signed = [msg("acme.io", orgs=["Acme Robotics GmbH"]) for _ in range(4)] + [msg("acme.io")]
    assert company_name(SenderFacts("acme.io", messages=signed)) == "acme robotics gmbh"


def _posted(engine, sender, list_id, n, subject="Re: discussion"):
    for i in range(n):
        mid = insert_message(
            engine,
            from_address=f"writer@{sender}",
            from_name=f"Writer of {sender}",
            subject=f"{subject} {i}",
            body_text="Buy one, get one free! Free shipping on any order over $25.",
            sent_at=NOW - timedelta(days=3 + i),
        )
        with write_tx(engine) as conn:
            conn.execute(
                insert(metadata.tables["parsed_metadata"]).values(
                    message_id=mid,
                    sender_domain=sender,
                    list_id=list_id,
                    is_bulk=True,
                    parsed_at=NOW,
                )
            )


def test_profile_stage_marks_discussion_list_posters_and_keeps_a_newsletter(engine, settings):
    for sender in ("techdirt.com", "mithral.com", "shipwright.com"):
        _posted(engine, sender, "Friends of Rohit Khare <fork.xent.com>", 3)
    _posted(engine, "lockergnome.com", "Lockergnome Daily <daily.lockergnome.com>", 4, "Issue")
    ok, _ = run_stages(engine, settings, ["profile"], parameters={"now": NOW.isoformat()})
    assert ok
    kinds = {r["sender_domain"]: r["relationship_type"] for r in queries.list_relationships(engine)}
    assert kinds["techdirt.com"] == kinds["mithral.com"] == kinds["shipwright.com"] == "list_member"
    assert kinds.get("lockergnome.com") != "list_member"
