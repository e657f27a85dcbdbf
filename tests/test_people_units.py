"""People, not only domains: who a message counts for, and whose a thread gem is
(pure functions on hand-written facts)."""

from datetime import UTC, datetime, timedelta

import pytest

from inboxmine.config import EngagementSettings
from inboxmine.opportunities.facts import MessageFacts, SenderFacts, ThreadFacts
from inboxmine.opportunities.gems import DetectionContext, detect_gems
from inboxmine.opportunities.people import Me, clean_name, contact_of, identity_of, is_internal
from inboxmine.opportunities.profiles import build_profile
from inboxmine.opportunities.relationships import detect
from inboxmine.opportunities.strategies import draft_context
from inboxmine.rules.loader import load_rules

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
GEM_RULES = load_rules("gems.yaml")
PROFILE_RULES = {
    "sophistication": load_rules("scoring.yaml")["sophistication"],
    "warm": GEM_RULES["phrases"]["warm"],
    "renewal_context": GEM_RULES["renewal_context"],
}
ME = Me(frozenset({"ceo@acme.example"}), frozenset({"acme.example", "ceo@acme.example"}))
ON = Me(ME.addresses, ME.identities, include_internal=True)
_ids = iter(range(1, 10_000))


def msg(days_ago, text, who=None, *, thread, sent=False):
    name, address = who or ("Pat Lee", "ceo@acme.example")
    identity = address if "@acme.example" in address and not sent else address.split("@")[1]
    return MessageFacts(
        id=next(_ids),
        sent_at=NOW - timedelta(days=days_ago),
        is_sent=sent,
        thread_id=thread,
        text=text,
        subject="s",
        sender_domain="acme.example" if sent else identity,
        from_address=address,
        from_name=name,
    )


DANA = ("Dana Whitfield", "dana@northwind.example")
RAJ = ("Raj Patel", "raj.patel@northwind.example")
MARIA = ("Maria Gomez", "maria@acme.example")
TOM = ("Tom Reed", "tom@acme.example")


@pytest.mark.parametrize(
    ("sender_domain", "address", "is_sent", "me", "expected"),
    [
        ("northwind.example", "dana@northwind.example", False, ME, "northwind.example"),
        ("northwind.example", "dana@northwind.example", False, ON, "northwind.example"),
        ("acme.example", "maria@acme.example", False, ME, None),  # off: a colleague is left out
        ("acme.example", "Maria@Acme.example", False, ON, "maria@acme.example"),
        ("acme.example", "maria@eu.acme.example", False, ON, "maria@eu.acme.example"),
        ("acme.example", "ceo@acme.example", False, ON, None),  # the user, never a colleague
        ("acme.example", "maria@acme.example", True, ON, None),  # sent mail is the user's
        ("acme.example", None, False, ON, None),  # no address: nobody to name
        ("ann@gmail.com", "ann@gmail.com", False, ON, "ann@gmail.com"),
        (None, "x@y.example", False, ON, None),
    ],
)
def test_identity_of_decides_who_a_message_counts_for(
    sender_domain, address, is_sent, me, expected
):
    assert identity_of(sender_domain, address, is_sent, me) == expected


def test_own_free_mail_address_is_the_user_and_gives_no_colleagues():
    me = Me(frozenset({"pat@gmail.com"}), frozenset({"pat@gmail.com"}), include_internal=True)
    assert identity_of("pat@gmail.com", "pat@gmail.com", False, me) is None
    assert identity_of("bob@gmail.com", "bob@gmail.com", False, me) == "bob@gmail.com"
    assert not is_internal("bob@gmail.com", me) and me.domains == frozenset()


def test_a_contact_is_the_last_person_not_the_user_and_names_are_cleaned():
    thread = ThreadFacts(
        1,
        "t",
        [
            msg(5, "hi", ("Dana Whitfield", "Dana@northwind.example"), thread=1),
            msg(4, "ok", thread=1, sent=True),
            msg(3, "?", ('"dana@northwind.example"', "dana@northwind.example"), thread=1),
        ],
    )
    contact = contact_of(thread)
    assert (contact.email, contact.name) == ("dana@northwind.example", "Dana Whitfield")
    assert clean_name('  "Raj   Patel" ') == "Raj Patel" and clean_name("a@b.c") is None


