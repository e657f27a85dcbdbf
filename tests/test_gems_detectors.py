"""Gem detectors on hand-written facts: each type found, with evidence, and its traps avoided."""

from datetime import UTC, date, datetime, timedelta

from inboxmine.opportunities.facts import EntityFacts, MessageFacts, SenderFacts, ThreadFacts
from inboxmine.opportunities.gems import DetectionContext, detect_gems
from inboxmine.opportunities.profiles import build_profile
from inboxmine.rules.loader import load_rules

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
GEM_RULES = load_rules("gems.yaml")
PROFILE_RULES = {
    "sophistication": load_rules("scoring.yaml")["sophistication"],
    "warm": GEM_RULES["phrases"]["warm"],
    "renewal_context": GEM_RULES["renewal_context"],
}
_ids = iter(range(1, 10_000))


def msg(days_ago, text="", *, sent=False, thread=None, sender="brightlane.io", **kw):
    return MessageFacts(
        id=next(_ids),
        sent_at=NOW - timedelta(days=days_ago),
        is_sent=sent,
        thread_id=thread,
        text=text,
        sender_domain="me.com" if sent else sender,
        from_address="me@me.com" if sent else f"dana@{sender}",
        from_name="Me" if sent else "Dana Whitfield",
        **kw,
    )


def run(messages, relationship="unknown", threads=None, audience="", classification=None):
    domain = next(m.sender_domain for m in messages if not m.is_sent)
    sender = SenderFacts(
        sender_domain=domain,
        messages=[m for m in messages if not m.is_sent],
        threads=threads or [],
        classification=classification or {},
    )
    profile = build_profile(sender, PROFILE_RULES, NOW)
    ctx = DetectionContext(sender, profile, relationship, [], NOW, GEM_RULES, audience)
    return detect_gems(ctx), profile


def thread_of(tid, subject, *messages):
    return ThreadFacts(id=tid, subject=subject, messages=list(messages))


def test_a_quiet_thread_with_pricing_and_a_meeting_request_is_a_dormant_warm_thread():
    them1 = msg(53, "Could you share how you price an engagement like this?", thread=1)
    me = msg(49, "Our retainer starts at $9,500/month.", sent=True, thread=1)
    them2 = msg(45, "Could we set up a 30-minute meeting next week with our CFO?", thread=1)
    found, _ = run([them1, me, them2], threads=[thread_of(1, "Pricing for Q3", them1, me, them2)])
    [gem] = found
    assert gem.gem_type == "dormant_warm_thread" and gem.thread_id == 1
    assert "45 days" in gem.summary
    kinds = {s.signal for s in gem.signals}
    assert {"pricing", "meeting_request"} <= kinds
    quotes = [e for s in gem.signals for e in s.evidence]
    assert any(e.message_id == them2.id and "meeting" in e.quote for e in quotes)
    assert gem.urgency == "medium" and gem.facts["dormancy_days"] == 45


def test_a_thread_that_ended_with_thanks_is_not_dormant():
    me = msg(
        63, "Attached is the final invoice for the pricing project ($6,500).", sent=True, thread=2
    )
    them = msg(60, "Paid today. Great working with you, all set, thanks!", thread=2)
    found, _ = run([me, them], threads=[thread_of(2, "Invoice and wrap-up", me, them)])
    assert found == []


def test_a_recent_question_is_an_unanswered_ask_not_a_dormant_thread():
    me = msg(6, "Would you introduce me to the Hollis team?", sent=True, thread=3)
    them = msg(4, "Of course! Which day works best for a call - Monday or Thursday?", thread=3)
    found, _ = run([me, them], threads=[thread_of(3, "Intro", me, them)])
    assert [g.gem_type for g in found] == ["unanswered_ask"]
    assert found[0].urgency == "high"
    assert found[0].signals[0].evidence[0].message_id == them.id


def test_a_thread_the_user_already_answered_is_no_gem():
    them = msg(6, "Could you help with our launch? What would that cost?", thread=4)
    me = msg(5, "Yes - sending a calendar invite.", sent=True, thread=4)
    found, _ = run([them, me], threads=[thread_of(4, "Launch", them, me)])
    assert found == []


def test_procurement_in_a_thread_wins_over_dormancy_for_the_same_conversation():
    rfp = EntityFacts(
        "procurement_signal", "RFP", category="rfp", context="is issuing an RFP for consulting"
    )
    them1 = msg(
        26, "We are issuing an RFP. Please confirm your intent to bid.", thread=5, entities=[rfp]
    )
    me = msg(21, "We confirm our intent to bid.", sent=True, thread=5)
    them2 = msg(16, "Could you confirm you can work under our MSA? Budget is approved.", thread=5)
    found, _ = run([them1, me, them2], threads=[thread_of(5, "RFP: analytics", them1, me, them2)])
    assert [g.gem_type for g in found] == ["procurement_signal"]
    assert found[0].signals[0].evidence[0].quote == "is issuing an RFP for consulting"


