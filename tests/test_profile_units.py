"""Profiles from plain facts: sophistication tiers, contacts with roles, thread ratios."""

from datetime import UTC, datetime, timedelta

from inboxmine.opportunities import sophistication
from inboxmine.opportunities.facts import EntityFacts, MessageFacts, SenderFacts, ThreadFacts
from inboxmine.opportunities.profiles import build_profile
from inboxmine.opportunities.relationships import detect
from inboxmine.rules.loader import load_rules

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SOPH = load_rules("scoring.yaml")["sophistication"]


def m(i, days, **kw):
    kw.setdefault("sender_domain", "acme.io")
    return MessageFacts(id=i, sent_at=NOW - timedelta(days=days), **kw)


def test_esp_tiers_match_the_lower_case_keys_stage_1_stores():
    assert sophistication.esp_points("hubspot", SOPH) == (3, "enterprise")
    assert sophistication.esp_points("sendgrid", SOPH) == (2, "delivery")
    assert sophistication.esp_points("custom_smtp", SOPH) == (1, "other")


def test_sophistication_blends_60_40_and_reports_a_trend():
    assert sophistication.blend(8, 3, SOPH) == 6.0
    assert sophistication.blend(8, None, SOPH) == 8
    assert sophistication.trend([2, 3, 6, 7], SOPH) == "improving"
    assert sophistication.trend([5, 5], SOPH) is None


def test_a_profile_uses_real_times_the_most_common_address_and_roles_from_signatures():
    header = EntityFacts("person", "Dana Whitfield", source="header")
    signature = EntityFacts(
        "person",
        "Dana Whitfield",
        role="VP of Marketing",
        source="signature",
        relationship="decision_maker",
    )
    msgs = [
        m(
            1,
            30,
            from_address="dana@acme.io",
            from_name="Dana Whitfield",
            entities=[header],
            thread_id=7,
        ),
        m(
            2,
            20,
            from_address="dana@acme.io",
            from_name="Dana Whitfield",
            entities=[header, signature],
            thread_id=7,
        ),
        m(3, 5, from_address="billing@acme.io", from_name="Acme Billing"),
    ]
    me = MessageFacts(
        id=4, sent_at=NOW - timedelta(days=25), is_sent=True, thread_id=7, sender_domain="me.com"
    )
    thread = ThreadFacts(7, "Pricing", [msgs[0], me, msgs[1]])
    sender = SenderFacts(
        "acme.io", msgs, [thread], {"industry": "SaaS", "company_size_estimate": "small"}
    )
    profile = build_profile(sender, {"sophistication": SOPH, "warm": {}}, NOW, {"me@me.com"})
    assert profile["primary_email"] == "dana@acme.io"
    assert (
        profile["first_contact"] == msgs[0].sent_at and profile["last_contact"] == msgs[2].sent_at
    )
    assert profile["known_contacts"] == [
        {
            "name": "Dana Whitfield",
            "email": "dana@acme.io",
            "role": "VP of Marketing",
            "relationship": "decision_maker",
            "message_id": 1,
        }
    ]
    assert profile["thread_initiation_ratio"] == 0.0 and profile["user_reply_rate"] == 1.0
    assert profile["messages_from_me"] == 1 and profile["total_messages"] == 3
    assert profile["industry"] == "SaaS"


def test_known_entities_decide_before_the_mail_does():
    rules = load_rules("relationships.yaml")
    known = load_rules("known_entities.yaml")
    sender = SenderFacts(
        "github.com", [m(1, 3, sender_domain="github.com", subject="[repo] build failed")]
    )
    proposal = detect(sender, {"sender_intent": "transactional"}, [], known, rules)
    assert proposal.relationship_type == "my_infrastructure" and proposal.suppress_gems
    assert proposal.signals == ["known entity: infrastructure"]


def test_a_vendor_is_recognised_with_the_signals_that_decided():
    rules = load_rules("relationships.yaml")
    msgs = [
        m(i, 40 - i, subject=s)
        for i, s in enumerate(["Your invoice", "Payment received", "Your subscription renews"], 1)
    ]
    proposal = detect(
        SenderFacts("claritycrm.com", msgs),
        {"sender_intent": "transactional"},
        ["spend_map"],
        {},
        rules,
    )
    assert proposal.relationship_type == "my_vendor" and proposal.confidence >= 0.6
    assert any("vendor-like" in s for s in proposal.signals)


def test_promotion_deadlines_never_become_renewal_dates():
    from datetime import date

    from inboxmine.opportunities.profiles import renewal_dates

    context_rules = load_rules("gems.yaml")["renewal_context"]
    ahead = date(2026, 3, 20)

    def sender(*entities):
        return SenderFacts("shop.io", messages=[m(1, 2, entities=list(entities))])

    # First line: stage 3 tells the end of a sale apart.
    sale = EntityFacts(
        "date",
        "sale ends March 20",
        date_value=ahead,
        date_kind="promotion_end",
        context="Our spring subscription box sale ends March 20",
    )
    assert renewal_dates(sender(sale), NOW, context_rules) == []
    # Second line: an expiration stage 3 left untagged, with sale words around it.
    coupon = EntityFacts(
        "date",
        "expires March 20",
        date_value=ahead,
        date_kind="expiration",
        context="Your discount code expires March 20",
    )
    assert renewal_dates(sender(coupon), NOW, context_rules) == []
    plan = EntityFacts(
        "date",
        "expires March 20",
        date_value=ahead,
        date_kind="expiration",
        context="Your Pro plan expires March 20",
    )
    [found] = renewal_dates(sender(plan), NOW, context_rules)
    assert (found["date"], found["kind"], found["is_upcoming"]) == (
        "2026-03-20",
        "expiration",
        True,
    )


def test_a_publication_without_a_display_name_is_named_after_its_address():
    from inboxmine.opportunities.facts import SenderFacts
    from inboxmine.opportunities.profiles import company_name

    assert company_name(SenderFacts(sender_domain="growth-notes@substack.com")) == "Growth Notes"
    assert company_name(SenderFacts(sender_domain="acme-analytics.io")) == "Acme Analytics"


def test_people_name_senders_the_way_the_pipeline_keys_them():
    from inboxmine.forensics.domains import IdentityRules, sender_key

    rules = IdentityRules(
        freemail=frozenset({"gmail.com"}), publications=frozenset({"substack.com"})
    )
    assert sender_key("Mail.Acme.io", rules) == "acme.io"
    assert sender_key("bob@ACME.io", rules) == "acme.io"
    assert sender_key("Jane@Gmail.com", rules) == "jane@gmail.com"
    assert sender_key("GrowthNotes@substack.com", rules) == "growthnotes@substack.com"
    assert sender_key("not a domain", rules) is None