def sender_of(identity, threads, internal=False):
    received = [m for t in threads for m in t.messages if m.sender_domain == identity]
    return SenderFacts(identity, messages=received, threads=threads, is_internal=internal)


def gems_of(sender, relationship="unknown"):
    profile = build_profile(sender, PROFILE_RULES, NOW)
    ctx = DetectionContext(sender, profile, relationship, [], NOW, GEM_RULES)
    return detect_gems(ctx)


def test_two_people_of_one_client_are_two_gems_with_two_contacts():
    rollout = ThreadFacts(
        1,
        "Rollout pricing",
        [
            msg(48, "How do you price 500 seats?", DANA, thread=1),
            msg(46, "List price is $90k.", thread=1, sent=True),
            msg(38, "Our VP would like to schedule a call about the budget.", DANA, thread=1),
        ],
    )
    onboarding = ThreadFacts(
        2,
        "Onboarding",
        [
            msg(6, "Ready to start.", thread=2, sent=True),
            msg(4, "Could you send the timeline? Which day works for a call?", RAJ, thread=2),
        ],
    )
    found = gems_of(sender_of("northwind.example", [rollout, onboarding]))
    contacts = {(g.gem_type, g.contact_email, g.contact_name) for g in found}
    assert contacts == {
        ("dormant_warm_thread", "dana@northwind.example", "Dana Whitfield"),
        ("unanswered_ask", "raj.patel@northwind.example", "Raj Patel"),
    }
    assert all(g.sender_domain == "northwind.example" for g in found)
    assert any("Raj Patel" in g.summary for g in found)


def test_in_a_thread_of_several_colleagues_only_the_last_writer_is_owed_the_reply():
    board = ThreadFacts(
        3,
        "Board deck",
        [
            msg(6, "I need your slides.", thread=3, sent=True),
            msg(5, "Finance slides are in the folder. Can you check them?", MARIA, thread=3),
            msg(4, "Sales slides done. Can you review the pipeline page?", TOM, thread=3),
        ],
    )
    tom = sender_of("tom@acme.example", [board], internal=True)
    maria = sender_of("maria@acme.example", [board], internal=True)
    [gem] = gems_of(tom, "colleague")
    assert (gem.gem_type, gem.contact_email) == ("unanswered_ask", "tom@acme.example")
    assert gems_of(maria, "colleague") == []


def test_a_colleague_is_a_colleague_and_gets_only_thread_gems():
    thread = ThreadFacts(
        4, "Budget", [msg(7, "Numbers?", thread=4, sent=True), msg(5, "Approve?", MARIA, thread=4)]
    )
    maria = sender_of("maria@acme.example", [thread], internal=True)
    profile = build_profile(maria, PROFILE_RULES, NOW)
    proposal = detect(maria, profile, [], {}, load_rules("relationships.yaml"))
    assert proposal.relationship_type == "colleague"
    assert "acme.example" in proposal.signals[0]
    assert GEM_RULES["eligibility"]["colleague"] == ["dormant_warm_thread", "unanswered_ask"]


def test_a_draft_addresses_the_gems_contact_not_the_profiles_first_contact():
    gem = {
        "gem_type": "unanswered_ask",
        "sender_domain": "northwind.example",
        "summary": "x",
        "contact_email": "raj.patel@northwind.example",
        "contact_name": "Raj Patel",
        "explanation": {"facts": {"thread_subject": "Onboarding"}},
    }
    profile = {
        "known_contacts": [
            {"name": "Dana Whitfield", "email": "dana@northwind.example", "role": "VP"},
            {"name": "Raj Patel", "email": "raj.patel@northwind.example", "role": "COO"},
        ]
    }
    context = draft_context(gem, profile, "revival", EngagementSettings())
    assert (context["contact_name"], context["contact_email"], context["contact_role"]) == (
        "Raj",
        "raj.patel@northwind.example",
        "COO",
    )
    without = draft_context(
        {**gem, "contact_email": None, "contact_name": None},
        profile,
        "revival",
        EngagementSettings(),
    )
    assert without["contact_name"] == "Dana"