def test_renewal_leverage_needs_a_date_still_ahead_and_urgency_follows_proximity():
    soon = EntityFacts(
        "date",
        "March 22, 2026",
        date_value=date(2026, 3, 22),
        date_kind="renewal",
        context="Your plan renews on March 22, 2026",
    )
    price = EntityFacts(
        "money", "$2,388/year", amount=2388, currency="USD", context="at $2,388/year"
    )
    m = msg(
        5,
        "Your Pro plan renews on March 22, 2026 at $2,388/year.",
        sender="metricly.com",
        entities=[soon, price],
    )
    found, profile = run([m], relationship="my_vendor")
    [gem] = found
    assert gem.gem_type == "renewal_leverage" and gem.urgency == "high"
    assert profile["next_renewal_date"] == "2026-03-22"
    assert "$2,388/year" in gem.summary

    past = EntityFacts(
        "date",
        "Jan 25, 2026",
        date_value=date(2026, 1, 25),
        date_kind="renewal",
        context="Your plan renewed on Jan 25, 2026",
    )
    old = msg(35, "Your Team plan renewed.", sender="brightdesk.com", entities=[past])
    found, profile = run([old], relationship="my_vendor")
    assert found == [] and profile["next_renewal_date"] is None
    assert profile["renewal_dates"][0]["is_upcoming"] is False


def test_partner_program_links_become_a_partner_gem_with_the_url():
    m = msg(
        70,
        "Consultancies earn 20% recurring revenue share.",
        sender="acme.io",
        link_intents={"partner_program": ["https://acme.io/partners?utm_source=x"]},
        subject="Join the Acme Partner Program",
    )
    found, profile = run([m], relationship="potential_partner")
    [gem] = found
    assert gem.gem_type == "partner_program"
    assert gem.facts["partner_urls"] == ["https://acme.io/partners"]
    assert {s.signal for s in gem.signals} >= {"partner_program_url", "commission"}


def test_repeated_upgrade_pushes_from_a_vendor_are_vendor_upsell():
    a = msg(50, "Upgrade to Pro to unlock advanced reporting.", sender="syncboard.com")
    b = msg(15, "You're using 10 of 10 seats. Add seats now.", sender="syncboard.com")
    found, _ = run([a, b], relationship="my_vendor")
    assert [g.gem_type for g in found] == ["vendor_upsell"]
    assert len(found[0].signals) == 2


def test_a_podcast_booking_guests_is_a_distribution_channel():
    a = msg(
        33,
        "We're booking guests for next season. Sponsor an episode.",
        sender="b2bshow.com",
        subject="Be a guest on The B2B Growth Show",
    )
    found, _ = run([a], relationship="selling_to_me")
    assert [g.gem_type for g in found] == ["distribution_channel"]


def test_co_marketing_needs_your_audience_and_an_overlap():
    a = msg(
        20,
        "Pipeline analytics for B2B SaaS marketing teams and founders.",
        sender="pipelane.io",
        headline="Built for B2B SaaS marketing teams",
    )
    found, _ = run([a], relationship="selling_to_me")
    assert found == []
    found, _ = run(
        [a], relationship="selling_to_me", audience="B2B SaaS founders and marketing teams"
    )
    assert [g.gem_type for g in found] == ["co_marketing"]
    assert {"b2b", "saas", "founder"} <= set(found[0].facts["shared_audience"])
    assert found[0].signals[0].evidence[0].message_id == a.id


def test_a_weak_marketer_is_a_lead_even_when_its_mail_is_bulk():
    cls = {
        "industry": "Local Business",
        "company_size_estimate": "small",
        "sender_intent": "promotional",
    }
    mails = [
        msg(
            d,
            "Dear Customer, great deals on banners.",
            sender="harlowprint.com",
            is_bulk=True,
            esp="custom_smtp",
            classification=cls,
        )
        for d in (40, 30, 20, 10)
    ]
    found, profile = run(mails, relationship="selling_to_me", classification=cls)
    assert profile["marketing_sophistication_avg"] <= 4
    assert [g.gem_type for g in found] == ["weak_marketing_lead"]
    assert "personalization" in found[0].summary


def test_institutional_senders_get_no_gems():
    a = msg(33, "We're booking guests. Call for speakers is open.", sender="irs.gov")
    found, _ = run([a], relationship="institutional")
    assert found == []
