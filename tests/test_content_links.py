"""Stage 2 links: intents with word boundaries, anchor text behind click trackers, UTM, social."""

import pytest

from inboxmine.content.analyze import load_content_rules
from inboxmine.content.html import Link
from inboxmine.content.links import LinkRules, analyze_links, links_in_text
from inboxmine.rules.loader import RulesError


@pytest.fixture(scope="module")
def rules():
    return load_content_rules().links


def intents(rules, url, text=None):
    return analyze_links([Link(url=url, texts=[text] if text else [])], [], rules).link_intents


@pytest.mark.parametrize(
    ("url", "intent"),
    [
        ("https://acme.io/pricing", "pricing_page"),
        ("https://acme.io/plans?x=1", "pricing_page"),
        ("https://calendly.com/sam/30min", "demo_booking"),
        ("https://acme.io/book-a-demo", "demo_booking"),
        ("https://acme.io/partners/apply", "partner_program"),
        ("https://acme.io/affiliate_program", "partner_program"),
        ("https://aws.amazon.com/marketplace/pp/acme", "marketplace_listing"),
        ("https://boards.greenhouse.io/acme/jobs/1", "job_posting"),
        ("https://acme.io/case-studies/northwind", "case_study"),
        ("https://acme.io/tools/roi-calculator", "free_tool"),
        ("https://acme.io/unsubscribe?u=1", "unsubscribe"),
    ],
)
def test_url_intents(rules, url, intent):
    assert intent in intents(rules, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.io/costume-party",  # "cost" inside "costume"
        "https://demoflow.com/",  # "demo" inside a brand name
        "https://www.facebook.com/acme",  # "book" inside "facebook"
        "https://acme.io/partnerstack-news",  # "partner" inside a word
        "https://acme.io/blog?utm_campaign=pricing-update",  # the query never decides
    ],
)
def test_intent_words_inside_other_words_do_not_count(rules, url):
    assert intents(rules, url) == {}


def test_anchor_text_gives_the_intent_behind_a_click_tracker(rules):
    url = "https://u123.ct.sendgrid.net/ls/click?upn=u001.abc"
    assert intents(rules, url, "Book a demo") == {"demo_booking": [url]}
    assert intents(rules, url, "See plans and pricing") == {"pricing_page": [url]}
    assert intents(rules, url, "Read the full issue") == {}


def test_utm_campaigns_are_collected_once_per_distinct_set(rules):
    links = [
        Link("https://a.com/1?utm_source=hubspot&utm_medium=email&utm_campaign=launch"),
        Link("https://a.com/2?utm_medium=email&utm_source=hubspot&utm_campaign=launch"),
        Link("https://a.com/3?utm_source=hubspot&utm_campaign=other&utm_content=footer"),
        Link("https://a.com/4?ref=none"),
    ]
    facts = analyze_links(links, [], rules)
    assert facts.utm_campaigns == [
        {"utm_source": "hubspot", "utm_medium": "email", "utm_campaign": "launch"},
        {"utm_source": "hubspot", "utm_campaign": "other", "utm_content": "footer"},
    ]


def test_social_links_keep_the_first_url_per_platform(rules):
    links = [
        Link("https://twitter.com/acme"),
        Link("https://x.com/acme_two"),
        Link("https://www.linkedin.com/company/acme"),
        Link("https://t.tracker.net/c/1", texts=["YouTube"]),
        Link("https://acme.io/blog/twitter-tips", texts=["Our Twitter tips"]),
    ]
    assert analyze_links(links, [], rules).social_links == {
        "twitter": "https://twitter.com/acme",
        "linkedin": "https://www.linkedin.com/company/acme",
        "youtube": "https://t.tracker.net/c/1",
    }


def test_malformed_urls_are_skipped_not_fatal(rules):
    facts = analyze_links([Link("http://[::1/broken"), Link("javascript:alert(1)")], [], rules)
    assert facts.link_count == 0


def test_urls_in_plain_text_lose_trailing_punctuation():
    found = links_in_text("See https://a.com/x. Or (https://b.com/y), twice https://a.com/x.")
    assert [link.url for link in found] == ["https://a.com/x", "https://b.com/y"]


def test_a_broken_user_pattern_names_the_file_rule_and_fix():
    with pytest.raises(
        RulesError, match=r"link_intents.yaml: intents.pricing_page.url: pattern '\(unclosed'"
    ):
        LinkRules.from_rules({"intents": {"pricing_page": {"url": ["(unclosed"]}}})
