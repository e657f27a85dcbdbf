"""Stage 2 offers: word-boundary rules with a quote as evidence."""

import pytest

from inboxmine.content.analyze import load_content_rules
from inboxmine.content.offers import detect_offers


@pytest.fixture(scope="module")
def rules():
    return load_content_rules().offers


@pytest.mark.parametrize(
    ("text", "offer"),
    [
        ("Take 20% off everything this weekend.", "discount"),
        ("Save $50 on annual plans.", "discount"),
        ("Start your 14-day free trial today.", "free_trial"),
        ("Join our live webinar on pricing.", "webinar"),
        ("Introducing the all-new dashboard.", "product_launch"),
        ("Hurry - the offer ends Sunday at midnight.", "urgency"),
        ("Trusted by 4,000 teams worldwide.", "social_proof"),
        ("Join us at SaaS Growth Summit in Berlin.", "event"),
        ("Welcome to issue #42 of our newsletter.", "newsletter"),
        ("Your plan renews on March 3 at $4,800/year.", "renewal"),
        ("Earn 30% recurring commission with our affiliate program.", "partnership"),
        ("Please complete our security questionnaire and sign the DPA.", "procurement"),
    ],
)
def test_each_offer_is_found_with_its_quote(rules, text, offer):
    found, evidence = detect_offers(text, rules)
    assert offer in found
    assert evidence[offer] == text


@pytest.mark.parametrize(
    ("text", "offer"),
    [
        ("Open Slack to reply to your team.", "procurement"),  # SLA inside Slack
        ("Talk to our sales team.", "discount"),  # sale inside sales
        ("Our most-read piece was about webinar funnels.", "webinar"),
        ("Your May statement for account 7741 is now available.", "product_launch"),
        ("Try the free tool - no signup.", "free_trial"),
        ("Ticket update: we fixed the printer driver.", "event"),
    ],
)
def test_words_that_only_look_like_offers_do_not_count(rules, text, offer):
    found, _ = detect_offers(text, rules)
    assert offer not in found


def test_evidence_is_the_sentence_around_the_hit_capped_at_120_chars(rules):
    text = (
        "Intro line.\n"
        + "A very long sentence " * 10
        + "with 25% off inside it "
        + "and more words " * 10
        + "."
    )
    _, evidence = detect_offers(text, rules)
    assert len(evidence["discount"]) <= 120
    assert "25% off" in evidence["discount"]


def test_offers_are_listed_in_rule_file_order(rules):
    found, _ = detect_offers("Last chance! 30% off. Trusted by 500 companies.", rules)
    assert found == ["discount", "urgency", "social_proof"]
